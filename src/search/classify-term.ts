import { refang } from '../report/indicators/refang.js';
import { formatTicketId, parseTicketId } from '../model/ticket-id.js';
import type { EntryKind } from './search-entries.js';
import { domainRange, networkRange, normalizeHostName, normalizeUrl, prefixRange } from './search-keys.js';

/**
 * What one `intake search` term asks for. A term is data: it is classified here and
 * becomes bound parameters (indicator ranges) or quoted full-text phrases, never SQL or
 * full-text syntax of its own. Defanged forms (`198.51.100[.]7`, `hxxp://…`) are
 * refanged first, as reports write them.
 */
export type TermQuery =
  | { kind: 'ticket'; term: string; id: string }
  /** Rows of these kinds whose [lo, hi] overlaps [lo, hi] (addresses and networks). */
  | { kind: 'overlap'; term: string; kinds: EntryKind[]; lo: string; hi: string }
  /** Rows of these kinds with lo in [lo, hi) (a value, a prefix, a domain and its subdomains). */
  | { kind: 'range'; term: string; kinds: EntryKind[]; lo: string; hi: string }
  | { kind: 'words'; term: string; text: string };

const HEX_KINDS: Record<number, EntryKind[]> = {
  16: ['keyid'],
  32: ['hash'],
  40: ['hash', 'fpr'],
  64: ['hash', 'fpr'],
  128: ['hash'],
};

export function classifyTerm(raw: string, ticketPrefix: string): TermQuery {
  const term = raw.trim();
  const value = refang(term);
  const ticket = parseTicketId(ticketPrefix, value);
  if (ticket) return { kind: 'ticket', term, id: formatTicketId(ticketPrefix, ticket) };

  const network = /^[0-9a-f:.[\]]+(?:\/\d{1,3})?$/i.test(value) && /[.:]/.test(value) ? networkRange(value) : null;
  if (network) return { kind: 'overlap', term, kinds: ['ip', 'net'], ...network };

  if (/^CVE-\d{4}-\d{4,}$/i.test(value)) return exact(term, ['cve'], value.toUpperCase());

  if (isAddress(value)) return exact(term, ['email'], value.toLowerCase());

  if (/^(?:https?|ftp):\/\//i.test(value)) {
    const url = normalizeUrl(value);
    if (url) return { kind: 'range', term, kinds: ['url'], ...prefixRange(url) };
  }

  // Fingerprints are often pasted in GnuPG's groups of four ("ABCD 1234 …").
  const hex = value.replace(/^0x/i, '').replace(/\s+/g, '');
  const hexKinds = /^[0-9a-f]+$/i.test(hex) ? HEX_KINDS[hex.length] : undefined;
  if (hexKinds) {
    // Every hex key is indexed lower-case (search-entries.ts), whatever its kind.
    return exact(term, hexKinds, hex.toLowerCase());
  }

  if (value.includes('.') && !/\s/.test(value)) {
    const host = normalizeHostName(value);
    // A top-level label is letters (or an IDNA A-label): `1.2` and `e.g.` are words.
    if (host && /^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/.test(host.slice(host.lastIndexOf('.') + 1))) return { kind: 'range', term, kinds: ['domain'], ...domainRange(host) };
  }
  return { kind: 'words', term, text: term };
}

function exact(term: string, kinds: EntryKind[], value: string): TermQuery {
  return { kind: 'overlap', term, kinds, lo: value, hi: value };
}

/** local@domain.tld: one @, no white space, a dot inside the domain (string checks: linear). */
function isAddress(value: string): boolean {
  const at = value.indexOf('@');
  if (at <= 0 || at !== value.lastIndexOf('@') || /\s/.test(value)) return false;
  const domain = value.slice(at + 1);
  const dot = domain.indexOf('.');
  return dot > 0 && dot < domain.length - 1 && !domain.endsWith('.');
}
