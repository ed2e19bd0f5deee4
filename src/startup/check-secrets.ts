import { access, constants } from 'node:fs/promises';
import type { Config } from '../config/schema.js';
import { readSecret, SECRET_ENV } from '../config/secrets.js';
import { configFinding, type Finding } from './finding.js';

/**
 * Secrets and certificate files: every named file is readable, and every secret a
 * enabled part needs is set (in its file or its environment variable). The team key's
 * passphrase is checked with the key itself (check-team-key.ts).
 */
export async function checkSecrets(config: Config, env: NodeJS.ProcessEnv): Promise<Finding[]> {
  const files: Array<[string, string | null, boolean]> = [
    ['pgp.passphraseFile', config.pgp.passphraseFile, true],
    ['imap.passwordFile', config.imap.passwordFile, config.imap.enabled],
    ['outbound.passwordFile', config.outbound.passwordFile, config.outbound.mode === 'smtp'],
    ['smtp.tls.keyFile', config.smtp.tls?.keyFile ?? null, config.smtp.enabled],
    ['smtp.tls.certFile', config.smtp.tls?.certFile ?? null, config.smtp.enabled],
  ];
  const findings: Finding[] = [];
  const unreadable = new Set<string>();
  for (const [key, file, relevant] of files) {
    if (!file || !relevant) continue;
    if (!(await access(file, constants.R_OK).then(() => true, () => false))) {
      findings.push(configFinding(`${key}: cannot read ${file}`));
      unreadable.add(key);
    }
  }
  const required: Array<[string, string, string | null, boolean]> = [
    ['imap.passwordFile', SECRET_ENV.imapPassword, config.imap.passwordFile, config.imap.enabled],
    ['outbound.passwordFile', SECRET_ENV.outboundPassword, config.outbound.passwordFile, config.outbound.mode === 'smtp' && config.outbound.user !== null],
  ];
  for (const [key, envName, file, needed] of required) {
    if (!needed || unreadable.has(key)) continue;
    const value = await readSecret(file, envName, env).catch(() => null);
    if (!value) findings.push(configFinding(`${key}: the password is missing: set ${key} or env ${envName}${file ? ` (${file} is empty)` : ''}`));
  }
  return findings;
}
