import type { Draft } from '../../model/draft.js';
import { sha256Hex } from '../../model/digest.js';
import { normalizeAddress } from '../../model/strict-mailbox.js';
import { zonedFields } from '../../model/zoned-time.js';
import type { QuotaRequest } from '../../store/store.js';
import type { StageContext } from '../stage.js';

/**
 * Something will be sent because of this message: an ack, or (acks disabled) an
 * on-duty notification for an urgent report from a human sender.
 */
export function wantsResponse(draft: Draft, ctx: Pick<StageContext, 'config'>): boolean {
  const reason = draft.ack.suppressedReason;
  return reason === null || (reason === 'disabled' && wantsOnDuty(draft, ctx));
}

export function wantsOnDuty(draft: Draft, ctx: Pick<StageContext, 'config'>): boolean {
  const reason = draft.ack.suppressedReason;
  return draft.urgent.flag && ctx.config.team.onDutyAddress !== null && (reason === null || reason === 'disabled');
}

/**
 * At most `ack.maxPerSenderPerDay` automatic responses per envelope sender and day (the
 * day the message was received, in the team's time zone; RFC 3834 §6), counted by the
 * store across restarts, processes and nodes. The quota key is computed here, never in
 * the store: a hash of the normalised envelope sender (no address in any key).
 */
export function ackQuota(draft: Draft, ctx: Pick<StageContext, 'config'>): QuotaRequest | null {
  if (!wantsResponse(draft, ctx)) return null;
  return {
    key: sha256Hex(normalizeAddress(draft.message.transport.mailFrom ?? '')),
    day: dayIn(ctx.config.team.timezone, draft.message.receivedAt),
    max: ctx.config.ack.maxPerSenderPerDay,
  };
}

/** The calendar day of `date` in the team's time zone, `YYYY-MM-DD`. */
export function dayIn(timeZone: string, date: Date): string {
  const t = zonedFields(date, timeZone);
  return `${t.year}-${t.month}-${t.day}`;
}

/** Ticket numbers restart each year, in the team's time zone (`XYZ-2026-00001`). */
export function yearIn(timeZone: string, date: Date): number {
  return Number(zonedFields(date, timeZone).year);
}
