import { walkPackets } from './packet-walk.js';

/**
 * What a binary attachment is, as OpenPGP, judged by its content and never by its name
 * or declared type: mail clients name binary ciphertexts `.asc`, `.gpg`, `.pgp` or
 * anything at all, and mutt attaches an exported key as application/octet-stream. The
 * packets must tile the whole attachment (RFC 9580 §4.2) and the first one must be a
 * plausible start of a message, a key or a detached signature, so a PNG, PDF or ZIP —
 * whose first octets can look like a packet header — is never mistaken for OpenPGP.
 */
export type OpenpgpKind = 'message' | 'key' | 'signature';

/** Cheap first test on an attachment's first octets, before it is decoded whole. */
export function mayBeOpenpgp(head: Uint8Array): boolean {
  const first = head[0];
  if (first === undefined || (first & 0x80) === 0) return false;
  const tag = (first & 0x40) !== 0 ? first & 0x3f : (first >> 2) & 0x0f;
  return START_TAGS.has(tag);
}

export function sniffOpenpgp(bytes: Uint8Array): OpenpgpKind | null {
  if (!mayBeOpenpgp(bytes)) return null;
  // Every packet must be walked to see that they tile the attachment: a key with hundreds
  // of certifications is still a key. Linear; a packet is at least two octets.
  const walk = walkPackets(bytes, bytes.length);
  if (!walk.complete) return null;
  const lead = walk.packets.find((p) => p.tag !== MARKER);
  if (!lead || lead.partial && !STREAMED.has(lead.tag)) return null;
  const version = bytes[lead.bodyStart];
  if (version === undefined || !(VERSIONS[lead.tag] ?? ALWAYS).includes(version)) return null;
  if (KEY_TAGS.has(lead.tag)) return 'key';
  if (lead.tag === SIGNATURE) return walk.packets.every((p) => p.tag === SIGNATURE) ? 'signature' : null;
  return 'message';
}

const SIGNATURE = 2;
const MARKER = 10;
/** Public key (6) and secret key (5): a key block; a secret one is only ever read for its public half. */
const KEY_TAGS = new Set([5, 6]);
/** Session keys (1, 3), one-pass signature (4), compressed (8), literal (11), marker (10). */
const START_TAGS = new Set([1, 2, 3, 4, 5, 6, 8, 10, 11]);
/** Only data packets may use partial body lengths. */
const STREAMED = new Set([8, 11]);
const ALWAYS: readonly number[] = [...Array(256).keys()];
/** First body octet: the packet version (RFC 9580 §5), or a compression algorithm / literal format. */
const VERSIONS: Record<number, readonly number[]> = {
  1: [3, 6],
  2: [3, 4, 5, 6],
  3: [4, 5, 6],
  4: [3, 6],
  5: [3, 4, 5, 6],
  6: [3, 4, 5, 6],
  8: [0, 1, 2, 3],
  11: [0x62, 0x74, 0x75, 0x6c, 0x31, 0x6d], // b t u l 1 m
};
