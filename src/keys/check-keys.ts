import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as openpgp from 'openpgp';
import type { Config } from '../config/schema.js';
import { listDirOrEmpty } from '../effects/archive-index.js';
import { readPublicKeys } from './keyring.js';

/**
 * What `intake config check` says about keys: a team key file that exists but is not an
 * OpenPGP secret key, and curated keyring files that would be skipped at start-up.
 * A missing team key is fine (it is generated on first start).
 */
export async function keyProblems(config: Config): Promise<string[]> {
  const problems: string[] = [];
  const teamKey = await readFile(config.pgp.privateKeyFile, 'utf8').catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? null : ''));
  if (teamKey === '') problems.push(`pgp.privateKeyFile: cannot read ${config.pgp.privateKeyFile}`);
  if (teamKey) {
    await openpgp.readPrivateKey({ armoredKey: teamKey }).catch(() => problems.push(`pgp.privateKeyFile: ${config.pgp.privateKeyFile} is not an OpenPGP secret key`));
  }
  for (const name of (await listDirOrEmpty(config.pgp.keyringDir)).filter((n) => n.endsWith('.asc')).sort()) {
    const file = path.join(config.pgp.keyringDir, name);
    try {
      await readPublicKeys(await readFile(file));
    } catch {
      problems.push(`pgp.keyringDir: ${file} is not an OpenPGP key (it would be skipped)`);
    }
  }
  return problems;
}
