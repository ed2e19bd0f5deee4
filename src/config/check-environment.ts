import { access, constants } from 'node:fs/promises';
import { checkAckTemplates } from '../compose/ack-template.js';
import { keyProblems } from '../keys/check-keys.js';
import { reportKnowledgeProblems } from '../report/knowledge.js';
import type { Config } from './schema.js';

/**
 * Problems the schema cannot see: secret and certificate files that are named but not
 * readable. Returned all at once, like schema problems, with their config path.
 */
export async function checkEnvironment(config: Config): Promise<string[]> {
  const files: Array<[string, string | null, boolean]> = [
    ['pgp.passphraseFile', config.pgp.passphraseFile, true],
    ['imap.passwordFile', config.imap.passwordFile, config.imap.enabled],
    ['outbound.passwordFile', config.outbound.passwordFile, config.outbound.mode === 'smtp'],
    ['smtp.tls.keyFile', config.smtp.tls?.keyFile ?? null, config.smtp.enabled],
    ['smtp.tls.certFile', config.smtp.tls?.certFile ?? null, config.smtp.enabled],
  ];
  const problems: string[] = [];
  for (const [key, file, relevant] of files) {
    if (!file || !relevant) continue;
    try {
      await access(file, constants.R_OK);
    } catch {
      problems.push(`${key}: cannot read ${file}`);
    }
  }
  // Form templates and rules files are data the schema cannot see into.
  return [...problems, ...(await keyProblems(config)), ...(await checkAckTemplates(config)), ...(await reportKnowledgeProblems(config))];
}
