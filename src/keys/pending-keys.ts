import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import * as openpgp from 'openpgp';
import { writeFileAtomic } from '../fs/atomic-file.js';
import type { PendingKeyStore } from '../store/store.js';

/**
 * Keys that arrived in mail (an attached application/pgp-keys part, an Autocrypt
 * header) wait in the store for an operator: they are never trusted automatically
 * (docs/research/security.md §2 rule 8, the "Mailto: Me Your Secrets" key-update flaw).
 * Every copy seen is kept; they are merged here, with openpgp.js, when read. Accepting one
 * writes `<keyringDir>/<FINGERPRINT>.asc` — a name we computed, never anything the message said.
 */
export type KeySource = 'attachment' | 'autocrypt';

export interface KeySighting {
  source: KeySource;
  ticket: string;
  seq: number;
  /** Strict From address of the message, or null; untrusted, shown escaped. */
  from: string | null;
  seenAt: string;
}

export interface PendingKey {
  fingerprint: string;
  firstSeen: string;
  sightings: KeySighting[];
}

export class PendingKeys {
  private readonly store: PendingKeyStore;

  constructor(store: PendingKeyStore) {
    this.store = store;
  }

  async list(): Promise<PendingKey[]> {
    return (await this.store.list()).map(({ fingerprint, firstSeen, sightings }) => ({ fingerprint, firstSeen, sightings: sightings as KeySighting[] }));
  }

  /** Every copy seen, merged (self-signatures, subkeys, user IDs); null if not pending. */
  async readKey(fingerprint: string): Promise<openpgp.PublicKey | null> {
    const view = await this.store.get(assertFingerprint(fingerprint.toUpperCase()));
    if (!view) return null;
    let merged: openpgp.PublicKey | null = null;
    for (const armoredKey of view.armored) {
      const key = await openpgp.readKey({ armoredKey }).catch(() => null);
      if (!key) continue;
      merged = merged ? await merged.update(key).catch(() => merged!) : key;
    }
    return merged;
  }

  /** Writes a pending key into the curated keyring directory; false if it is not pending. */
  async accept(fingerprint: string, keyringDir: string, now = new Date()): Promise<boolean> {
    const fpr = assertFingerprint(fingerprint.toUpperCase());
    const key = await this.readKey(fpr);
    if (!key) return false;
    await mkdir(keyringDir, { recursive: true, mode: 0o750 });
    const target = path.join(keyringDir, `${fpr}.asc`);
    const current = await readFile(target, 'utf8').then((armoredKey) => openpgp.readKey({ armoredKey }), () => null);
    const merged = current ? await current.update(key).catch(() => current) : key;
    await writeFileAtomic(target, merged.armor(), { mode: 0o644 });
    await this.store.decide(fpr, 'accepted', now);
    return true;
  }
}

export function assertFingerprint(value: string): string {
  if (!/^[0-9A-F]{40}$|^[0-9A-F]{64}$/.test(value)) throw new Error('not an OpenPGP v4/v6 fingerprint');
  return value;
}
