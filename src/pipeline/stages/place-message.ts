import type { Draft } from '../../model/draft.js';
import { AlreadyStored } from '../already-stored.js';
import type { EffectContext } from '../stage.js';
import { ackQuota, yearIn } from './ack-wanted.js';

/**
 * The first of the pipeline's two effects: the store decides dedup, the ticket (new, or
 * the follow-up's) and seq, and the ack quota, in one transaction. A retry of the same
 * bytes gets the same placement back — the threading decided the first time, and the
 * quota grant it took — so a crash anywhere later ends in the same ticket, never two.
 * It runs before compose-ack because the acknowledgement names the ticket.
 */
export async function placeMessage(draft: Draft, ctx: EffectContext): Promise<Draft> {
  const { message } = draft;
  const result = await ctx.store.place({
    company: ctx.company?.() ?? false,
    sha256: message.sha256,
    receiptId: message.receiptId,
    receivedAt: message.receivedAt,
    ticket: draft.threading.ticket,
    prefix: ctx.config.team.ticketPrefix,
    year: yearIn(ctx.config.team.timezone, message.receivedAt),
    threading: { kind: draft.threading.kind, senderKnown: draft.threading.senderKnown },
    quota: ackQuota(draft, ctx),
  });
  if (result.kind === 'duplicate') throw new AlreadyStored(result.ticket, result.seq);
  const { ticket, seq, status, threading, quotaGranted } = result.placement;
  const ack = quotaGranted === false ? { ...draft.ack, suppressedReason: 'rate-limited', status: 'suppressed' as const } : draft.ack;
  return {
    ...draft,
    threading: { ...threading, ticket: status === 'new' ? null : ticket },
    placement: { ticket, seq, status },
    ack,
  };
}
