import type { Draft } from '../../model/draft.js';
import { dayIn } from '../../effects/ack-rate-limit.js';
import type { EffectContext } from '../stage.js';

/**
 * At most `ack.maxPerSenderPerDay` automatic responses per envelope sender and day (the
 * day the message was received, in the team's time zone), counted durably across
 * restarts and processes. It runs before compose-ack so a burst from one sender costs
 * no signing work beyond its quota.
 */
export async function limitAckRate(draft: Draft, ctx: EffectContext): Promise<Draft> {
  if (!wantsResponse(draft, ctx)) return draft;
  const placement = draft.placement;
  if (!placement) throw new Error('limit-ack-rate runs after assign-ticket');
  const granted = await ctx.archive.ackRate.take(
    draft.message.transport.mailFrom ?? '',
    dayIn(ctx.config.team.timezone, draft.message.receivedAt),
    `${placement.ticket}/${placement.seq}`,
    ctx.config.ack.maxPerSenderPerDay,
  );
  return granted ? draft : { ...draft, ack: { ...draft.ack, suppressedReason: 'rate-limited', status: 'suppressed' } };
}

/**
 * Something will be sent because of this message: an ack, or (acks disabled) an
 * on-duty notification for an urgent report from a human sender.
 */
export function wantsResponse(draft: Draft, ctx: Pick<EffectContext, 'config'>): boolean {
  const reason = draft.ack.suppressedReason;
  return reason === null || (reason === 'disabled' && wantsOnDuty(draft, ctx));
}

export function wantsOnDuty(draft: Draft, ctx: Pick<EffectContext, 'config'>): boolean {
  const reason = draft.ack.suppressedReason;
  return draft.urgent.flag && ctx.config.team.onDutyAddress !== null && (reason === null || reason === 'disabled');
}
