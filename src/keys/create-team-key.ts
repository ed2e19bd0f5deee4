import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/schema.js';
import { writeFileAtomic, writeFileExclusive } from '../fs/atomic-file.js';
import { generateTeamKey, publicKeyFileFor, readTeamKey, type TeamKey, type TeamKeyAlgorithm } from './team-key.js';

export interface CreateTeamKeyOptions {
  passphrase: string | null;
  algorithm?: TeamKeyAlgorithm;
  /** Seconds until expiry; 0: never. */
  expiresInSeconds: number;
  /** Creation time: a key must not be younger than the signatures it makes. */
  date: Date;
}

export type CreateTeamKeyResult = { created: true; key: TeamKey; publicKeyFile: string } | { created: false };

/**
 * Writes a new team key to `pgp.privateKeyFile` (0600) and its public half beside it
 * (0644, for publishing), unless the file exists: the team key is never overwritten.
 * Concurrent callers agree on one key ("first writer wins", atomic link).
 */
export async function createTeamKey(config: Config, options: CreateTeamKeyOptions): Promise<CreateTeamKeyResult> {
  const file = config.pgp.privateKeyFile;
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const generated = await generateTeamKey({
    name: config.team.name,
    email: config.team.ackFrom,
    passphrase: options.passphrase,
    ...(options.algorithm ? { algorithm: options.algorithm } : {}),
    expiresInSeconds: options.expiresInSeconds,
    date: options.date,
  });
  if (!(await writeFileExclusive(file, generated.armoredPrivate, 0o600))) return { created: false };
  const publicKeyFile = publicKeyFileFor(file);
  await writeFileAtomic(publicKeyFile, generated.armoredPublic, { mode: 0o644 });
  return { created: true, key: await readTeamKey(file, options.passphrase), publicKeyFile };
}
