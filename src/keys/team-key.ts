import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import * as openpgp from 'openpgp';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { readSecret, SECRET_ENV } from '../config/secrets.js';
import { writeFileAtomic, writeFileExclusive } from '../effects/atomic-file.js';
import { permanent } from '../model/errors.js';

/**
 * The team key: decrypts what constituents send and signs every acknowledgement.
 * Parsed (and unlocked) once at start-up, never per message.
 */
export interface TeamKey {
  privateKey: openpgp.PrivateKey;
  publicKey: openpgp.PublicKey;
  /** Upper-case hex, as GnuPG prints it. */
  fingerprint: string;
  /** RSA team keys need constant-time PKCS#1 decryption (docs/research/security.md §2). */
  isRsa: boolean;
}

export type TeamKeyAlgorithm = 'curve25519' | 'rsa3072' | 'rsa4096';

export interface GenerateOptions {
  name: string;
  email: string;
  passphrase: string | null;
  algorithm?: TeamKeyAlgorithm;
  date?: Date;
}

/**
 * Ed25519 signing primary with a Cv25519 encryption subkey by default: v4 "legacy"
 * curves, which GnuPG 2.2, Sequoia and Thunderbird all read. RSA-3072/4096 on request.
 */
export async function generateTeamKey(options: GenerateOptions): Promise<{ armoredPrivate: string; armoredPublic: string }> {
  const algorithm = options.algorithm ?? 'curve25519';
  const keyType =
    algorithm === 'curve25519'
      ? ({ type: 'ecc', curve: 'curve25519Legacy' } as const)
      : ({ type: 'rsa', rsaBits: algorithm === 'rsa3072' ? 3072 : 4096 } as const);
  const { privateKey, publicKey } = await openpgp.generateKey({
    ...keyType,
    userIDs: [{ name: options.name, email: options.email }],
    ...(options.passphrase ? { passphrase: options.passphrase } : {}),
    ...(options.date ? { date: options.date } : {}),
    format: 'armored',
  });
  return { armoredPrivate: privateKey, armoredPublic: publicKey };
}

/** Where the public half is published for constituents: next to the private key. */
export function publicKeyFileFor(privateKeyFile: string): string {
  const base = privateKeyFile.replace(/\.sec\.asc$|\.asc$/, '');
  return `${base}.pub.asc`;
}

export async function readTeamKey(file: string, passphrase: string | null): Promise<TeamKey> {
  let armored: string;
  try {
    armored = await readFile(file, 'utf8');
  } catch (error) {
    throw permanent('team-key-unreadable', `cannot read the team key ${file}: ${(error as Error).message}`, error);
  }
  let privateKey = await openpgp.readPrivateKey({ armoredKey: armored });
  if (!privateKey.isDecrypted()) {
    if (!passphrase) {
      throw permanent('team-key-locked', `the team key ${file} is passphrase-protected; set pgp.passphraseFile or ${SECRET_ENV.pgpPassphrase}`);
    }
    privateKey = await openpgp.decryptKey({ privateKey, passphrase });
  }
  const algorithm = privateKey.getAlgorithmInfo().algorithm;
  return {
    privateKey,
    publicKey: privateKey.toPublic(),
    fingerprint: privateKey.getFingerprint().toUpperCase(),
    isRsa: algorithm.startsWith('rsa') || (await hasRsaSubkey(privateKey)),
  };
}

async function hasRsaSubkey(key: openpgp.PrivateKey): Promise<boolean> {
  return key.getSubkeys().some((subkey) => subkey.getAlgorithmInfo().algorithm.startsWith('rsa'));
}

/**
 * Loads the team key, generating one on first start (DESIGN §3) when the file does not
 * exist. Concurrent first starts (several `intake ingest`) agree on one key: the file is
 * created with "first writer wins" and everyone reads the winner.
 */
export async function loadOrCreateTeamKey(
  config: Config,
  env: NodeJS.ProcessEnv,
  logger: Logger,
  now: () => Date = () => new Date(),
): Promise<TeamKey> {
  const file = config.pgp.privateKeyFile;
  const passphrase = await readSecret(config.pgp.passphraseFile, SECRET_ENV.pgpPassphrase, env);
  const exists = await readFile(file).then(() => true, () => false);
  if (!exists) {
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    // Created at the app's clock: a key must not be younger than the signatures it makes.
    const generated = await generateTeamKey({ name: config.team.name, email: config.team.ackFrom, passphrase, date: now() });
    if (await writeFileExclusive(file, generated.armoredPrivate, 0o600)) {
      await writeFileAtomic(publicKeyFileFor(file), generated.armoredPublic, { mode: 0o644 });
      const key = await readTeamKey(file, passphrase);
      logger.info({ fingerprint: key.fingerprint, file }, 'generated a new team key (first start)');
      return key;
    }
  }
  return readTeamKey(file, passphrase);
}
