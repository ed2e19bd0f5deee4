import type * as openpgp from 'openpgp';
import type { Keyring } from '../keys/keyring.js';
import type { TeamKey } from '../keys/team-key.js';
import type { StageContext } from '../pipeline/stage.js';
import { hardenedOpenpgpConfig } from './openpgp-config.js';

/** What every OpenPGP operation on one message needs: keys, limits, and its receipt time. */
export interface PgpContext {
  team: TeamKey;
  keyring: Keyring;
  config: openpgp.PartialConfig;
  /** Verdicts are judged as of receipt, so `intake reprocess` gives the same answer. */
  receivedAt: Date;
  maxSignatureAgeMs: number;
  clockSkewMs: number;
}

/** The keys and limits of every message; `receivedAt` is added per message. */
export function pgpContextFor(ctx: Pick<StageContext, 'config' | 'keys'>): Omit<PgpContext, 'receivedAt'> {
  return {
    team: ctx.keys.team,
    keyring: ctx.keys.keyring,
    config: hardenedOpenpgpConfig(ctx.config, ctx.keys.team.isRsa),
    maxSignatureAgeMs: ctx.config.pgp.maxSignatureAgeDays * 24 * 3600 * 1000,
    clockSkewMs: ctx.config.pgp.clockSkewSeconds * 1000,
  };
}
