/**
 * Who a signature packet says made it, read from its body without verifying anything:
 * enough to name the issuer of a signature openpgp.js will not judge (a version-3
 * signature from GnuPG 1.x or PGP 2–8, a v5 LibrePGP one), so that it is recorded as
 * `invalid` with its issuer key ID instead of vanishing (DESIGN §6).
 *
 *   v3 (RFC 4880 §5.2.2): version, 5, type, creation time (4), issuer key ID (8), …
 *   v4/v5/v6 (RFC 9580 §5.2.3): version, type, algorithms, hashed and unhashed subpacket
 *   areas, where subpacket 2 is the creation time, 16 the issuer key ID, 33 the issuer
 *   fingerprint (a version octet, then 20 or 32 octets).
 */
export interface SignatureIssuer {
  version: number;
  /** 16 upper-case hex digits, or null when the packet names none. */
  keyId: string | null;
  /** Upper-case hex, or null. */
  fingerprint: string | null;
  created: Date | null;
}

/** Versions openpgp.js v6 verifies (RFC 9580); anything else it skips unjudged. */
export const JUDGED_SIGNATURE_VERSIONS: ReadonlySet<number> = new Set([4, 6]);

export function signatureIssuer(body: Uint8Array): SignatureIssuer | null {
  const version = body[0];
  if (version === undefined) return null;
  if (version === 2 || version === 3) return v3Issuer(body, version);
  if (version >= 4 && version <= 6) return subpacketIssuer(body, version);
  return { version, keyId: null, fingerprint: null, created: null };
}

/** The issuer of a one-pass signature packet (RFC 9580 §5.4): v3 names a key ID, v6 a fingerprint. */
export function onePassIssuer(body: Uint8Array): { keyId: string | null; fingerprint: string | null } {
  if (body[0] === 3 && body.length >= 13) return { keyId: hex(body.subarray(4, 12)), fingerprint: null };
  if (body[0] === 6 && body.length >= 5) {
    const saltLength = body[4]!;
    const fingerprint = body.subarray(5 + saltLength, 5 + saltLength + 32);
    if (fingerprint.length === 32) return { keyId: hex(fingerprint.subarray(0, 8)), fingerprint: hex(fingerprint) };
  }
  return { keyId: null, fingerprint: null };
}

function v3Issuer(body: Uint8Array, version: number): SignatureIssuer {
  if (body.length < 15 || body[1] !== 5) return { version, keyId: null, fingerprint: null, created: null };
  return { version, keyId: hex(body.subarray(7, 15)), fingerprint: null, created: timeAt(body, 3) };
}

function subpacketIssuer(body: Uint8Array, version: number): SignatureIssuer {
  const issuer: SignatureIssuer = { version, keyId: null, fingerprint: null, created: null };
  // v6 counts each subpacket area in four octets, v4 and v5 in two.
  const countOctets = version === 6 ? 4 : 2;
  let offset = 4;
  for (const hashed of [true, false]) {
    const length = readCount(body, offset, countOctets);
    if (length === null) return issuer;
    const areaStart = offset + countOctets;
    const areaEnd = Math.min(body.length, areaStart + length);
    readSubpackets(body.subarray(areaStart, areaEnd), issuer, hashed);
    offset = areaEnd;
  }
  return issuer;
}

function readSubpackets(area: Uint8Array, issuer: SignatureIssuer, hashed: boolean): void {
  let offset = 0;
  while (offset < area.length) {
    const length = subpacketLength(area, offset);
    if (!length || length.value === 0) return;
    const type = area[length.next]! & 0x7f;
    const data = area.subarray(length.next + 1, length.next + length.value);
    // Only the hashed creation time counts; an issuer may sit in either area.
    if (type === 2 && hashed && data.length === 4) issuer.created = timeAt(data, 0);
    if (type === 16 && data.length === 8) issuer.keyId ??= hex(data);
    if (type === 33 && (data.length === 21 || data.length === 33)) {
      issuer.fingerprint ??= hex(data.subarray(1));
      // v4 key IDs are the fingerprint's last 8 octets, v5/v6 its first 8.
      issuer.keyId ??= data.length === 21 ? hex(data.subarray(13)) : hex(data.subarray(1, 9));
    }
    offset = length.next + length.value;
  }
}

function subpacketLength(area: Uint8Array, offset: number): { value: number; next: number } | null {
  const first = area[offset];
  if (first === undefined) return null;
  if (first < 192) return { value: first, next: offset + 1 };
  if (first < 255) {
    const second = area[offset + 1];
    return second === undefined ? null : { value: ((first - 192) << 8) + second + 192, next: offset + 2 };
  }
  const value = readCount(area, offset + 1, 4);
  return value === null ? null : { value, next: offset + 5 };
}

function readCount(bytes: Uint8Array, offset: number, octets: number): number | null {
  if (offset + octets > bytes.length) return null;
  let value = 0;
  for (let i = 0; i < octets; i++) value = value * 256 + bytes[offset + i]!;
  return value;
}

function timeAt(bytes: Uint8Array, offset: number): Date | null {
  const seconds = readCount(bytes, offset, 4);
  return seconds === null ? null : new Date(seconds * 1000);
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').toUpperCase();
}
