import * as openpgp from 'openpgp';
import { normalizeAddress, parseStrictMailbox } from '../model/strict-mailbox.js';

/**
 * What an operator (and the acknowledgement composer) needs to know about one public
 * key at a given time: is it revoked or expired, can it encrypt, can it sign, and which
 * of its user IDs carry a valid self-certification. Only those user IDs ever count as
 * the key's addresses (docs/research/security.md §1.2: validated UIDs only).
 */
export interface KeyStatus {
  fingerprint: string;
  algorithm: string;
  created: string;
  /** ISO time, or null when the key never expires. */
  expires: string | null;
  /** User IDs with a valid, unrevoked self-certification at `date`. */
  userIds: string[];
  /** Normalised e-mail addresses of those user IDs. */
  addresses: string[];
  revoked: boolean;
  expired: boolean;
  canEncrypt: boolean;
  canSign: boolean;
  /** Why the key cannot be used for encryption, or null when it can. */
  problem: KeyProblem | null;
}

export type KeyProblem = 'revoked' | 'expired' | 'weak-key' | 'no-valid-user-id' | 'no-encryption-key' | 'invalid';

export async function keyStatus(key: openpgp.Key, date: Date, config?: openpgp.PartialConfig): Promise<KeyStatus> {
  const full = { ...openpgp.config, ...config };
  const primaryProblem = await primaryKeyProblem(key, date, full);
  const userIds = await validUserIds(key, date, full);
  const canEncrypt = await succeeds(() => key.getEncryptionKey(undefined, date, undefined, full));
  const canSign = await succeeds(() => key.getSigningKey(undefined, date, undefined, full));
  const expiration = await key.getExpirationTime(undefined, full).catch(() => null);
  const problem: KeyProblem | null =
    primaryProblem ??
    (isWeak(key, full) || (!canEncrypt && hasWeakEncryptionSubkey(key, full)) ? 'weak-key' : null) ??
    (userIds.length === 0 ? 'no-valid-user-id' : null) ??
    (canEncrypt ? null : 'no-encryption-key');
  return {
    fingerprint: key.getFingerprint().toUpperCase(),
    algorithm: describeAlgorithm(key),
    created: key.getCreationTime().toISOString(),
    expires: expiration instanceof Date ? expiration.toISOString() : null,
    userIds,
    addresses: addressesOf(userIds),
    revoked: primaryProblem === 'revoked',
    expired: primaryProblem === 'expired',
    canEncrypt: canEncrypt && problem === null,
    canSign: canSign && primaryProblem === null,
    problem,
  };
}

/** True when `key` may encrypt an acknowledgement to its holder at `date`. */
export async function usableForEncryption(key: openpgp.Key, date: Date, config?: openpgp.PartialConfig): Promise<boolean> {
  return (await keyStatus(key, date, config)).problem === null;
}

async function primaryKeyProblem(key: openpgp.Key, date: Date, config: openpgp.Config): Promise<KeyProblem | null> {
  if (await key.isRevoked(undefined, undefined, date, config).catch(() => false)) return 'revoked';
  try {
    await key.verifyPrimaryKey(date, undefined, config);
    return null;
  } catch (error) {
    const message = (error as Error).message;
    if (/revoked/i.test(message)) return 'revoked';
    if (/expired/i.test(message)) return 'expired';
    return 'invalid';
  }
}

export async function validUserIds(key: openpgp.Key, date: Date, config?: openpgp.PartialConfig): Promise<string[]> {
  const full = { ...openpgp.config, ...config };
  const result: string[] = [];
  for (const user of key.users) {
    if (!user.userID) continue;
    if (await succeeds(() => user.verify(date, full))) result.push(user.userID.userID);
  }
  return result;
}

/** Normalised addresses of user IDs like `Name <a@b.example>`, strictly parsed. */
export function addressesOf(userIds: readonly string[]): string[] {
  const result = new Set<string>();
  for (const userId of userIds) {
    const parsed = parseStrictMailbox(userId);
    if (parsed.ok) result.add(normalizeAddress(parsed.address));
  }
  return [...result];
}

/**
 * Too weak under the hardened policy (openpgp-config.ts): RSA below minRSABits, and the
 * algorithms and curves it rejects outright — DSA and ElGamal, GnuPG 1.4's default key
 * types, among them. Such a key is `weak-key` whatever else it lacks.
 */
function isWeak(key: openpgp.Key, config: openpgp.Config): boolean {
  return weakAlgorithm(key.getAlgorithmInfo(), config);
}

/** An encryption subkey that exists but is too weak (an ElGamal subkey of a DSA key). */
const ENCRYPTING_ALGORITHMS = new Set<string>(['elgamal', 'rsaEncrypt', 'rsaEncryptSign', 'ecdh', 'x25519', 'x448']);

function hasWeakEncryptionSubkey(key: openpgp.Key, config: openpgp.Config): boolean {
  return key.subkeys.some((subkey) => {
    const info = subkey.getAlgorithmInfo();
    return ENCRYPTING_ALGORITHMS.has(info.algorithm) && weakAlgorithm(info, config);
  });
}

function weakAlgorithm(info: ReturnType<openpgp.Key['getAlgorithmInfo']>, config: openpgp.Config): boolean {
  const { algorithm, bits, curve } = info;
  if (algorithm.startsWith('rsa') && (bits ?? 0) < config.minRSABits) return true;
  const algorithmId = (openpgp.enums.publicKey as unknown as Record<string, openpgp.enums.publicKey>)[algorithm];
  if (algorithmId !== undefined && config.rejectPublicKeyAlgorithms.has(algorithmId)) return true;
  return curve !== undefined && config.rejectCurves.has(curve as openpgp.enums.curve);
}

function describeAlgorithm(key: openpgp.Key): string {
  const { algorithm, bits, curve } = key.getAlgorithmInfo();
  return curve ? `${algorithm}/${curve}` : `${algorithm}-${bits ?? '?'}`;
}

async function succeeds(work: () => Promise<unknown>): Promise<boolean> {
  try {
    await work();
    return true;
  } catch {
    return false;
  }
}
