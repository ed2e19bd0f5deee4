import type { FormField, FormFields, MessageRecord } from '../model/message-record.js';
import { addressesOf } from '../keys/key-validity.js';
import { normalizeAddress } from '../model/strict-mailbox.js';
import { addressKey, domainKey, networkRange, normalizeHostName, normalizeUrl } from './search-keys.js';

/**
 * What a committed message is found by, besides its words: one row per indicator of
 * message.json (addresses, networks, domains, URLs, CVEs, hashes), per e-mail address
 * that names its sender (envelope sender, strict From, the form's reporter e-mail, the
 * curated signer key's user IDs) and per signing key (fingerprint and key ID). `value`
 * is what is shown; `lo`/`hi` are what is searched (search-keys.ts).
 */
export type EntryKind = 'ip' | 'net' | 'domain' | 'url' | 'cve' | 'hash' | 'email' | 'fpr' | 'keyid';

export interface SearchEntry {
  kind: EntryKind;
  value: string;
  lo: string;
  hi: string;
}

/** At most this many rows per message: message.json's lists are capped already (report.maxIndicators). */
const MAX_ENTRIES = 20_000;

export function searchEntries(record: MessageRecord): SearchEntry[] {
  const entries = new Map<string, SearchEntry>();
  const add = (kind: EntryKind, value: string, lo: string, hi = lo) => {
    if (entries.size < MAX_ENTRIES) entries.set(`${kind}\u0000${lo}\u0000${hi}`, { kind, value, lo, hi });
  };
  const indicators = record.indicators;
  for (const ip of indicators?.ips ?? []) {
    const key = addressKey(ip);
    if (key) add('ip', ip, key);
  }
  for (const cidr of indicators?.cidrs ?? []) {
    const range = networkRange(cidr);
    if (range) add('net', cidr, range.lo, range.hi);
  }
  for (const domain of indicators?.domains ?? []) {
    const host = normalizeHostName(domain);
    if (host) add('domain', host, domainKey(host));
  }
  for (const url of indicators?.urls ?? []) {
    const normalized = normalizeUrl(url);
    if (!normalized) continue;
    add('url', url, normalized);
    const host = normalizeHostName(new URL(normalized).hostname);
    if (host) add('domain', host, domainKey(host));
  }
  for (const cve of indicators?.cves ?? []) add('cve', cve.toUpperCase(), cve.toUpperCase());
  for (const list of Object.values(indicators?.hashes ?? {})) {
    for (const hash of list) add('hash', hash.toLowerCase(), hash.toLowerCase());
  }
  for (const address of senderAddresses(record)) add('email', address, address);
  for (const signer of record.signature?.signers ?? []) {
    // Hex keys are lower-case in lo/hi whatever their kind, so one term finds a hash or a fingerprint.
    if (signer.fingerprint) add('fpr', signer.fingerprint.toUpperCase(), signer.fingerprint.toLowerCase());
    if (signer.keyId) add('keyid', signer.keyId.toUpperCase(), signer.keyId.toLowerCase());
  }
  return [...entries.values()];
}

function senderAddresses(record: MessageRecord): string[] {
  const found = new Set<string>();
  const add = (value: string | null | undefined) => {
    if (value && /^[^\s@]+@[^\s@]+$/.test(value)) found.add(normalizeAddress(value));
  };
  add(record.transport?.mailFrom);
  add(record.from?.address);
  add(formValue(record.form?.fields?.reporter, 'email'));
  for (const signer of record.signature?.signers ?? []) for (const a of addressesOf(signer.userIds ?? [])) add(a);
  return [...found];
}

function formValue(group: unknown, field: string): string | null {
  if (!group || typeof group !== 'object' || Array.isArray(group)) return null;
  const node = (group as FormFields)[field] as FormField | undefined;
  return node && typeof node === 'object' && 'raw' in node && typeof node.value === 'string' ? node.value : null;
}
