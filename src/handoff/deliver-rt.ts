import type { Config } from '../config/schema.js';
import { permanent } from '../model/errors.js';
import { readReportText } from '../report/stored-report.js';
import type { HandoffDelivery, HandoffStore } from '../store/handoff-queue.js';
import type { TicketReads } from '../store/store.js';
import type { RtAttachment, RtClient } from './rt-client.js';
import { rtContent, rtCustomFields, rtSubject, verdictComment } from './rt-report.js';

/**
 * One message into Request Tracker (DESIGN §3 `handoff.rt`): the ticket's first message
 * creates the RT ticket in the configured queue, later ones become correspondence on it;
 * each is followed by the verdict comment. The steps done are kept in the delivery's
 * `progress`, so a retry after a failure (or a crash) goes on where it stopped instead of
 * creating a second RT ticket; and when the ticket custom field is configured, a create
 * first looks for an RT ticket already carrying our ticket id.
 */
export interface RtDeliveryDeps {
  rt: RtClient;
  config: NonNullable<Config['handoff']['rt']>;
  maxTextChars: number;
  handoff: Pick<HandoffStore, 'rtTicketOf' | 'linkRtTicket'>;
  tickets: TicketReads;
  saveProgress(delivery: HandoffDelivery, progress: RtProgress): Promise<void>;
  now(): Date;
}

export interface RtProgress {
  rtTicket?: number;
  posted?: boolean;
  commented?: boolean;
}

export async function deliverToRt(delivery: HandoffDelivery, deps: RtDeliveryDeps): Promise<{ rtTicket: number | null }> {
  const { ticket, seq } = delivery.event;
  if (seq === null) return { rtTicket: null };
  const stored = await deps.tickets.message(ticket, seq);
  if (!stored) throw permanent('handoff-no-message', `message ${ticket} #${seq} is not in the store`);
  const raw = (await deps.tickets.raw(stored.record.sha256)) ?? Buffer.alloc(0);
  const progress: RtProgress = delivery.progress ? (JSON.parse(delivery.progress) as RtProgress) : {};
  let rtTicket = progress.rtTicket ?? (await deps.handoff.rtTicketOf(ticket));

  if (!progress.posted) {
    const content = rtContent(stored.record, await readReportText(stored.record, raw, stored.decrypted, deps.maxTextChars));
    const attachments = await attachmentsOf(stored.record, deps.tickets);
    if (rtTicket === null) {
      rtTicket = await existingRtTicket(deps, ticket, delivery.event.ticketRecord.createdAt);
      rtTicket ??= await deps.rt.createTicket({
        queue: deps.config.queue,
        subject: rtSubject(stored.record),
        content,
        customFields: rtCustomFields(stored.record, deps.config.customFields),
        attachments,
      });
      await deps.handoff.linkRtTicket(ticket, rtTicket, deps.now());
    } else {
      await deps.rt.correspond(rtTicket, content, attachments);
    }
    Object.assign(progress, { rtTicket, posted: true });
    await deps.saveProgress(delivery, progress);
  }
  if (!progress.commented) {
    await deps.rt.comment(rtTicket!, verdictComment(stored.record));
    Object.assign(progress, { commented: true });
    await deps.saveProgress(delivery, progress);
  }
  return { rtTicket };
}

/**
 * An RT ticket an earlier attempt created but did not live to record: found by the ticket
 * custom field (when configured) in our queue, created after our ticket (a day's margin
 * for RT's time zones) so that a ticket of an earlier, reset csirt-intake is not taken.
 */
async function existingRtTicket(deps: RtDeliveryDeps, ticket: string, createdAt: string): Promise<number | null> {
  const field = deps.config.customFields.ticket;
  if (!field) return null;
  return deps.rt.findByCustomField(deps.config.queue, field, ticket, new Date(Date.parse(createdAt) - 86_400_000));
}

/** The report's attachments as stored (decrypted ones included: RT gets what the team reads). */
async function attachmentsOf(record: { attachments: Array<{ sha256: string; filename: string | null; contentType: string }> }, tickets: TicketReads): Promise<RtAttachment[]> {
  const result: RtAttachment[] = [];
  for (const [i, a] of record.attachments.entries()) {
    const content = await tickets.attachment(a.sha256);
    if (!content) continue;
    // The sender's file name is a label only; RT gets a plain one beside it.
    const name = (a.filename ?? '').replace(/[^\w.+ -]/g, '_').slice(0, 100) || `attachment-${i + 1}`;
    result.push({ name, contentType: /^[\w.+-]+\/[\w.+-]+$/.test(a.contentType) ? a.contentType : 'application/octet-stream', content });
  }
  return result;
}
