import { access } from 'node:fs/promises';
import YAML from 'yaml';
import { parseConfig } from '../../src/config/load-config.js';
import type { Config } from '../../src/config/schema.js';
import { createTeamKey } from '../../src/keys/create-team-key.js';

/**
 * What an operator does once before the first start (`intake keys generate`, or `npm
 * start`'s `--if-missing`): a fresh team key at `pgp.privateKeyFile` unless one is
 * there. Never expiring and without a passphrase, as the tests' clocks roam freely.
 */
export async function ensureTeamKey(config: Config, date = new Date()): Promise<void> {
  if (await access(config.pgp.privateKeyFile).then(() => true, () => false)) return;
  await createTeamKey(config, { passphrase: null, expiresInSeconds: 0, date });
}

/** The same for a configuration file written for a child process (paths relative to `dir`). */
export async function ensureTeamKeyFor(file: string, document: unknown, dir: string): Promise<void> {
  let config: Config;
  try {
    config = parseConfig(file, YAML.stringify(document), dir);
  } catch {
    return; // a test of an invalid configuration: nothing would start anyway
  }
  await ensureTeamKey(config);
}
