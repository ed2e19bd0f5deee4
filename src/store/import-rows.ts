import type { MessageRecord, TicketRecord } from '../model/message-record.js';
import type { OutgoingKind } from '../model/outgoing-mail.js';
import { formatSeq, parseTicketId } from '../model/ticket-id.js';
import { indexMessage } from './search-index.js';
import type { StoredReply } from './replies.js';
import type { SqlEngine, SqlTx } from './sql.js';

/**
 * Rows for `intake import`: a ticket as an export (or an older file archive) holds it,
 * written in one transaction with ON CONFLICT DO NOTHING everywhere, so importing the
 * same directory twice changes nothing, and bytes already in the store are never
 * replaced. Ticket counters and sequences are raised past every imported number.
 */
export interface ImportedMessage {
  record: MessageRecord;
  raw: Buffer;
  decrypted: Buffer | null;
  attachments: Array<{ sha256: string; content: Buffer }>;
  /** Sent acknowledgements (acks/<NNN>.eml): delivered outbox rows. */
  sent: Array<{ kind: OutgoingKind; raw: Buffer }>;
  /** The report's text, for the search index. */
  text?: string | null;
  /** Still waiting to be sent (an older archive's outbox/). */
  queued: Array<{ kind: OutgoingKind; raw: Buffer; recipient: string; messageId: string; encrypted: boolean; queuedAt: string; attempts: number; nextAttemptAt: string }>;
}

/** An operator's reply as exported: its record and, when it was composed, the mail. */
export interface ImportedReply {
  reply: StoredReply;
  raw: Buffer | null;
}

export interface ImportCounts {
  messages: number;
  duplicates: number;
}

