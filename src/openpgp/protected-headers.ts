import libmime from 'libmime';
import { firstHeader } from '../model/raw-headers.js';
import type { MimePart } from './mime-tree.js';

/**
 * Protected headers: the real Subject travels inside the encrypted or signed payload, on
 * its root part, and the outer one is a placeholder ("..."). Only a payload root that says
 * so counts — any MIME part may carry a Subject line, and a forwarded or pasted one is not
 * the sender's protected Subject:
 *   - `protected-headers="v1"` on its Content-Type: draft-autocrypt-lamps-protected-
 *     headers, as Thunderbird, Enigmail (since its Memory Hole support) and mutt write it
 *     (Enigmail ignores protected headers without it; mutt added it for that reason,
 *     muttmua/mutt!72);
 *   - `hp="cipher"` or `hp="clear"`: RFC 9788 (Header Protection for Cryptographically
 *     Protected Email), its successor.
 * We record the Subject and thread by it; urgency stays with the outer Subject (what the
 * sender chose to expose, DESIGN §7).
 */
export function protectedSubject(payloadRoot: MimePart): string | null {
  if (!hasProtectedHeaders(payloadRoot)) return null;
  const subject = firstHeader(payloadRoot.headers, 'subject');
  if (subject === null) return null;
  try {
    return libmime.decodeWords(subject);
  } catch {
    return subject;
  }
}

export function hasProtectedHeaders(part: MimePart): boolean {
  const params = lowerCaseKeys(part.params);
  const legacy = (params['protected-headers'] ?? '').trim().toLowerCase() === 'v1';
  const hp = (params.hp ?? '').trim().toLowerCase();
  return legacy || hp === 'cipher' || hp === 'clear';
}

function lowerCaseKeys(params: Record<string, string>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) result[key.toLowerCase()] = String(value);
  return result;
}
