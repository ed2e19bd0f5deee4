import type { Config } from '../config/schema.js';
import { judgeTeamKey } from '../keys/judge-team-key.js';
import { teamKeyPassphrase } from '../keys/load-team-key.js';
import { readTeamKey, type TeamKey } from '../keys/team-key.js';
import { hardenedOpenpgpConfig } from '../openpgp/openpgp-config.js';
import { configFinding, type Finding } from './finding.js';

export interface TeamKeyCheck {
  problems: Finding[];
  warnings: Finding[];
  /** Loaded, unlocked and judged usable; null when any problem was found. */
  key: TeamKey | null;
}

/**
 * The team key as the daemon would use it: the file exists and is a secret key, the
 * configured passphrase unlocks it, and it can sign and decrypt under the hardened
 * policy at `now` (judgeTeamKey). The same functions `intake serve` loads it with.
 */
export async function checkTeamKey(config: Config, env: NodeJS.ProcessEnv, now: Date): Promise<TeamKeyCheck> {
  const file = config.pgp.privateKeyFile;
  let key: TeamKey;
  try {
    key = await readTeamKey(file, await teamKeyPassphrase(config, env));
  } catch (error) {
    // An unreadable passphrase file is check-secrets' finding; saying it twice helps no one.
    const problems = (error as { code?: string }).code === 'secret-unreadable' ? [] : [configFinding(`pgp.privateKeyFile: ${(error as Error).message}`)];
    return { problems, warnings: [], key: null };
  }
  const judgement = await judgeTeamKey(key, now, hardenedOpenpgpConfig(config, key.isRsa));
  const says = (text: string): Finding => configFinding(`pgp.privateKeyFile: the team key ${file} (${key.fingerprint}) ${text}`);
  return {
    problems: judgement.problems.map(says),
    warnings: judgement.warnings.map(says),
    key: judgement.problems.length === 0 ? key : null,
  };
}
