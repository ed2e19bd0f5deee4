import type * as openpgp from 'openpgp';
import type { TeamKey } from '../keys/team-key.js';
import type { RawHeader } from '../model/raw-headers.js';
import { composeSignedMessage } from './compose-mail.js';
import { formatMailbox, headerText, replyIds } from './mail-headers.js';

/**
 * An operator's answer to the reporter (`intake reply`): the operator's own text as a
 * reply in the ticket's thread — the ticket tag in the Subject, In-Reply-To/References
 * to the reporter's last message (RFC 5322 §3.6.4) — PGP/MIME signed by the team key
 * (RFC 3156), and encrypted to the reporter's curated key when there is a usable one.
 *
 * The body is exactly what the operator wrote: nothing of the report is quoted, so the
 * team key signs only the team's words. The reporter's Subject may appear in the
 * Subject header (outside the signature, as their own mail client would put it), cleaned
 * of controls; the reporter's Message-IDs appear only after replyIds' strict check.
 */
export interface ReplyRequest {
  ticket: string;
  /** The operator's text, checked by replyTextProblems. */
  text: string;
  /** The one recipient: the reporter (or another correspondent of the ticket). */
  to: string;
  /** The operator's Subject (the tag is added), or null for `Re: [tag] <ticket subject>`. */
  subject: string | null;
  ticketSubject: string | null;
  /** Top-level header fields of the reporter's last message (Message-ID, References). */
  parentHeaders: readonly RawHeader[];
  /** Without angle brackets; kept so the reporter's answer threads back. */
  messageId: string;
  teamName: string;
  fromAddress: string;
  team: TeamKey;
  /** The reporter's usable curated key, or null. */
  encryptTo: openpgp.PublicKey | null;
  requireEncryption: boolean;
  date: Date;
}

export type ReplyComposition =
  | { kind: 'composed'; raw: Buffer; encrypted: boolean; subject: string; inReplyTo: string | null }
  | { kind: 'refused'; reason: 'no-usable-key' };

export async function composeReply(request: ReplyRequest): Promise<ReplyComposition> {
  if (request.requireEncryption && request.encryptTo === null) return { kind: 'refused', reason: 'no-usable-key' };
  const subject = replySubject(request.ticket, request.subject, request.ticketSubject);
  const ids = replyIds(request.parentHeaders);
  const { raw, encrypted } = await composeSignedMessage({
    headers: {
      from: formatMailbox(request.teamName, request.fromAddress),
      to: request.to,
      subject: headerText(subject),
      date: request.date,
      messageId: request.messageId,
      ...ids,
      // Written by a person: no Auto-Submitted (RFC 3834 §5), so the reporter's client treats it as mail.
      autoSubmitted: null,
      loopName: request.teamName,
    },
    text: request.text,
    team: request.team,
    encryptTo: request.encryptTo ? [request.encryptTo] : [],
    date: request.date,
  });
  return { kind: 'composed', raw, encrypted, subject, inReplyTo: ids.inReplyTo };
}

/** Largest reply body accepted, in bytes: a letter, not a file transfer. */
export const MAX_REPLY_BYTES = 256 * 1024;

/** Why `bytes` cannot be the body of a signed reply (empty when it can). */
export function replyTextProblems(bytes: Buffer): string[] {
  const problems: string[] = [];
  if (bytes.length === 0) problems.push('the reply is empty');
  if (bytes.length > MAX_REPLY_BYTES) problems.push(`the reply is larger than ${MAX_REPLY_BYTES} bytes`);
  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    problems.push('the reply is not UTF-8 text');
  }
  // Tab and line ends only: a control character in signed text is a mistake or a trick.
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(text)) {
    problems.push('the reply contains control characters (only tab and line breaks are allowed)');
  }
  return problems;
}

const MAX_SUBJECT = 200;

/**
 * `[TAG] operator subject`, or `Re: [TAG] <ticket subject>` with earlier tags and
 * Re:/Fwd: prefixes taken off and any control or bidi character turned into a space.
 */
export function replySubject(ticket: string, operatorSubject: string | null, ticketSubject: string | null): string {
  const tag = `[${ticket}]`;
  if (operatorSubject !== null && operatorSubject.trim() !== '') {
    const own = oneLine(operatorSubject);
    return clip(own.toUpperCase().includes(tag.toUpperCase()) ? own : `${tag} ${own}`);
  }
  const escapedTag = ticket.replace(/[-]/g, '\\-');
  const rest = oneLine(ticketSubject ?? '')
    .replace(new RegExp(`\\[${escapedTag}\\]`, 'gi'), ' ')
    .replace(/^(?:\s*(?:re|aw|fwd?|wg)\s*:\s*)+/i, '')
    .replace(/\s+/g, ' ')
    .trim();
  return clip(rest === '' ? `Re: ${tag}` : `Re: ${tag} ${rest}`);
}

function oneLine(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, ' ').replace(/\s+/g, ' ').trim();
}

function clip(subject: string): string {
  return subject.length <= MAX_SUBJECT ? subject : `${subject.slice(0, MAX_SUBJECT - 1)}…`;
}
