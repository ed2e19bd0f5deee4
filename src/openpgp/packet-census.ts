import * as openpgp from 'openpgp';

/**
 * Counts, before openpgp.js parses anything, the top-level packets that cost work or
 * memory in proportion to their number: session-key packets (a decryption attempt each),
 * signatures (a verification each), user IDs (a certification check each) and
 * partial-length chunks (3 million one-byte chunks cost openpgp.js ~650 MB). One linear
 * pass over the headers (RFC 9580 §4.2); a malformed header ends it, openpgp.js judges.
 */
export interface PacketCensus {
  sessionKeys: number;
  signatures: number;
  userIds: number;
  partialChunks: number;
}

const { packet: tag } = openpgp.enums;

export function packetCensus(bytes: Uint8Array, stopAfterChunks = Number.POSITIVE_INFINITY): PacketCensus {
  const census: PacketCensus = { sessionKeys: 0, signatures: 0, userIds: 0, partialChunks: 0 };
  let offset = 0;
  while (offset < bytes.length && census.partialChunks <= stopAfterChunks) {
    const ctb = bytes[offset]!;
    if ((ctb & 0x80) === 0) break;
    const packet = (ctb & 0x40) === 0 ? legacy(bytes, offset, ctb) : modern(bytes, offset, ctb, census, stopAfterChunks);
    if (!packet) break;
    if (packet.tag === tag.publicKeyEncryptedSessionKey || packet.tag === tag.symEncryptedSessionKey) census.sessionKeys++;
    else if (packet.tag === tag.signature) census.signatures++;
    else if (packet.tag === tag.userID) census.userIds++;
    offset = packet.end;
  }
  return census;
}

function legacy(bytes: Uint8Array, start: number, ctb: number): { tag: number; end: number } | null {
  const lengthType = ctb & 0x03;
  const packetTag = (ctb >> 2) & 0x0f;
  if (lengthType === 3) return { tag: packetTag, end: bytes.length };
  const octets = [1, 2, 4][lengthType]!;
  let length = 0;
  for (let i = 1; i <= octets; i++) length = length * 256 + (bytes[start + i] ?? 0);
  const end = start + 1 + octets + length;
  return end <= bytes.length ? { tag: packetTag, end } : null;
}

function modern(bytes: Uint8Array, start: number, ctb: number, census: PacketCensus, stopAfter: number): { tag: number; end: number } | null {
  let offset = start + 1;
  for (;;) {
    const first = bytes[offset];
    if (first === undefined) return null;
    let value: number;
    let next: number;
    if (first < 192) [value, next] = [first, offset + 1];
    else if (first < 224) [value, next] = [((first - 192) << 8) + (bytes[offset + 1] ?? 0) + 192, offset + 2];
    else if (first < 255) {
      census.partialChunks++;
      offset += 1 + (1 << (first & 0x1f));
      if (offset > bytes.length || census.partialChunks > stopAfter) return null;
      continue;
    } else [value, next] = [((bytes[offset + 1]! << 24) >>> 0) + (bytes[offset + 2]! << 16) + (bytes[offset + 3]! << 8) + bytes[offset + 4]!, offset + 5];
    const end = next + value;
    return end <= bytes.length ? { tag: ctb & 0x3f, end } : null;
  }
}
