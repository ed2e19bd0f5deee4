import { checkAckTemplates } from '../compose/ack-template.js';
import type { Config } from '../config/schema.js';
import { keyringProblems } from '../keys/check-keys.js';
import type { TeamKey } from '../keys/team-key.js';
import { reportKnowledgeProblems } from '../report/knowledge.js';
import { checkPaths } from './check-paths.js';
import { checkPorts } from './check-ports.js';
import { checkHandoff } from './check-handoff.js';
import { checkSecrets } from './check-secrets.js';
import { checkStoreAccess } from './check-store-access.js';
import { checkTeamKey } from './check-team-key.js';
import { configFinding, type Finding } from './finding.js';

export interface StartupCheck {
  /** Any of these refuses the start (`intake config check` exits 78). */
  problems: Finding[];
  /** Said at every start and by `intake config check`, never a refusal. */
  warnings: Finding[];
  /** The team key, loaded and judged usable (null when a problem concerns it). */
  teamKey: TeamKey | null;
}

/**
 * Everything `intake serve` checks before it starts — and the whole of `intake config
 * check` after the schema: one function for both, so the two cannot drift. Every problem
 * is listed at once (a second run should not reveal a new one).
 */
export async function checkStartup(config: Config, env: NodeJS.ProcessEnv, now: Date): Promise<StartupCheck> {
  const [teamKey, secrets, paths, ports, keyring, templates, knowledge, handoff, store] = await Promise.all([
    checkTeamKey(config, env, now),
    checkSecrets(config, env),
    checkPaths(config),
    checkPorts(config),
    keyringProblems(config),
    checkAckTemplates(config),
    reportKnowledgeProblems(config),
    checkHandoff(config, env),
    checkStoreAccess(config, env),
  ]);
  const data: Finding[] = [...keyring, ...templates, ...knowledge].map(configFinding);
  return {
    problems: [...teamKey.problems, ...secrets, ...handoff, ...store.problems, ...paths, ...data],
    warnings: [...teamKey.warnings, ...store.warnings, ...ports],
    teamKey: teamKey.key,
  };
}
