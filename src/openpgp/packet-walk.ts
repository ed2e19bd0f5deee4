/**
 * A bounded walk over the packet headers of binary OpenPGP data (RFC 9580 §4.2, with the
 * old "legacy" format of RFC 4880 §4.2.1 that PGP 2–8 and GnuPG 1.x wrote). It reads
 * tags and lengths only — never decrypts, decompresses or verifies — so it can say what a
 * block *contains* where openpgp.js, which skips what it does not support, says nothing:
 * a version-3 signature, a key sent as an attachment of any name.
 *
 * Linear in the input and capped at `max` packets; a malformed header ends the walk
 * (`complete: false`), it never throws.
 */
export interface PacketHeader {
  tag: number;
  /** Offset of the header's first octet. */
  start: number;
  /** The packet body: [bodyStart, end). Partial-length bodies are not contiguous. */
  bodyStart: number;
  end: number;
  /** New-format partial body lengths (only data packets may use them). */
  partial: boolean;
}

export interface PacketWalk {
  packets: PacketHeader[];
  /** True when the headers tile the input exactly, to its last octet. */
  complete: boolean;
}

export const MAX_PACKETS = 256;

export function walkPackets(bytes: Uint8Array, max = MAX_PACKETS): PacketWalk {
  const packets: PacketHeader[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    if (packets.length >= max) return { packets, complete: false };
    const header = readHeader(bytes, offset);
    if (!header) return { packets, complete: false };
    packets.push(header);
    offset = header.end;
  }
  return { packets, complete: packets.length > 0 };
}

function readHeader(bytes: Uint8Array, start: number): PacketHeader | null {
  const ctb = bytes[start]!;
  if ((ctb & 0x80) === 0) return null;
  return (ctb & 0x40) === 0 ? legacyHeader(bytes, start, ctb) : newHeader(bytes, start, ctb);
}

/** RFC 4880 §4.2.1: tag in bits 5–2, length type in bits 1–0 (3: to the end of the data). */
function legacyHeader(bytes: Uint8Array, start: number, ctb: number): PacketHeader | null {
  const tag = (ctb >> 2) & 0x0f;
  const lengthType = ctb & 0x03;
  if (lengthType === 3) return { tag, start, bodyStart: start + 1, end: bytes.length, partial: false };
  const octets = [1, 2, 4][lengthType]!;
  const bodyStart = start + 1 + octets;
  if (bodyStart > bytes.length) return null;
  let length = 0;
  for (let i = 1; i <= octets; i++) length = length * 256 + bytes[start + i]!;
  const end = bodyStart + length;
  return end <= bytes.length ? { tag, start, bodyStart, end, partial: false } : null;
}

/** RFC 9580 §4.2.1: one-, two- or five-octet lengths, or a chain of partial lengths. */
function newHeader(bytes: Uint8Array, start: number, ctb: number): PacketHeader | null {
  const tag = ctb & 0x3f;
  let offset = start + 1;
  let bodyStart = -1;
  let partial = false;
  for (;;) {
    const length = readNewLength(bytes, offset);
    if (!length) return null;
    if (bodyStart < 0) bodyStart = length.next;
    offset = length.next + length.value;
    if (offset > bytes.length) return null;
    if (!length.partial) return { tag, start, bodyStart, end: offset, partial };
    partial = true;
  }
}

function readNewLength(bytes: Uint8Array, offset: number): { value: number; next: number; partial: boolean } | null {
  const first = bytes[offset];
  if (first === undefined) return null;
  if (first < 192) return { value: first, next: offset + 1, partial: false };
  if (first < 224) {
    const second = bytes[offset + 1];
    return second === undefined ? null : { value: ((first - 192) << 8) + second + 192, next: offset + 2, partial: false };
  }
  if (first < 255) return { value: 1 << (first & 0x1f), next: offset + 1, partial: true };
  if (offset + 5 > bytes.length) return null;
  const value = ((bytes[offset + 1]! << 24) >>> 0) + (bytes[offset + 2]! << 16) + (bytes[offset + 3]! << 8) + bytes[offset + 4]!;
  return { value, next: offset + 5, partial: false };
}

/** The contiguous body of a non-partial packet. */
export function packetBody(bytes: Uint8Array, packet: PacketHeader): Uint8Array | null {
  return packet.partial ? null : bytes.subarray(packet.bodyStart, packet.end);
}
