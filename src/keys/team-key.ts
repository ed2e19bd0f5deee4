import { readFile } from 'node:fs/promises';
import * as openpgp from 'openpgp';
import { permanent } from '../model/errors.js';

/**
 * The team key: decrypts what constituents send and signs every acknowledgement.
 * Parsed (and unlocked) once at start-up and on SIGHUP, never per message. It is never
 * created behind the operator's back: the key published in the team's RFC 2350 document
 * is its identity, so a missing file is an error (`intake keys generate` makes one).
 */
export interface TeamKey {
  privateKey: openpgp.PrivateKey;
  publicKey: openpgp.PublicKey;
  /** Upper-case hex, as GnuPG prints it. */
  fingerprint: string;
  /** RSA team keys need care with PKCS#1 v1.5 decryption (openpgp-config.ts, docs/research/rsa-decryption.md). */
  isRsa: boolean;
  /** When the key stops being usable; null when it never expires. */
  expires: Date | null;
  /** The file on disk is protected by a passphrase (S2K-encrypted secret material). */
  passphraseProtected: boolean;
}

/**
 * What a thread that never signs or decrypts needs to know of the team key: the ack names
 * its fingerprint, the health check its expiry. A one-shot command with sandbox workers
 * holds only this (the workers read and unlock the key itself, sandbox-worker.ts).
 */
export type TeamKeyFacts = Pick<TeamKey, 'fingerprint' | 'isRsa' | 'expires' | 'passphraseProtected'>;

export function teamKeyFacts(key: TeamKeyFacts): TeamKeyFacts {
  return { fingerprint: key.fingerprint, isRsa: key.isRsa, expires: key.expires, passphraseProtected: key.passphraseProtected };
}

/** The passphrase and where it came from, so an error can name the right place. */
export interface TeamKeyPassphrase {
  value: string | null;
  /** `env INTAKE_PGP_PASSPHRASE` or `pgp.passphraseFile /etc/…`; null when none is set. */
  source: string | null;
}

export type TeamKeyAlgorithm = 'curve25519' | 'rsa3072' | 'rsa4096';

export interface GenerateOptions {
  name: string;
  email: string;
  passphrase: string | null;
  algorithm?: TeamKeyAlgorithm;
  /** Seconds from `date` until the key expires; 0 means never. */
  expiresInSeconds?: number;
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
    keyExpirationTime: options.expiresInSeconds ?? 0,
    format: 'armored',
  });
  return { armoredPrivate: privateKey, armoredPublic: publicKey };
}

/** Where the public half is published for constituents: next to the private key. */
export function publicKeyFileFor(privateKeyFile: string): string {
  const base = privateKeyFile.replace(/\.sec\.asc$|\.asc$/, '');
  return `${base}.pub.asc`;
}

/**
 * Reads and unlocks the team key. Every failure is permanent and names the file (and the
 * passphrase's source), because retrying cannot mend a configuration.
 */
export async function readTeamKey(file: string, passphrase: string | null | TeamKeyPassphrase): Promise<TeamKey> {
  const secret = typeof passphrase === 'object' && passphrase !== null ? passphrase : { value: passphrase, source: passphrase ? 'the passphrase' : null };
  let armored: string;
  try {
    armored = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw permanent('team-key-missing', `${file} does not exist: create the team key with \`intake keys generate\` (or restore it from a backup); intake never creates one by itself`);
    }
    throw permanent('team-key-unreadable', `cannot read the team key ${file}: ${(error as Error).message}`, error);
  }
  let privateKey: openpgp.PrivateKey;
  try {
    privateKey = await openpgp.readPrivateKey({ armoredKey: armored });
  } catch (error) {
    throw permanent('team-key-not-secret', `${file} is not an OpenPGP secret key (${(error as Error).message})`, error);
  }
  const passphraseProtected = !privateKey.isDecrypted();
  if (passphraseProtected) {
    if (!secret.value) {
      throw permanent('team-key-locked', `the team key ${file} is passphrase-protected; set pgp.passphraseFile or env INTAKE_PGP_PASSPHRASE`);
    }
    try {
      privateKey = await openpgp.decryptKey({ privateKey, passphrase: secret.value });
    } catch (error) {
      throw permanent('team-key-passphrase', `${secret.source ?? 'the passphrase'} does not unlock the team key ${file} (${(error as Error).message})`, error);
    }
  }
  const algorithm = privateKey.getAlgorithmInfo().algorithm;
  const expiration = await privateKey.getExpirationTime().catch(() => null);
  return {
    privateKey,
    publicKey: privateKey.toPublic(),
    fingerprint: privateKey.getFingerprint().toUpperCase(),
    isRsa: algorithm.startsWith('rsa') || privateKey.getSubkeys().some((subkey) => subkey.getAlgorithmInfo().algorithm.startsWith('rsa')),
    expires: expiration instanceof Date ? expiration : null,
    passphraseProtected,
  };
}
