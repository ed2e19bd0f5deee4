import * as openpgp from 'openpgp';
import { keyStatus } from './key-validity.js';
import type { TeamKey, TeamKeyFacts } from './team-key.js';

/** What an operator must fix (the key cannot do its job) and what they should know. */
export interface TeamKeyJudgement {
  problems: string[];
  warnings: string[];
}

/** The team key as a sandbox worker read and judged it, for a thread that holds no key (worker-pool.ts). */
export interface JudgedTeamKey extends TeamKeyJudgement {
  facts: TeamKeyFacts;
}

const DAY_MS = 24 * 3600 * 1000;
/** A key expiring sooner than this is announced at every start: time to extend and republish it. */
export const EXPIRY_WARNING_DAYS = 30;

/**
 * Can the team key do its two jobs under the hardened OpenPGP policy at `now`: sign every
 * acknowledgement, and decrypt what constituents encrypt to it? A key that cannot sign
 * would leave every message with an envelope sender unacknowledged (issue 12: retried for
 * ever), so it is refused at start and by `intake config check`, with the reason.
 */
export async function judgeTeamKey(key: TeamKey, now: Date, config: openpgp.PartialConfig): Promise<TeamKeyJudgement> {
  const problems: string[] = [];
  const warnings: string[] = [];
  const status = await keyStatus(key.publicKey, now, config);
  const refused = refusedAlgorithms(key, config);
  if (refused.length > 0) {
    problems.push(`is a ${refused.join(' + ')} key, which the hardened OpenPGP policy refuses: generate a new team key (intake keys generate --algorithm curve25519)`);
  } else if (status.revoked) {
    problems.push('is revoked: generate a new team key and publish it');
  } else if (status.expired) {
    problems.push(`expired${key.expires ? ` on ${day(key.expires)}` : ''}: extend it (gpg --quick-set-expire ${key.fingerprint} 2y) and publish the updated public key, or generate a new one`);
  } else if (status.problem === 'weak-key') {
    problems.push(`is ${status.algorithm}, below the 2048-bit RSA minimum of the hardened policy: generate a new team key`);
  } else if (status.problem === 'invalid') {
    problems.push('has no valid self-signature under the hardened policy (SHA-1 or MD5 binding signatures are refused): generate a new team key');
  } else {
    if (!(await canSign(key.privateKey, now, config))) {
      problems.push('has no key that may sign under the hardened policy (no signing-capable primary key or subkey): every acknowledgement is signed, so it cannot be used');
    }
    if (!status.canEncrypt && status.problem === 'no-encryption-key') {
      problems.push('has no usable encryption subkey: constituents could not encrypt reports to the team');
    }
  }
  if (!key.passphraseProtected) {
    warnings.push('is not protected by a passphrase: anyone who can read the file can sign as the team (set pgp.passphraseFile and protect it: gpg --passwd, or generate it with a passphrase)');
  }
  if (key.expires && problems.length === 0) {
    const days = Math.floor((key.expires.getTime() - now.getTime()) / DAY_MS);
    if (days < EXPIRY_WARNING_DAYS) {
      warnings.push(`expires on ${day(key.expires)} (in ${days} day(s)): extend it (gpg --quick-set-expire ${key.fingerprint} 2y) and publish the updated public key`);
    }
  }
  return { problems, warnings };
}

const REFUSED_LABEL: Record<string, string> = { dsa: 'DSA', elgamal: 'ElGamal' };

/** DSA and ElGamal (primary or subkeys), when the hardened configuration refuses them. */
function refusedAlgorithms(key: TeamKey, config: openpgp.PartialConfig): string[] {
  const rejected = new Set([...(config.rejectPublicKeyAlgorithms ?? [])].map((id) => openpgp.enums.read(openpgp.enums.publicKey, id)));
  const found = new Set<string>();
  for (const part of [key.privateKey, ...key.privateKey.getSubkeys()]) {
    const algorithm = part.getAlgorithmInfo().algorithm;
    if (rejected.has(algorithm) && REFUSED_LABEL[algorithm]) found.add(REFUSED_LABEL[algorithm]);
  }
  return [...found];
}

async function canSign(key: openpgp.PrivateKey, now: Date, config: openpgp.PartialConfig): Promise<boolean> {
  try {
    await key.getSigningKey(undefined, now, undefined, { ...openpgp.config, ...config });
    return true;
  } catch {
    return false;
  }
}

function day(date: Date): string {
  return date.toISOString().slice(0, 10);
}
