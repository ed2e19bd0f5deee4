import { domainToASCII } from 'node:url';
import libmime from 'libmime';
import { headerValues, type RawHeader } from '../model/raw-headers.js';

/**
 * Header fields of the mail csirt-intake sends (RFC 5322, RFC 3834 §3.1). Everything
 * here is our own text except the reporter's Message-IDs, which are copied into
 * In-Reply-To/References only after a strict syntax and length check — and never into
 * the signed part.
 */
export const LOOP_HEADER = 'X-CSIRT-Intake-Loop';

/** Message-IDs longer than this are not copied (RFC 5322 §2.1.1 line length in mind). */
export const MAX_MESSAGE_ID_LENGTH = 250;
/** References carries at most this many ids: the parent and the newest before it. */
export const MAX_REFERENCES = 10;

const ATEXT = "A-Za-z0-9!#$%&'*+/=?^_`{|}~-";
const DOT_ATOM = `[${ATEXT}]+(?:\\.[${ATEXT}]+)*`;
const MSG_ID = new RegExp(`^<${DOT_ATOM}@(?:${DOT_ATOM}|\\[[\\x21-\\x5a\\x5e-\\x7e]*\\])>$`);

/** `<id-left@id-right>` of RFC 5322 §3.6.4 without CFWS, or null. */
export function strictMessageId(token: string): string | null {
  const value = token.trim();
  return value.length <= MAX_MESSAGE_ID_LENGTH + 2 && MSG_ID.test(value) ? value : null;
}

/**
 * In-Reply-To and References of a reply (RFC 5322 §3.6.4, RFC 3834 §3.1.5): the
 * parent's Message-ID, and the parent's References plus that id, newest last, bounded.
 * Invalid ids are dropped, never repaired.
 */
export function replyIds(headers: readonly RawHeader[]): { inReplyTo: string | null; references: string[] } {
  const idFields = headerValues(headers, 'message-id');
  const parent = idFields.length === 1 ? strictMessageId(idFields[0] ?? '') : null;
  const earlier = headerValues(headers, 'references')
    .join(' ')
    .split(/[\s]+/)
    .map(strictMessageId)
    .filter((id): id is string => id !== null && id !== parent);
  const chain = [...new Set([...earlier, ...(parent ? [parent] : [])])];
  return { inReplyTo: parent, references: chain.slice(-MAX_REFERENCES) };
}

/** `"Team" <addr>`; an encoded-word (RFC 2047) when the name is not plain ASCII. */
export function formatMailbox(name: string, address: string): string {
  const display = /^[\x20-\x7e]*$/.test(name)
    ? `"${name.replace(/["\\]/g, '\\$&')}"`
    : libmime.encodeWord(name, 'Q', 52);
  return `${display} <${asciiAddress(address)}>`;
}

/** Header text that may be non-ASCII (the team name): an encoded-word when needed. */
export function headerText(value: string): string {
  return /^[\x20-\x7e]*$/.test(value) ? value : libmime.encodeWord(value, 'Q', 52);
}

/** The address with its domain in ASCII (IDNA); the local part must already be ASCII. */
export function asciiAddress(address: string): string {
  const at = address.lastIndexOf('@');
  const domain = domainToASCII(address.slice(at + 1)) || address.slice(at + 1);
  return `${address.slice(0, at)}@${domain}`;
}

export function domainOf(address: string): string {
  return asciiAddress(address).slice(address.lastIndexOf('@') + 1);
}

/** RFC 5322 §3.3 date-time in UTC with a numeric zone. */
export function rfc5322Date(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}

export interface OutgoingHeaders {
  from: string;
  to: string;
  subject: string;
  date: Date;
  messageId: string;
  inReplyTo: string | null;
  references: string[];
  /** RFC 3834 §5: `auto-replied` answers a message, `auto-generated` is any other;
   * null for mail a person wrote (an operator's reply), which carries no Auto-Submitted. */
  autoSubmitted: 'auto-replied' | 'auto-generated' | null;
  loopName: string;
}

export function headerLines(h: OutgoingHeaders): string[] {
  const lines = [
    `From: ${h.from}`,
    `To: <${asciiAddress(h.to)}>`,
    `Subject: ${h.subject}`,
    `Date: ${rfc5322Date(h.date)}`,
    `Message-ID: <${h.messageId}>`,
  ];
  if (h.inReplyTo) lines.push(`In-Reply-To: ${h.inReplyTo}`);
  if (h.references.length > 0) lines.push(`References: ${h.references.join('\r\n ')}`);
  if (h.autoSubmitted) lines.push(`Auto-Submitted: ${h.autoSubmitted}`);
  lines.push(
    // Microsoft Exchange and Outlook honour this rather than Auto-Submitted.
    'X-Auto-Response-Suppress: All',
    `${LOOP_HEADER}: ${headerText(h.loopName)}`,
    'MIME-Version: 1.0',
  );
  return lines;
}
