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
  const fromEnv = env[envName];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (file === null) return null;
  try {
    // A trailing newline is what `echo secret > file` leaves; it is never part of a secret.
    return (await readFile(file, 'utf8')).replace(/\r?\n$/, '');
  } catch (error) {
    throw permanent('secret-unreadable', `cannot read secret file ${file}: ${(error as Error).message}`, error);
  }
}
