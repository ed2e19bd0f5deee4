import * as openpgp from 'openpgp';
import type { Draft } from '../../model/draft.js';
import { PendingKeys } from '../../keys/pending-keys.js';
import type { EffectContext } from '../stage.js';

/**
 * Keys offered in the message go to `pgp.pendingDir` for an operator's decision
 * (`intake keys pending` / `accept`), never into the curated keyring. Runs just before
 * the commit, so a crash repeats it (storing a key again merges); a key that cannot be
 * stored is logged, not retried — the raw message keeps it.
 */
export async function storePendingKeys(draft: Draft, ctx: EffectContext): Promise<Draft> {
  if (draft.offeredKeys.length === 0 || !draft.placement) return draft;
  const store = new PendingKeys(ctx.config.pgp.pendingDir);
  for (const offered of draft.offeredKeys) {
    try {
      const key = await openpgp.readKey({ armoredKey: offered.armored });
      await store.add(key, {
        source: offered.source,
        ticket: draft.placement.ticket,
        seq: draft.placement.seq,
        from: draft.from.address,
        seenAt: draft.message.receivedAt.toISOString(),
      });
    } catch (error) {
      ctx.logger.warn({ fingerprint: offered.fingerprint, err: (error as Error).message }, 'could not store an offered key as pending');
    }
  }
  return draft;
}
