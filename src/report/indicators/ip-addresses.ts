import { isIPv4 } from 'node:net';

/**
 * Guarded IP address patterns in the manner of RTIR's RTIR_FindIP: an address must not
 * have digits, letters or dots glued to either side (`10.0.0.1.2` and `1192.0.2.1` are not
 * addresses), `0.0.0.0`, `::` and `/0` are rejected, and a number preceded by "version"
 * is a version. The look-behinds let a match start only at the beginning of a token and
 * every quantifier is bounded, so scanning a 50 KB line stays linear.
 */
const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(
  `(?<![0-9A-Za-z.])${OCTET}(?:\\.${OCTET}){3}(?:\\/(?:3[0-2]|[12]?\\d))?(?![0-9A-Za-z]|\\.\\d)`,
  'g',
);
const IPV6 = new RegExp(
  '(?<![0-9A-Za-z:.%])(?:[0-9A-Fa-f]{1,4}|(?=::))(?::[0-9A-Fa-f]{0,4}){2,7}(?:\\.\\d{1,3}){0,3}' +
    '(?:%[0-9A-Za-z_.~-]{1,32})?(?:\\/\\d{1,3})?(?![0-9A-Za-z:%/]|\\.[0-9A-Za-z])',
  'g',
);
/** Words that make the following dotted number a version, not an address. */
const VERSION_BEFORE = /(?:\bversion|\bver\.?|\brelease|\bbuild|\bfirmware|\brev\.?|\bv)\s{0,3}$/i;

export interface FoundAddresses {
  ips: string[];
  cidrs: string[];
}

export function findAddresses(text: string): FoundAddresses {
  const ips = new Set<string>();
  const cidrs = new Set<string>();
  // Called for every answer of a form as well as for the whole text: a text without a
  // dot has no IPv4 address and one without a colon no IPv6 address, and exec on the
  // shared expressions spares matchAll's copy of each expression per call.
  if (text.includes('.')) {
    IPV4.lastIndex = 0;
    for (let match = IPV4.exec(text); match !== null; match = IPV4.exec(text)) {
      if (VERSION_BEFORE.test(text.slice(Math.max(0, match.index - 24), match.index))) continue;
      addV4(match[0], ips, cidrs);
    }
  }
  if (text.includes(':')) {
    IPV6.lastIndex = 0;
    for (let match = IPV6.exec(text); match !== null; match = IPV6.exec(text)) addV6(match[0], ips, cidrs);
  }
  return { ips: [...ips], cidrs: [...cidrs] };
}

/** `candidate` matched IPV4, so it is a dotted quad of octets 0–255 without leading zeros, perhaps with a prefix. */
function addV4(candidate: string, ips: Set<string>, cidrs: Set<string>): void {
  const slash = candidate.indexOf('/');
  const address = slash < 0 ? candidate : candidate.slice(0, slash);
  const first = address.slice(0, address.indexOf('.'));
  // 0/8 is "this network" and 255/8 holds netmasks and broadcast; neither names a host.
  if (first === '0' || first === '255') return;
  if (slash < 0) {
    ips.add(address);
    return;
  }
  const prefix = Number(candidate.slice(slash + 1));
  if (prefix > 0) cidrs.add(`${address}/${prefix}`);
}

function addV6(candidate: string, ips: Set<string>, cidrs: Set<string>): void {
  const [withZone = '', prefix] = candidate.split('/');
  // A zone id (`fe80::1%eth0`, RFC 6874) names an interface of the reporter's machine.
  const canonical = validIPv6(withZone.split('%')[0] ?? '');
  if (canonical === null || canonical === '::') return;
  if (prefix === undefined) ips.add(canonical);
  else if (Number(prefix) > 0 && Number(prefix) <= 128) cidrs.add(`${canonical}/${Number(prefix)}`);
}

/**
 * The RFC 5952 form of a valid IPv6 address, else null. The WHATWG URL parser (C++) both
 * checks and canonicalises: node:net's isIPv6 compiles a large regular expression on its
 * first call (~10 ms of every one-shot `intake ingest`).
 */
function validIPv6(address: string): string | null {
  // Most candidates are times and MAC-like runs (`12:34:56` in every log line): refused by
  // counting their groups, before the URL parser refuses them with an exception (~1 µs
  // each, but thousands in a log-heavy report).
  if (!groupCountFits(address)) return null;
  try {
    return canonicalIPv6(address);
  } catch {
    return null;
  }
}

/** Eight groups (seven colons; six when the last two are a dotted IPv4), or fewer with one `::`. */
function groupCountFits(address: string): boolean {
  let colons = 0;
  for (let i = 0; i < address.length; i++) if (address.charCodeAt(i) === 0x3a) colons++;
  if (address.includes('::')) return colons <= 8;
  return colons === 7 || (colons === 6 && address.includes('.'));
}

/** RFC 5952 text form (lower case, longest zero run compressed), via the WHATWG URL serialiser. */
export function canonicalIPv6(address: string): string {
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}

export function isIpAddress(value: string): boolean {
  return isIPv4(value) || validIPv6(value) !== null;
}
