import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import * as openpgp from 'openpgp';
import { writeFileAtomic } from '../fs/atomic-file.js';
import { readPublicKeys } from './keyring.js';

export interface ImportedKey {
  fingerprint: string;
  /** True when the keyring already held this key and the import was merged into it. */
  merged: boolean;
}

/**
 * Adds the public keys of `bytes` (armored or binary; secret keys reduced to their public
 * half) to the curated keyring directory, one `<FINGERPRINT>.asc` per key. A key already
 * present is updated (new user IDs, subkeys, revocations), never replaced by an older copy.
 */
export async function importKeys(bytes: Uint8Array, keyringDir: string): Promise<ImportedKey[]> {
  const keys = await readPublicKeys(bytes);
  await mkdir(keyringDir, { recursive: true, mode: 0o750 });
  const result: ImportedKey[] = [];
  for (const key of keys) {
    const fingerprint = key.getFingerprint().toUpperCase();
    const file = path.join(keyringDir, `${fingerprint}.asc`);
    const current = await readFile(file, 'utf8').then(
      (armoredKey) => openpgp.readKey({ armoredKey }),
      () => null,
    );
    const merged = current ? await current.update(key) : key;
    await writeFileAtomic(file, merged.armor(), { mode: 0o644 });
    result.push({ fingerprint, merged: current !== null });
  }
  return result;
}
