import { isIPv4, isIPv6 } from 'node:net';
import { domainToASCII } from 'node:url';

/**
 * Index keys that turn "which tickets mention X" into range lookups on one sorted column
 * (`lo`, `hi` of the `search_term` table; PostgreSQL compares them with COLLATE "C", so
 * both engines order them byte by byte):
 *
 * - an address is its family digit and its bits as fixed-width hex (`4c6336407` for
 *   198.51.100.7), a network the first and last address it covers — so an address or a
 *   CIDR matches exactly what overlaps it, and 198.51.100.0/24 never matches
 *   198.51.101.0/24 the way a text prefix (`198.51.10`) would;
 * - a domain is its labels reversed with a closing dot (`com.example.www.`), so the
 *   domain and all its subdomains are one prefix range, and `example.com` does not match
 *   `badexample.com`.
 */
export interface KeyRange {
  lo: string;
  hi: string;
}

/** `198.51.100.7`, `2001:db8::1`, `::ffff:198.51.100.7` (taken as IPv4) → its key; null if not an address. */
export function addressKey(address: string): string | null {
  const bits = addressBits(address);
  return bits ? `${bits.family}${bits.hex}` : null;
}

/** An address or CIDR network → the range of address keys it covers; null if not one. */
export function networkRange(value: string): KeyRange | null {
  const [address = '', prefixText, extra] = value.trim().split('/');
  if (extra !== undefined) return null;
  const bits = addressBits(address);
  if (!bits) return null;
  const width = bits.hex.length * 4;
  // An IPv4-mapped IPv6 network (::ffff:198.51.100.0/120) counts in IPv4 bits.
  const offset = bits.mappedFromV6 ? 96 : 0;
  const prefix = prefixText === undefined ? width : Number(prefixText) - offset;
  if (prefixText !== undefined && (!/^\d{1,3}$/.test(prefixText) || prefix < 0 || prefix > width)) return null;
  const value_ = BigInt(`0x${bits.hex}`);
  const hostBits = BigInt(width - prefix);
  const mask = ((1n << BigInt(width)) - 1n) ^ ((1n << hostBits) - 1n);
  const first = value_ & mask;
  const last = first | ((1n << hostBits) - 1n);
  const hex = (n: bigint) => n.toString(16).padStart(width / 4, '0');
  return { lo: `${bits.family}${hex(first)}`, hi: `${bits.family}${hex(last)}` };
}

interface AddressBits {
  family: '4' | '6';
  hex: string;
  mappedFromV6: boolean;
}

function addressBits(address: string): AddressBits | null {
  const plain = address.trim().replace(/^\[|\]$/g, '');
  if (isIPv4(plain)) {
    return { family: '4', hex: plain.split('.').map((o) => Number(o).toString(16).padStart(2, '0')).join(''), mappedFromV6: false };
  }
  const noZone = plain.split('%')[0] ?? '';
  if (!isIPv6(noZone)) return null;
  const groups = expandIPv6(noZone);
  if (groups.slice(0, 5).every((g) => g === '0000') && groups[5] === 'ffff') {
    return { family: '4', hex: `${groups[6]}${groups[7]}`, mappedFromV6: true };
  }
  return { family: '6', hex: groups.join(''), mappedFromV6: false };
}

/** Eight 4-digit lower-case groups (an embedded dotted IPv4 tail becomes two groups). */
function expandIPv6(address: string): string[] {
  let text = address.toLowerCase();
  // isIPv6 has accepted the address, so a dot can only be in a dotted IPv4 tail.
  const lastColon = text.lastIndexOf(':');
  const dotted = text.slice(lastColon + 1);
  if (dotted.includes('.')) {
    const o = dotted.split('.').map(Number);
    const tail = `${((o[0]! << 8) | o[1]!).toString(16)}:${((o[2]! << 8) | o[3]!).toString(16)}`;
    text = text.slice(0, lastColon + 1) + tail;
  }
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = tail === undefined ? 0 : 8 - left.length - right.length;
  return [...left, ...Array<string>(missing).fill('0'), ...right].map((g) => g.padStart(4, '0'));
}

/** `WWW.Example.COM.` or `bücher.example` → `www.example.com` / `xn--bcher-kva.example`; null if not a name. */
export function normalizeHostName(value: string): string | null {
  const trimmed = value.trim().replace(/\.$/, '');
  if (trimmed === '' || trimmed.length > 253 || /[\s/@:]/.test(trimmed)) return null;
  const ascii = domainToASCII(trimmed).toLowerCase();
  if (ascii === '' || !/^(?:[0-9a-z_](?:[0-9a-z_-]{0,61}[0-9a-z_])?\.)+[0-9a-z-]{1,63}$/.test(ascii)) return null;
  return ascii;
}

/** The reversed-label key of a (normalized) host name: `com.example.www.`. */
export function domainKey(host: string): string {
  return `${host.split('.').reverse().join('.')}.`;
}

/** The domain and all its subdomains: every key that starts with its key. */
export function domainRange(host: string): KeyRange {
  return prefixRange(domainKey(host));
}

/**
 * Every string that starts with `prefix`, as a half-open range [lo, hi): `hi` is the
 * prefix with its last character incremented. Callers compare with `lo <= x < hi`.
 */
export function prefixRange(prefix: string): KeyRange {
  const last = prefix.charCodeAt(prefix.length - 1);
  return { lo: prefix, hi: `${prefix.slice(0, -1)}${String.fromCharCode(last + 1)}` };
}

/** Scheme and host lower-cased, default port dropped, as the WHATWG URL parser writes it; null if not http(s)/ftp. */
export function normalizeUrl(value: string): string | null {
  try {
    const url = new URL(value.trim());
    if (!['http:', 'https:', 'ftp:'].includes(url.protocol)) return null;
    url.hash = '';
    return url.toString();
  } catch {
    return null;
  }
}
