import type { Config } from '../config/schema.js';
import { readSecretWithSource, SECRET_ENV } from '../config/secrets.js';
import { permanent } from '../model/errors.js';
import { hardenedOpenpgpConfig } from '../openpgp/openpgp-config.js';
import { judgeTeamKey } from './judge-team-key.js';
import { readTeamKey, type TeamKey, type TeamKeyPassphrase } from './team-key.js';

export interface LoadedTeamKey {
  key: TeamKey;
  /** Worth an operator's attention, not a reason to refuse (no passphrase, expiry near). */
  warnings: string[];
}

export function teamKeyPassphrase(config: Config, env: NodeJS.ProcessEnv): Promise<TeamKeyPassphrase> {
  return readSecretWithSource(config.pgp.passphraseFile, SECRET_ENV.pgpPassphrase, env, 'pgp.passphraseFile');
}

/**
 * The team key as `intake serve`, `ingest` and `reprocess` use it: read, unlocked and
 * judged at `now`. A key that cannot sign or decrypt under the hardened policy is refused
 * here, with the reason, so no command runs with it (`intake config check` says the same).
 */
export async function loadTeamKey(config: Config, env: NodeJS.ProcessEnv, now: Date): Promise<LoadedTeamKey> {
  const file = config.pgp.privateKeyFile;
  const key = await readTeamKey(file, await teamKeyPassphrase(config, env));
  const { problems, warnings } = await judgeTeamKey(key, now, hardenedOpenpgpConfig(config, key.isRsa));
  if (problems.length > 0) throw unusableTeamKey(file, key.fingerprint, problems);
  return { key, warnings };
}

/** The refusal of a team key that cannot do its job, worded the same wherever it was judged. */
export function unusableTeamKey(file: string, fingerprint: string, problems: readonly string[]): Error {
  return permanent('team-key-unusable', `the team key ${file} (${fingerprint}) ${problems.join('; it ')}`);
}
