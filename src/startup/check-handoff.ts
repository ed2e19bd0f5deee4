import type { Config } from '../config/schema.js';
import { readWebhookSecret, rtAuth } from '../handoff/handoff-secrets.js';
import { configFinding, type Finding } from './finding.js';

/**
 * The hand-off's secrets, as `intake serve` reads them when it starts the hand-off
 * sender: each webhook's HMAC secret (readable, long enough) and Request Tracker's token
 * or password (in its file or environment variable).
 */
export async function checkHandoff(config: Config, env: NodeJS.ProcessEnv): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const [i, hook] of config.handoff.webhooks.entries()) {
    await readWebhookSecret(hook.secretFile).catch((error: Error) => findings.push(configFinding(`handoff.webhooks.${i}.secretFile: ${error.message}`)));
  }
  if (config.handoff.rt) {
    await rtAuth(config.handoff.rt, env).catch((error: Error) => findings.push(configFinding(`handoff.rt: ${error.message}`)));
  }
  return findings;
}
