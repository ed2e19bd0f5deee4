import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as openpgp from 'openpgp';
import type { Logger } from 'pino';
import { listDirOrEmpty } from '../effects/archive-index.js';
import { normalizeAddress, parseStrictMailbox } from '../model/strict-mailbox.js';

/**
 * The curated constituent keyring: the public keys an operator placed (or accepted) in
 * `pgp.keyringDir`, one or more per `*.asc` file. Only these keys can make a signature
 * "valid" or receive an encrypted acknowledgement; keys carried in mail never are.
 */
export interface Keyring {
  readonly keys: readonly openpgp.PublicKey[];
  byFingerprint(fingerprint: string): openpgp.PublicKey | null;
  /** Keys with a user ID whose e-mail address equals `address` (case-insensitive, IDNA). */
  byAddress(address: string): openpgp.PublicKey[];
}

export function createKeyring(keys: openpgp.PublicKey[]): Keyring {
  const fingerprints = new Map(keys.map((key) => [key.getFingerprint().toUpperCase(), key]));
  const addresses = new Map<string, openpgp.PublicKey[]>();
  for (const key of keys) {
    for (const address of userIdAddresses(key)) {
      addresses.set(address, [...(addresses.get(address) ?? []), key]);
    }
  }
  return {
    keys,
    byFingerprint: (fingerprint) => fingerprints.get(fingerprint.toUpperCase()) ?? null,
    byAddress: (address) => addresses.get(normalizeAddress(address)) ?? [],
  };
}

/** Normalised e-mail addresses of a key's user IDs (validity is checked where used). */
export function userIdAddresses(key: openpgp.PublicKey): string[] {
  const result = new Set<string>();
  for (const user of key.users) {
    const email = user.userID?.email;
    if (!email) continue;
    const parsed = parseStrictMailbox(email);
    if (parsed.ok) result.add(normalizeAddress(parsed.address));
  }
  return [...result];
}

/** Reads every `*.asc` of the directory; a file that does not parse is skipped with a warning. */
export async function loadKeyring(dir: string, logger: Logger): Promise<Keyring> {
  const keys: openpgp.PublicKey[] = [];
  for (const name of (await listDirOrEmpty(dir)).filter((n) => n.endsWith('.asc')).sort()) {
    try {
      const armoredKeys = await readFile(path.join(dir, name), 'utf8');
      const parsed = await openpgp.readKeys({ armoredKeys });
      keys.push(...parsed.map((key) => (key.isPrivate() ? key.toPublic() : (key as openpgp.PublicKey))));
    } catch (error) {
      logger.warn({ file: name, err: (error as Error).message }, 'keyring file skipped: not an OpenPGP key');
    }
  }
  return createKeyring(keys);
}