export async function importTicket(engine: SqlEngine, ticket: TicketRecord, messages: ImportedMessage[], replies: ImportedReply[] = []): Promise<ImportCounts> {
  const id = /^([A-Z][A-Z0-9]{1,15})-(\d{4})-(\d{5,9})$/.exec(ticket.id);
  if (!id) throw new Error(`not a ticket id: ${ticket.id.slice(0, 40)}`);
  const prefix = id[1]!;
  const number = parseTicketId(prefix, ticket.id)!;
  return engine.write(async (tx) => {
    const maxSeq = Math.max(0, ...messages.map((m) => m.record.seq));
    await tx.run(
      `INSERT INTO ticket (id, prefix, year, number, created_at, updated_at, next_seq, status, urgent, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
      [ticket.id, prefix, number.year, number.number, ticket.createdAt, ticket.updatedAt, maxSeq + 1, ticket.status, ticket.urgent ? 1 : 0, JSON.stringify(ticket)],
    );
    await tx.run('UPDATE ticket SET next_seq = ? WHERE id = ? AND next_seq <= ?', [maxSeq + 1, ticket.id, maxSeq]);
    await engine.dialect.raiseTicketNumber(tx, prefix, number.year, number.number);
    const counts: ImportCounts = { messages: 0, duplicates: 0 };
    for (const message of messages) {
      if (await importMessage(tx, engine, message)) counts.messages++;
      else counts.duplicates++;
    }
    for (const reply of replies) await importReply(tx, reply);
    return counts;
  });
}

async function importMessage(tx: SqlTx, engine: SqlEngine, m: ImportedMessage): Promise<boolean> {
  const { record } = m;
  await tx.run('INSERT INTO raw_message (sha256, size, bytes, first_received_at) VALUES (?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING', [record.sha256, m.raw.length, m.raw, record.receivedAt]);
  const placement = { ticket: record.ticket, seq: record.seq, status: record.threading.kind === 'new' ? 'new' : 'followup', threading: record.threading, quotaGranted: null };
  const inserted = await tx.run(
    `INSERT INTO message (sha256, ticket, seq, state, placement, received_at, committed_at, record, decrypted) VALUES (?, ?, ?, 'committed', ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    [record.sha256, record.ticket, record.seq, JSON.stringify(placement), record.receivedAt, record.receivedAt, JSON.stringify(record), m.decrypted],
  );
  if (inserted === 0) return false;
  for (const a of m.attachments) {
    await tx.run('INSERT INTO attachment (sha256, size, bytes) VALUES (?, ?, ?) ON CONFLICT (sha256) DO NOTHING', [a.sha256, a.content.length, a.content]);
    await tx.run('INSERT INTO message_attachment (message, attachment) VALUES (?, ?) ON CONFLICT DO NOTHING', [record.sha256, a.sha256]);
  }
  const ids = [record.headers.messageId, record.ack?.messageId, record.ack?.onDuty?.messageId].map((v) => (v ?? '').trim().replace(/^<|>$/g, '')).filter((v) => v.length > 0 && v.length <= 998 && !/[\s<>]/.test(v));
  for (const messageId of ids) await tx.run('INSERT INTO message_id (message_id, ticket) VALUES (?, ?) ON CONFLICT (message_id) DO NOTHING', [messageId, record.ticket]);
  for (const part of record.encryption.parts ?? []) {
    if (part.sha256) await tx.run('INSERT INTO ciphertext (digest, ticket, seq, sha256) VALUES (?, ?, ?, ?) ON CONFLICT (digest) DO NOTHING', [part.sha256, record.ticket, record.seq, record.sha256]);
  }
  await indexMessage(tx, engine, { sha256: record.sha256, ticket: record.ticket, seq: record.seq, record, text: m.text ?? null });
  for (const sent of m.sent) await insertOutbox(tx, record, sent.kind, sent.raw, { delivered: true });
  for (const q of m.queued) await insertOutbox(tx, record, q.kind, q.raw, { delivered: false, ...q });
  return true;
}

/**
 * The reply in its ticket, its Message-ID (the reporter's answer threads back), and its
 * outbox entry as it stood: sent, failed (`intake outbox retry` may send it), or still
 * queued — then the importing store's sender delivers it, as it would have been.
 */
async function importReply(tx: SqlTx, { reply, raw }: ImportedReply): Promise<void> {
  const inserted = await tx.run(
    `INSERT INTO reply (key, ticket, n, created_at, recipient, subject, message_id, encrypted, body, in_reply_to) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    [reply.key, reply.ticket, reply.n, reply.createdAt, reply.recipient, reply.subject, reply.messageId, reply.encrypted ? 1 : 0, reply.body, reply.inReplyTo],
  );
  if (inserted === 0) return;
  await tx.run('INSERT INTO message_id (message_id, ticket) VALUES (?, ?) ON CONFLICT (message_id) DO NOTHING', [reply.messageId, reply.ticket]);
  // Without the message it answers, or the mail itself, there is nothing an outbox could hold.
  if (!reply.answers || !raw || !(await tx.get('SELECT 1 AS x FROM message WHERE sha256 = ?', [reply.answers.sha256]))) return;
  const { status, at, error, attempts } = reply.delivery;
  await tx.run(
    `INSERT INTO outbox (key, ticket, seq, kind, message, recipient, message_id, raw, encrypted, queued_at, next_attempt_at, attempts, last_error, delivered_at, failed_at)
     VALUES (?, ?, ?, 'reply', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`,
    [
      reply.key,
      reply.ticket,
      reply.answers.seq,
      reply.answers.sha256,
      reply.recipient,
      reply.messageId,
      raw,
      reply.encrypted ? 1 : 0,
      reply.createdAt,
      at ?? reply.createdAt,
      attempts,
      error,
      status === 'sent' ? at : null,
      status === 'failed' ? at : null,
    ],
  );
}

async function insertOutbox(
  tx: SqlTx,
  record: MessageRecord,
  kind: OutgoingKind,
  raw: Buffer,
  state: { delivered: boolean; recipient?: string; messageId?: string; encrypted?: boolean; queuedAt?: string; attempts?: number; nextAttemptAt?: string },
): Promise<void> {
  const ack = kind === 'ack' ? record.ack : record.ack?.onDuty;
  const sentAt = (ack && 'sentAt' in ack ? ack.sentAt : null) ?? record.receivedAt;
  const recipient = state.recipient ?? (kind === 'ack' ? (record.transport.mailFrom ?? '') : '');
  await tx.run(
    `INSERT INTO outbox (key, ticket, seq, kind, message, recipient, message_id, raw, encrypted, queued_at, next_attempt_at, attempts, delivered_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`,
    [
      `${record.ticket}.${formatSeq(record.seq)}.${kind}`,
      record.ticket,
      record.seq,
      kind,
      record.sha256,
      recipient,
      state.messageId ?? ack?.messageId ?? '',
      raw,
      (state.encrypted ?? (kind === 'ack' && record.ack?.encrypted)) ? 1 : 0,
      state.queuedAt ?? record.receivedAt,
      state.nextAttemptAt ?? sentAt,
      state.attempts ?? (state.delivered ? 1 : 0),
      state.delivered ? sentAt : null,
    ],
  );
}
