import type { Draft } from '../../model/draft.js';
import type { OnDutyRecord } from '../../model/message-record.js';
import type { EffectContext } from '../stage.js';

/**
 * Writes the composed mail to the outbox *before* archive-message commits message.json.
 * If the process dies in between, the message is still in the spool; its retry
 * recomposes and overwrites the same outbox entries (keyed by ticket/seq/kind), and the
 * sender delivers only entries whose message is committed — so a crash here ends in
 * exactly one ack, never none and never two. The ack's Message-ID goes into the
 * message-id index now, so a reply to it threads into the ticket whenever it comes.
 */
export async function queueAck(draft: Draft, ctx: EffectContext): Promise<Draft> {
  const placement = draft.placement;
  if (!placement) throw new Error('queue-ack runs after assign-ticket');
  const { outbox, index } = ctx.archive;
  const ids = { ticket: placement.ticket, seq: placement.seq, sha256: draft.message.sha256 };
  await outbox.removeStale(placement.ticket, placement.seq, draft.outgoing.map((m) => m.kind));

  let ack = draft.ack;
  let onDuty: OnDutyRecord | null = null;
  for (const mail of draft.outgoing) {
    await outbox.put(mail, ids, ctx.now());
    await index.addMessageId(mail.messageId, placement.ticket);
    if (mail.kind === 'ack') {
      ack = { ...ack, status: 'queued', suppressedReason: null, messageId: mail.messageId, encrypted: mail.encrypted };
    } else {
      onDuty = { status: 'queued', messageId: mail.messageId, file: null, sentAt: null, error: null };
    }
  }
  return { ...draft, ack: { ...ack, onDuty } };
}
