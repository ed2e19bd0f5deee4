import { readFile } from 'node:fs/promises';
import { permanent } from '../model/errors.js';

/**
 * Secrets never live in the configuration file itself: each comes from a `*File` path
 * or from an environment variable. The environment wins so a container can override.
 */
export const SECRET_ENV = {
  pgpPassphrase: 'INTAKE_PGP_PASSPHRASE',
  imapPassword: 'INTAKE_IMAP_PASSWORD',
  outboundPassword: 'INTAKE_SMTP_PASSWORD',
  rtToken: 'INTAKE_RT_TOKEN',
  rtPassword: 'INTAKE_RT_PASSWORD',
} as const;

export async function readSecret(
  file: string | null,
  envName: string,
  env: NodeJS.ProcessEnv,
): Promise<string | null> {
  return (await readSecretWithSource(file, envName, env, '')).value;
}

export interface SecretWithSource {
  value: string | null;
  /** Where the value came from, in the operator's words (`env X`, `pgp.passphraseFile F`); null when unset. */
  source: string | null;
}

/** Like readSecret, and says which of the two places gave the value (`fileKey` names the config key). */
export async function readSecretWithSource(
  file: string | null,
  envName: string,
  env: NodeJS.ProcessEnv,
  fileKey: string,
): Promise<SecretWithSource> {
  const fromEnv = env[envName];
  if (fromEnv !== undefined && fromEnv !== '') {
    return { value: fromEnv, source: `env ${envName}${file ? ` (which overrides ${fileKey || 'the file'} ${file})` : ''}` };
  }
  if (file === null) return { value: null, source: null };
  try {
    // A trailing newline is what `echo secret > file` leaves; it is never part of a secret.
    return { value: (await readFile(file, 'utf8')).replace(/\r?\n$/, ''), source: `${fileKey || 'the file'} ${file}` };
  } catch (error) {
    throw permanent('secret-unreadable', `cannot read secret file ${file}: ${(error as Error).message}`, error);
  }
}
