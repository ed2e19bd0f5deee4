import { isIPv6 } from 'node:net';
import type { Draft } from '../../model/draft.js';
import { sha256Hex } from '../../model/digest.js';
import { normalizeAddress } from '../../model/strict-mailbox.js';
import { zonedFields } from '../../model/zoned-time.js';
import type { QuotaRequest } from '../../store/store.js';
import type { StageContext } from '../stage.js';

/**
 * The on-duty notice goes to the team, not the sender: it does not depend on the sender's
 * ack quota (issue 11), so a forger who used up a constituent's quota cannot silence it.
 */
export function wantsOnDuty(draft: Draft, ctx: Pick<StageContext, 'config'>): boolean {
  const reason = draft.ack.suppressedReason;
  return draft.urgent.flag && ctx.config.team.onDutyAddress !== null && (reason === null || reason === 'disabled' || reason === 'rate-limited');
}

/**
 * At most `ack.maxPerSenderPerDay` acknowledgements per quota key and day (the day the
 * message was received, in the team's time zone; RFC 3834 §6), counted by the store
 * across restarts, processes and nodes. Only acks count: the on-duty notice has no sender
 * quota. The key is computed here, never in the store (`quotaKey`).
 */
export function ackQuota(draft: Draft, ctx: Pick<StageContext, 'config'>): QuotaRequest | null {
  if (draft.ack.suppressedReason !== null) return null;
  return {
    key: quotaKey(draft),
    day: dayIn(ctx.config.team.timezone, draft.message.receivedAt),
    max: ctx.config.ack.maxPerSenderPerDay,
  };
}

/**
 * What the ack quota counts, chosen so that a forger cannot use up a real reporter's
 * (issue 11): a report signed (whole, valid) by a curated key counts against that key,
 * which no forger can sign with; anything else against its envelope sender *and* the
 * network it came from — the SMTP client's /24 (IPv4) or /48 (IPv6) — so forging a
 * constituent's address from elsewhere spends another bucket. Transports without a
 * client address (IMAP, files) count by envelope sender alone. Hashed: no address in a key.
 */
export function quotaKey(draft: Draft): string {
  const signer = draft.signature.status === 'valid' && draft.signature.coverage === 'whole' ? draft.signature.signers.find((s) => s.status === 'valid' && s.fingerprint) : undefined;
  if (signer?.fingerprint) return sha256Hex(`key:${signer.fingerprint}`);
  const sender = normalizeAddress(draft.message.transport.mailFrom ?? '');
  const network = networkOf(draft.message.transport.remoteAddress);
  return sha256Hex(network ? `sender:${sender}|net:${network}` : `sender:${sender}`);
}

/** The /24 of an IPv4 address, the /48 of an IPv6 one (IPv4-mapped IPv6 as IPv4), else null. */
export function networkOf(address: string | null | undefined): string | null {
  if (!address) return null;
  const v4 = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.\d{1,3}$/i.exec(address);
  if (v4) return `${v4[1]}.${v4[2]}.${v4[3]}.0/24`;
  if (!isIPv6(address)) return null;
  const groups = expandIPv6(address);
  return `${groups.slice(0, 3).join(':')}::/48`;
}

function expandIPv6(address: string): string[] {
  const [head = '', tail = ''] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = address.includes('::') ? (tail ? tail.split(':') : []) : [];
  const missing = 8 - left.length - right.length;
  return [...left, ...Array(Math.max(0, missing)).fill('0'), ...right].map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''));
}

/** The calendar day of `date` in the team's time zone, `YYYY-MM-DD`. */
export function dayIn(timeZone: string, date: Date): string {
  const t = zonedFields(date, timeZone);
  return `${t.year}-${t.month}-${t.day}`;
}

/** Ticket numbers restart each year, in the team's time zone (`XYZ-2026-00001`). */
export function yearIn(timeZone: string, date: Date): number {
  return Number(zonedFields(date, timeZone).year);
}
