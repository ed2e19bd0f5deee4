import type { ExtractedAttachment } from '../model/draft.js';
import { headerValues, type RawHeader } from '../model/raw-headers.js';
import { readPublicKeys } from '../keys/keyring.js';
import { sniffOpenpgp } from './sniff-openpgp.js';
import * as openpgp from 'openpgp';
import { packetCensus } from './packet-census.js';

/**
 * Keys a message offers: attached `application/pgp-keys` parts and key blocks, armored or
 * binary, of any name; and the sender's Autocrypt header (Autocrypt Level 1 §2.1). They
 * only ever go to the pending store (docs/research/security.md §2 rule 8); gossip headers
 * are ignored.
 */
export interface OfferedKey {
  source: 'attachment' | 'autocrypt';
  fingerprint: string;
  armored: string;
}

/** A message offering more keys than this is not a key exchange; the rest are ignored. */
const MAX_KEYS = 5;

export async function collectOfferedKeys(headers: readonly RawHeader[], attachments: readonly ExtractedAttachment[], maxUserIds = 64): Promise<OfferedKey[]> {
  const found: OfferedKey[] = [];
  for (const attachment of attachments) {
    // By content too: a binary key (mutt attaches an exported key as octet-stream).
    const isKey =
      attachment.contentType === 'application/pgp-keys' ||
      attachment.content.subarray(0, 64 * 1024).includes('-----BEGIN PGP PUBLIC KEY BLOCK-----') ||
      sniffOpenpgp(attachment.content) === 'key';
    if (isKey) found.push(...(await parsed(attachment.content, 'attachment', maxUserIds)));
  }
  for (const header of headerValues(headers, 'autocrypt')) {
    const keydata = autocryptKeydata(header);
    if (keydata) found.push(...(await parsed(Buffer.from(keydata.replace(/\s+/g, ''), 'base64'), 'autocrypt', maxUserIds)));
  }
  const unique = new Map(found.map((k) => [`${k.source}:${k.fingerprint}`, k]));
  return [...unique.values()].slice(0, MAX_KEYS);
}

/**
 * The keys in `bytes`. A block with more user IDs than `limits.keyUserIds` is not read at
 * all: each user ID costs a certification check, and no constituent needs hundreds.
 */
async function parsed(bytes: Buffer, source: OfferedKey['source'], maxUserIds: number): Promise<OfferedKey[]> {
  try {
    const binary = bytes.subarray(0, 64).includes('-----BEGIN') ? ((await openpgp.unarmor(bytes.toString('latin1'))).data as Uint8Array) : bytes;
    if (packetCensus(binary).userIds > maxUserIds) return [];
    const keys = await readPublicKeys(bytes);
    return keys.map((key) => ({ source, fingerprint: key.getFingerprint().toUpperCase(), armored: key.armor() }));
  } catch {
    return [];
  }
}

/**
 * The `keydata` attribute, which Autocrypt Level 1 §2.1 puts last: the final `;`-separated
 * attribute, base64 with folding whitespace. Split, not matched, so it stays linear.
 */
function autocryptKeydata(header: string): string | null {
  const last = header.slice(header.lastIndexOf(';') + 1);
  const equals = last.indexOf('=');
  if (equals === -1 || last.slice(0, equals).trim().toLowerCase() !== 'keydata') return null;
  const data = last.slice(equals + 1);
  return /^[A-Za-z0-9+/=\s]+$/.test(data) && data.trim() !== '' ? data : null;
}
