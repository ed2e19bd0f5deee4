import type * as openpgp from 'openpgp';
import type { Config } from '../config/schema.js';
import type { Keyring } from '../keys/keyring.js';
import type { TeamKey } from '../keys/team-key.js';
import type { KeyMaterial, StageContext } from '../pipeline/stage.js';
import { maxDecompressedBytes, hardenedOpenpgpConfig } from './openpgp-config.js';
import { newMessageBudget, type MessageBudget, type OpenpgpLimits } from './message-budget.js';

/** What every OpenPGP operation on one message needs: keys, limits, its budget, and its receipt time. */
export interface PgpContext {
  team: TeamKey;
  keyring: Keyring;
  config: openpgp.PartialConfig;
  /** Verdicts are judged as of receipt, so `intake reprocess` gives the same answer. */
  receivedAt: Date;
  maxSignatureAgeMs: number;
  clockSkewMs: number;
  limits: OpenpgpLimits;
  /** What this message's OpenPGP layers have used of `limits` so far. */
  budget: MessageBudget;
}

/** The keys and limits every message shares; `forMessage` adds its receipt time and budget. */
export type PgpKeys = Omit<PgpContext, 'receivedAt' | 'budget'>;

export function pgpKeys(config: Config, team: TeamKey, keyring: Keyring): PgpKeys {
  return {
    team,
    keyring,
    config: hardenedOpenpgpConfig(config, team.isRsa),
    maxSignatureAgeMs: config.pgp.maxSignatureAgeDays * 24 * 3600 * 1000,
    clockSkewMs: config.pgp.clockSkewSeconds * 1000,
    limits: openpgpLimits(config),
  };
}

/** For the tasks run in the key holder's own thread (processing.workers: 0): its full key material. */
export function pgpContextFor(ctx: Pick<StageContext, 'config'> & { keys: KeyMaterial }): PgpKeys {
  return pgpKeys(ctx.config, ctx.keys.team, ctx.keys.keyring);
}

export function forMessage(keys: PgpKeys, receivedAt: Date): PgpContext {
  return { ...keys, receivedAt, budget: newMessageBudget(keys.limits) };
}

export function openpgpLimits(config: Config): OpenpgpLimits {
  const { limits } = config;
  return {
    sessionKeys: limits.sessionKeys,
    signatures: limits.signatures,
    ciphertexts: limits.ciphertexts,
    decompressedBytes: maxDecompressedBytes(config),
    partialChunks: limits.partialChunks ?? Math.max(64, Math.floor(config.smtp.maxMessageBytes / 512)),
    keyUserIds: limits.keyUserIds,
  };
}
