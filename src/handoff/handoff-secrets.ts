import { readFile } from 'node:fs/promises';
import type { Config } from '../config/schema.js';
import { readSecret, SECRET_ENV } from '../config/secrets.js';
import { permanent } from '../model/errors.js';
import type { RtAuth } from './rt-client.js';

/**
 * The hand-off's secrets: each webhook's HMAC key (its secretFile, at least 16
 * characters: a short key makes the signature guessable) and Request Tracker's auth
 * token or user password (file or environment, the environment winning as for every
 * secret). Read by `intake serve` when the hand-off starts, and by the start-up check.
 */
export async function readWebhookSecret(file: string): Promise<string> {
  let secret: string;
  try {
    secret = (await readFile(file, 'utf8')).replace(/\r?\n$/, '');
  } catch (error) {
    throw permanent('secret-unreadable', `cannot read handoff.webhooks secretFile ${file}: ${(error as Error).message}`, error);
  }
  if (secret.length < 16) throw permanent('secret-too-short', `handoff.webhooks secretFile ${file}: the secret must be at least 16 characters`);
  return secret;
}

export async function rtAuth(config: NonNullable<Config['handoff']['rt']>, env: NodeJS.ProcessEnv): Promise<RtAuth> {
  if (config.user !== null) {
    const password = await readSecret(config.passwordFile, SECRET_ENV.rtPassword, env);
    if (!password) throw permanent('secret-missing', `handoff.rt.user is set: handoff.rt.passwordFile or env ${SECRET_ENV.rtPassword} must give the password`);
    return { kind: 'basic', user: config.user, password };
  }
  const token = await readSecret(config.tokenFile, SECRET_ENV.rtToken, env);
  if (!token) throw permanent('secret-missing', `handoff.rt needs an auth token: handoff.rt.tokenFile or env ${SECRET_ENV.rtToken} (or user and passwordFile)`);
  return { kind: 'token', token };
}
