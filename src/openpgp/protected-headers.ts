import libmime from 'libmime';
import { firstHeader } from '../model/raw-headers.js';
import type { MimePart } from './mime-tree.js';

/**
 * Thunderbird's protected headers (draft-autocrypt-lamps-protected-headers, RFC 9788):
 * the real Subject travels inside the encrypted or signed payload, on its root part, and
 * the outer one is a placeholder ("..."). We record it and thread by it; urgency stays
 * with the outer Subject (what the sender chose to expose, DESIGN §7).
 */
export function protectedSubject(payloadRoot: MimePart): string | null {
  const subject = firstHeader(payloadRoot.headers, 'subject');
  if (subject === null) return null;
  try {
    return libmime.decodeWords(subject);
  } catch {
    return subject;
  }
}
