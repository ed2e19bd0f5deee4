import { mkdir, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import * as openpgp from 'openpgp';
import { listDirOrEmpty } from '../effects/archive-index.js';
import { fsyncDir, writeFileAtomic, writeJsonAtomic } from '../effects/atomic-file.js';
import { withLock } from '../effects/locks.js';

/**
 * Keys that arrived in mail (an attached application/pgp-keys part, an Autocrypt
 * header) wait here for an operator: they are never trusted automatically (docs/research/
 * security.md §2 rule 8, the "Mailto: Me Your Secrets" key-update flaw).
 *   <pendingDir>/<FINGERPRINT>.asc    the public key (updates merged in)
 *   <pendingDir>/<FINGERPRINT>.json   where and when it was seen
 * File names are the fingerprint we computed, never anything the message said.
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

/** At most this many sightings are kept per key (a mailing loop must not grow the file). */
const MAX_SIGHTINGS = 50;

export class PendingKeys {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  fileOf(fingerprint: string): string {
    return path.join(this.dir, `${assertFingerprint(fingerprint)}.asc`);
  }

  /** Stores (or merges) one key seen in mail; returns its fingerprint. */
  async add(key: openpgp.PublicKey, sighting: KeySighting): Promise<string> {
    const fingerprint = key.getFingerprint().toUpperCase();
    await mkdir(this.dir, { recursive: true, mode: 0o750 });
    await withLock(path.join(this.dir, fingerprint), async () => {
      const existing = await this.readKey(fingerprint);
      const merged = existing ? await existing.update(key).catch(() => existing) : key;
      await writeFileAtomic(this.fileOf(fingerprint), merged.armor(), { mode: 0o644 });
      const meta = (await this.readMeta(fingerprint)) ?? { fingerprint, firstSeen: sighting.seenAt, sightings: [] };
      const duplicate = meta.sightings.some((s) => s.ticket === sighting.ticket && s.seq === sighting.seq && s.source === sighting.source);
      const sightings = duplicate ? meta.sightings : [...meta.sightings, sighting].slice(-MAX_SIGHTINGS);
      await writeJsonAtomic(this.metaFile(fingerprint), { ...meta, sightings });
    });
    return fingerprint;
  }

  async list(): Promise<PendingKey[]> {
    const result: PendingKey[] = [];
    for (const name of (await listDirOrEmpty(this.dir)).filter((n) => /^[0-9A-F]{40,64}\.asc$/.test(n)).sort()) {
      const fingerprint = name.slice(0, -4);
      result.push((await this.readMeta(fingerprint)) ?? { fingerprint, firstSeen: '', sightings: [] });
    }
    return result;
  }

  async readKey(fingerprint: string): Promise<openpgp.PublicKey | null> {
    try {
      return await openpgp.readKey({ armoredKey: await readFile(this.fileOf(fingerprint), 'utf8') });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  /** Moves a pending key into the curated keyring directory; false if it is not pending. */
  async accept(fingerprint: string, keyringDir: string): Promise<boolean> {
    const fpr = assertFingerprint(fingerprint.toUpperCase());
    return withLock(path.join(this.dir, fpr), async () => {
      const key = await this.readKey(fpr);
      if (!key) return false;
      await mkdir(keyringDir, { recursive: true, mode: 0o750 });
      const target = path.join(keyringDir, `${fpr}.asc`);
      const current = await readFile(target, 'utf8').then((armoredKey) => openpgp.readKey({ armoredKey }), () => null);
      const merged = current ? await current.update(key).catch(() => current) : key;
      await writeFileAtomic(target, merged.armor(), { mode: 0o644 });
      await unlink(this.fileOf(fpr));
      await rename(this.metaFile(fpr), path.join(this.dir, `.${fpr}.accepted.json`)).catch(() => undefined);
      await fsyncDir(this.dir);
      return true;
    });
  }

  private metaFile(fingerprint: string): string {
    return path.join(this.dir, `${assertFingerprint(fingerprint)}.json`);
  }

  private async readMeta(fingerprint: string): Promise<PendingKey | null> {
    try {
      return JSON.parse(await readFile(this.metaFile(fingerprint), 'utf8')) as PendingKey;
    } catch {
      return null;
    }
  }
}

export function assertFingerprint(value: string): string {
  if (!/^[0-9A-F]{40}$|^[0-9A-F]{64}$/.test(value)) throw new Error('not an OpenPGP v4/v6 fingerprint');
  return value;
}
