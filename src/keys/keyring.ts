import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as openpgp from 'openpgp';
import type { Logger } from 'pino';
import { listDirOrEmpty } from '../fs/read-files.js';
import { normalizeAddress } from '../model/strict-mailbox.js';
import { addressesOf, keyStatus, type KeyStatus } from './key-validity.js';

/**
 * The curated constituent keyring: the public keys an operator placed (or accepted) in
 * `pgp.keyringDir`, one or more per `*.asc` file. Only these keys can make a signature
 * "valid" or receive an encrypted acknowledgement; keys carried in mail never are.
 * Parsed once at start-up: `intake serve` must be restarted after `keys import/accept`.
 */
export interface Keyring {
  readonly keys: readonly openpgp.PublicKey[];
  byFingerprint(fingerprint: string): openpgp.PublicKey | null;
  /** The key holding a primary key or subkey with this key ID (16 hex digits). */
  byKeyId(keyId: string): openpgp.PublicKey | null;
  /** Keys with a user ID whose e-mail address equals `address` (case-insensitive, IDNA). */
  byAddress(address: string): openpgp.PublicKey[];
  /** The file under keyringDir a key was read from (for `intake keys list`). */
  fileOf(fingerprint: string): string | null;
  /** Revocation, expiry, valid user IDs and usability of a key at `date`. */
  status(key: openpgp.PublicKey, date: Date): Promise<KeyStatus>;
  /**
   * A key to encrypt to `address` at `date`: not revoked, not expired, strong enough,
   * with an encryption subkey and a *valid* user ID carrying that address. Null if none.
   */
  encryptionKeyFor(address: string, date: Date): Promise<openpgp.PublicKey | null>;
}

export interface KeyringEntry {
  key: openpgp.PublicKey;
  file: string | null;
}

export function createKeyring(entries: Array<KeyringEntry | openpgp.PublicKey>, config?: openpgp.PartialConfig): Keyring {
  const list = entries.map((e) => ('key' in e ? e : { key: e, file: null }));
  const fingerprints = new Map(list.map((e) => [e.key.getFingerprint().toUpperCase(), e]));
  const keyIds = new Map<string, openpgp.PublicKey>();
  const addresses = new Map<string, openpgp.PublicKey[]>();
  for (const { key } of list) {
    for (const id of key.getKeyIDs()) keyIds.set(id.toHex().toUpperCase(), key);
    for (const address of userIdAddresses(key)) {
      addresses.set(address, [...(addresses.get(address) ?? []), key]);
    }
  }
  const status = (key: openpgp.PublicKey, date: Date) => keyStatus(key, date, config);
  return {
    keys: list.map((e) => e.key),
    byFingerprint: (fingerprint) => fingerprints.get(fingerprint.toUpperCase())?.key ?? null,
    byKeyId: (keyId) => keyIds.get(keyId.toUpperCase()) ?? null,
    byAddress: (address) => addresses.get(normalizeAddress(address)) ?? [],
    fileOf: (fingerprint) => fingerprints.get(fingerprint.toUpperCase())?.file ?? null,
    status,
    async encryptionKeyFor(address, date) {
      const wanted = normalizeAddress(address);
      for (const key of addresses.get(wanted) ?? []) {
        const info = await status(key, date);
        if (info.problem === null && info.addresses.includes(wanted)) return key;
      }
      return null;
    },
  };
}

/** Normalised e-mail addresses of all of a key's user IDs (validity is checked where used). */
export function userIdAddresses(key: openpgp.PublicKey): string[] {
  return addressesOf(key.users.flatMap((user) => (user.userID ? [user.userID.userID] : [])));
}

/** Reads every `*.asc` of the directory; a file that does not parse is skipped with a warning. */
export async function loadKeyring(dir: string, logger: Logger, config?: openpgp.PartialConfig): Promise<Keyring> {
  const entries: KeyringEntry[] = [];
  for (const name of (await listDirOrEmpty(dir)).filter((n) => n.endsWith('.asc')).sort()) {
    try {
      const parsed = await readPublicKeys(await readFile(path.join(dir, name)));
      entries.push(...parsed.map((key) => ({ key, file: name })));
    } catch (error) {
      logger.warn({ file: name, err: (error as Error).message }, 'keyring file skipped: not an OpenPGP key');
    }
  }
  return createKeyring(entries, config);
}

/** Armored or binary keys; secret keys are reduced to their public half. */
export async function readPublicKeys(bytes: Uint8Array): Promise<openpgp.PublicKey[]> {
  const text = Buffer.from(bytes).toString('latin1');
  const keys = text.includes('-----BEGIN PGP')
    ? await openpgp.readKeys({ armoredKeys: text })
    : await openpgp.readKeys({ binaryKeys: bytes });
  return keys.map((key) => (key.isPrivate() ? key.toPublic() : (key as openpgp.PublicKey)));
}
