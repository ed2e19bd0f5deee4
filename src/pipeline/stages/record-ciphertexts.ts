import type { Draft } from '../../model/draft.js';
import type { EffectContext } from '../stage.js';

/**
 * Records each ciphertext's digest → this message, before the commit point, so that a
 * later message carrying the same ciphertext is linked here (first writer wins; a retry
 * of this message finds its own entry and is not mistaken for a replay).
 */
export async function recordCiphertexts(draft: Draft, ctx: EffectContext): Promise<Draft> {
  const placement = draft.placement;
  if (!placement) throw new Error('record-ciphertexts runs after assign-ticket');
  for (const part of draft.encryption.parts ?? []) {
    if (!part.sha256) continue;
    await ctx.archive.index.addCiphertext(part.sha256, { ticket: placement.ticket, seq: placement.seq, sha256: draft.message.sha256 });
  }
  return draft;
}
