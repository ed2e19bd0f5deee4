import { buildMessageRecord } from '../../model/build-records.js';
import type { Draft } from '../../model/draft.js';
import { messageIds, normalizeMessageId } from '../../model/message-id.js';
import type { AckRecord } from '../../model/message-record.js';
import { formatSeq } from '../../model/ticket-id.js';
import { htmlToPlainText } from '../../report/text/html-to-text.js';
import type { CommitRequest, OutboxItem } from '../../store/store.js';
import { AlreadyStored } from '../already-stored.js';
import type { EffectContext } from '../stage.js';
import { senderAddress } from './resolve-ticket.js';

/**
 * The second effect, and the only commit: the message record, decrypted payload and
 * attachments, lookups, the composed mail (or its plan, when composing failed), offered
 * keys and the ticket, in one store transaction (store/commit.ts). `intake reprocess`
 * ends in the same function with `mode: 'reprocess'`.
 */
export async function commitMessage(draft: Draft, ctx: EffectContext): Promise<Draft> {
  const placed = { ...draft, ack: ackAsQueued(draft) };
  const result = await ctx.store.commit(commitRequestOf(placed, ctx, 'first'));
  if (result.kind === 'duplicate') throw new AlreadyStored(result.ticket, result.seq);
  if (result.reopened) ctx.logger.info({ ticket: draft.placement!.ticket, seq: draft.placement!.seq }, 'ticket reopened by a follow-up');
  if (draft.unsent.length > 0) {
    ctx.logger.error(
      { ticket: draft.placement!.ticket, seq: draft.placement!.seq, kinds: draft.unsent.map((u) => u.plan.kind), err: draft.unsent[0]!.error },
      'acknowledgement could not be composed; the report is stored and the ack will be retried',
    );
  }
  return placed;
}

export function commitRequestOf(draft: Draft, ctx: EffectContext, mode: CommitRequest['mode']): CommitRequest {
  const placement = draft.placement;
  if (!placement) throw new Error('commit runs after place');
  const record = buildMessageRecord(draft);
  const now = ctx.now();
  const ids = [...messageIds(draft.headers.messageId ?? '').slice(0, 1), ...draft.outgoing.map((m) => m.messageId), ...draft.unsent.map((u) => u.plan.headers.messageId)];
  const attachments = new Map(draft.body.attachments.map((a) => [a.sha256, { sha256: a.sha256, content: a.content }]));
  return {
    company: ctx.company?.() ?? false,
    sha256: draft.message.sha256,
    receiptId: mode === 'first' ? draft.message.receiptId : null,
    ticket: placement.ticket,
    seq: placement.seq,
    record,
    decrypted: draft.decrypted,
    attachments: [...attachments.values()],
    messageIds: [...new Set(ids.map(normalizeMessageId).filter((id): id is string => id !== null))],
    ciphertexts: (draft.encryption.parts ?? []).map((p) => p.sha256).filter((d): d is string => typeof d === 'string' && d.length > 0),
    outgoing: outboxItems(draft),
    pendingKeys: draft.offeredKeys.map((k) => ({ fingerprint: k.fingerprint, armored: k.armored, source: k.source, from: draft.from.address, seenAt: draft.message.receivedAt.toISOString() })),
    fold: { sender: senderAddress(draft), rereadReporterKey: mode === 'reprocess' },
    mode,
    now,
    outboxLease: mode === 'first' && ctx.outboxLease ? ctx.outboxLease() : null,
    searchText: draft.body.text || (draft.body.html ? htmlToPlainText(draft.body.html, ctx.config.report.maxTextBytes) : ''),
  };
}

function outboxItems(draft: Draft): OutboxItem[] {
  const key = (kind: string) => `${draft.placement!.ticket}.${formatSeq(draft.placement!.seq)}.${kind}`;
  return [
    ...draft.outgoing.map((m) => ({ key: key(m.kind), kind: m.kind, recipient: m.recipient, messageId: m.messageId, encrypted: m.encrypted, raw: m.raw, compose: null, lastError: null })),
    ...draft.unsent.map(({ plan, error }) => ({
      key: key(plan.kind),
      kind: plan.kind,
      recipient: plan.headers.to,
      messageId: plan.headers.messageId,
      encrypted: false,
      raw: null,
      compose: JSON.stringify(plan),
      lastError: error,
    })),
  ];
}

/** What the record says once the commit has queued the composed mail (or failed to compose it). */
function ackAsQueued(draft: Draft): AckRecord {
  let ack = draft.ack;
  for (const mail of draft.outgoing) {
    if (mail.kind === 'ack') ack = { ...ack, status: 'queued', suppressedReason: null, messageId: mail.messageId, encrypted: mail.encrypted };
    else ack = { ...ack, onDuty: { status: 'queued', messageId: mail.messageId, file: null, sentAt: null, error: null } };
  }
  for (const { plan, error } of draft.unsent) {
    if (plan.kind === 'ack') ack = { ...ack, status: 'failed', suppressedReason: null, messageId: plan.headers.messageId, error };
    else ack = { ...ack, onDuty: { status: 'failed', messageId: plan.headers.messageId, file: null, sentAt: null, error } };
  }
  return ack;
}
