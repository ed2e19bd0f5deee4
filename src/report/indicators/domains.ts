import { parse } from 'tldts';

/**
 * Domain names in free text. A candidate is a run of dot-separated labels that is not part
 * of a longer token (not the domain of an e-mail address, not followed by more labels),
 * whose last label is a real ICANN top-level domain (the Public Suffix List, via tldts).
 * File names that happen to end in a country code (`install.sh`, `exploit.pl`,
 * `README.md`) are left out: in a report they are far more often files than hosts.
 */
const DOMAIN = /(?<![0-9A-Za-z@._-])(?:[0-9A-Za-z](?:[0-9A-Za-z-]{0,61}[0-9A-Za-z])?\.){1,10}[A-Za-z][0-9A-Za-z-]{0,62}(?![0-9A-Za-z@_-]|\.[0-9A-Za-z])/g;

const FILE_EXTENSIONS = new Set([
  'sh', 'py', 'pl', 'pm', 'rb', 'md', 'rs', 'cc', 'cs', 'ps', 'so', 'am', 'in', 'ko', 'ai',
  'zip', 'mov', 'gz', 'bz', 'xz', 'io', 'ms', 'mk', 'ws', 'tk', 'ml', 'ts', 'st', 'sc', 'cx',
]);

export function findDomains(text: string): string[] {
  const found = new Set<string>();
  for (const match of text.matchAll(DOMAIN)) {
    const domain = normalizeDomain(match[0]);
    if (domain) found.add(domain);
  }
  return [...found];
}

/** Lower-cased, trailing dot removed; null unless it ends in an ICANN public suffix. */
export function normalizeDomain(candidate: string): string | null {
  const host = candidate.toLowerCase().replace(/\.$/, '');
  if (host.length > 253) return null;
  const labels = host.split('.');
  const last = labels[labels.length - 1] ?? '';
  if (labels.length === 2 && FILE_EXTENSIONS.has(last)) return null;
  const parsed = parse(host, { allowPrivateDomains: false });
  return parsed.isIcann && parsed.domain !== null && !parsed.isIp ? host : null;
}

/** A host name as a reporter may declare it: any syntactically valid name with a dot. */
export function isHostName(value: string): boolean {
  return value.length <= 253 && /^(?:[0-9a-z](?:[0-9a-z-]{0,61}[0-9a-z])?\.)+[a-z][0-9a-z-]{0,62}\.?$/i.test(value);
}
