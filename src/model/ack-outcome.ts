import type { AckRecord } from './message-record.js';
import type { OutgoingKind } from './outgoing-mail.js';

/**
 * How a delivery (or giving up) shows in a message's `ack`: the acknowledgement's own
 * fields, or `ack.onDuty` for the on-duty notification. `file` is the path of the sent
 * copy in the exported layout (`acks/<NNN>.eml`).
 */
export type AckOutcome =
  | { status: 'sent'; at: Date; file: string | null }
  | { status: 'failed'; at: Date; error: string };

export function ackFileName(seq: number, kind: OutgoingKind): string {
  const nnn = String(seq).padStart(3, '0');
  return kind === 'ack' ? `${nnn}.eml` : `${nnn}.on-duty.eml`;
}

export function applyAckOutcome(ack: AckRecord, entry: { kind: OutgoingKind; seq: number; messageId: string }, outcome: AckOutcome): AckRecord {
  const sent = outcome.status === 'sent';
  const fields = {
    file: sent ? (outcome.file ?? `acks/${ackFileName(entry.seq, entry.kind)}`) : null,
    sentAt: sent ? outcome.at.toISOString() : null,
    error: sent ? null : outcome.error,
  };
  if (entry.kind === 'on-duty') {
    return { ...ack, onDuty: { messageId: entry.messageId, status: outcome.status, ...fields } };
  }
  return { ...ack, ...fields, status: outcome.status, sent, messageId: entry.messageId };
}
