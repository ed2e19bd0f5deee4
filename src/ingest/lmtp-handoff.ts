import type { Outcome } from '../model/outcome.js';
import type { MessageStatus } from '../model/outcome.js';
import { findBareLineEnding } from './line-endings.js';

/**
 * How `intake ingest` hands a message to `intake serve` over the LMTP socket without
 * changing what is stored: the same bytes, the same envelope, the same record as if it
 * had processed the message itself (transport `file`). DATA can only carry CRLF lines,
 * so a message with LF line endings (what an MTA pipe delivers) is sent with CRLF and a
 * flag that makes the daemon restore the LF bytes; the null sender `<>` and an unknown
 * one, and no recipient at all, are told apart by flags too. The flags ride on one
 * private MAIL FROM parameter (RFC 5321 §4.1.2 esmtp-keyword), accepted only on the
 * Unix socket, whose permissions make every client on it as trusted as an MTA pipe.
 */
export const HANDOFF_PARAM = 'X-INTAKE-INGEST';

/** The daemon says who it is in its LMTP greeting, so another LMTP server on that path never takes our mail. */
export const LMTP_BANNER = 'csirt-intake';

export type HandoffFlag = 'lf' | 'no-sender' | 'no-recipient';
const FLAGS: readonly HandoffFlag[] = ['lf', 'no-sender', 'no-recipient'];

export function formatHandoffParam(flags: readonly HandoffFlag[]): string {
  return flags.length === 0 ? HANDOFF_PARAM : `${HANDOFF_PARAM}=${flags.join(',')}`;
}

/** The flags of a MAIL FROM parameter value (`true` for the bare keyword); null if malformed. */
export function parseHandoffFlags(value: string | true): Set<HandoffFlag> | null {
  if (value === true) return new Set();
  const flags = new Set<HandoffFlag>();
  for (const part of value.split(',')) {
    if (!FLAGS.includes(part as HandoffFlag)) return null;
    flags.add(part as HandoffFlag);
  }
  return flags;
}

/**
 * The message as DATA can carry it exactly: already CRLF throughout, or LF throughout
 * (then sent as CRLF, flag `lf`). Null when no exact round trip exists — mixed line
 * endings, a last line without one, nothing at all — and the caller processes the
 * message itself instead.
 */
export function wireForm(raw: Buffer): { wire: Buffer; lf: boolean } | null {
  if (raw.length === 0) return null;
  if (!raw.includes(0x0d)) {
    if (raw[raw.length - 1] !== 0x0a) return null;
    return { wire: Buffer.from(raw.toString('latin1').replaceAll('\n', '\r\n'), 'latin1'), lf: true };
  }
  if (findBareLineEnding(raw) !== -1 || raw[raw.length - 1] !== 0x0a) return null;
  return { wire: raw, lf: false };
}

/** The inverse of `wireForm` with `lf`: every CRLF back to LF (the caller checked there is no bare CR or LF). */
export function restoreLf(wire: Buffer): Buffer {
  return Buffer.from(wire.toString('latin1').replaceAll('\r\n', '\n'), 'latin1');
}

/**
 * The `250` text of an LMTP delivery, which carries the verdict back to `intake ingest`
 * (and into the MTA's log: Postfix shows it in `status=sent (…)`).
 */
export function storedReply(outcome: Outcome, receiptId: string): string {
  if (outcome.kind === 'archived') return `stored as ${outcome.ticket} seq ${outcome.seq} (${outcome.status})`;
  return `stored, processing deferred: queued as ${receiptId}`;
}

export type StoredVerdict = { kind: 'archived'; ticket: string; seq: number; status: MessageStatus } | { kind: 'queued' };

export function parseStoredReply(text: string): StoredVerdict | null {
  const archived = /\bstored as (\S+) seq (\d+) \((new|followup|duplicate)\)/.exec(text);
  if (archived) return { kind: 'archived', ticket: archived[1]!, seq: Number(archived[2]), status: archived[3] as MessageStatus };
  return /\bstored, processing deferred\b/.test(text) ? { kind: 'queued' } : null;
}
