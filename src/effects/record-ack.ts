import type { AckRecord, MessageRecord } from '../model/message-record.js';
import type { Archive } from './archive.js';
import { withLock } from './locks.js';
import { writeMessageRecord } from './message-files.js';
import type { OutboxEntry } from './outbox.js';

/**
 * Updates `ack` (or `ack.onDuty`) of a committed message.json after delivery or
 * giving up, under the message's own lock (the one processing holds), so it never
 * races a pipeline run on the same message.
 */
export type AckOutcome =
  | { status: 'sent'; at: Date; file: string }
  | { status: 'failed'; at: Date; error: string };

export async function recordAckOutcome(archive: Archive, entry: OutboxEntry, outcome: AckOutcome): Promise<void> {
  await withLock(archive.layout.lockFile(`msg-${entry.sha256}`), async () => {
    const record = await archive.tickets.readMessage(entry.ticket, entry.seq);
    if (!record) return;
    const next: MessageRecord = { ...record, ack: applyOutcome(record.ack, entry, outcome) };
    await writeMessageRecord(next, archive.layout.messageDir(entry.ticket, entry.seq));
  });
}

function applyOutcome(ack: AckRecord, entry: OutboxEntry, outcome: AckOutcome): AckRecord {
  const sent = outcome.status === 'sent';
  const fields = {
    file: sent ? outcome.file : null,
    sentAt: sent ? outcome.at.toISOString() : null,
    error: sent ? null : outcome.error,
  };
  if (entry.kind === 'on-duty') {
    return { ...ack, onDuty: { messageId: entry.messageId, status: outcome.status, ...fields } };
  }
  return { ...ack, ...fields, status: outcome.status, sent, messageId: entry.messageId };
}
