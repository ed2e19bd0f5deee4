import type { Draft } from '../../model/draft.js';
import type { EffectContext } from '../stage.js';
import { zonedFields } from '../../model/zoned-time.js';

/**
 * Reserves the ticket and sequence number for this message, and records the reservation
 * durably in the sha256 index *before* any message file is written. A retry after a
 * crash finds that claim (`draft.claim`) and completes the same ticket/seq.
 */
export async function assignTicket(draft: Draft, ctx: EffectContext): Promise<Draft> {
  const { archive } = ctx;
  if (draft.claim) {
    const { ticket, seq, status, threading } = draft.claim;
    return {
      ...draft,
      threading: { ...threading, ticket: status === 'new' ? null : ticket },
      placement: { ticket, seq, status, messageDir: archive.layout.messageDir(ticket, seq) },
    };
  }
  const existing = draft.threading.ticket;
  const ticket = existing ?? (await archive.tickets.allocateTicket(yearIn(ctx.config.team.timezone, draft.message.receivedAt)));
  const seq = await archive.tickets.allocateSeq(ticket);
  const status = existing ? 'followup' : 'new';
  const threading = { kind: draft.threading.kind, senderKnown: draft.threading.senderKnown };
  await archive.index.claimSha(draft.message.sha256, { ticket, seq, status, threading });
  return { ...draft, placement: { ticket, seq, status, messageDir: archive.layout.messageDir(ticket, seq) } };
}

/** Ticket numbers restart each year, in the team's time zone (`XYZ-2026-00001`). */
export function yearIn(timeZone: string, date: Date): number {
  return Number(zonedFields(date, timeZone).year);
}
