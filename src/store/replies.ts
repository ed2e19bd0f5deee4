import type { TicketRecord } from '../model/message-record.js';
import type { SqlEngine } from './sql.js';
import { recordEvent } from './ticket-events.js';

/**
 * Operators' replies (`intake reply`). One transaction keeps the reply's text in the
 * ticket, queues the composed mail in the outbox — delivered like an acknowledgement,
 * by whichever node's sender claims it — registers its Message-ID so the reporter's
 * answer threads back into the ticket, and logs `reply.queued`. The outbox entry hangs
 * off the reporter message it answers (`message`, `seq`).
 */
export interface ReplyInput {
  ticket: string;
  recipient: string;
  subject: string;
  /** Without angle brackets. */
  messageId: string;
  encrypted: boolean;
  /** The operator's text, as written. */
  body: string;
  inReplyTo: string | null;
  raw: Buffer;
  /** The reporter message answered. */
  parent: { sha256: string; seq: number };
  at: Date;
}

export interface StoredReply {
  key: string;
  ticket: string;
  n: number;
  createdAt: string;
  recipient: string;
  subject: string;
  messageId: string;
  encrypted: boolean;
  body: string;
  inReplyTo: string | null;
  /** The reporter message it answers (its outbox entry hangs off that message); null once that entry was dropped. */
  answers: { sha256: string; seq: number } | null;
  /** The outbox entry's state. */
  delivery: { status: 'queued' | 'sent' | 'failed'; at: string | null; error: string | null; attempts: number };
}

export async function queueReply(engine: SqlEngine, input: ReplyInput): Promise<{ key: string; n: number } | null> {
  return engine.write(async (tx) => {
    const ticketRow = await tx.get<{ record: string | null }>(`SELECT record FROM ticket WHERE id = ?${engine.dialect.forUpdate}`, [input.ticket]);
    if (!ticketRow?.record) return null;
    const n = Number((await tx.get<{ n: number | null }>('SELECT MAX(n) AS n FROM reply WHERE ticket = ?', [input.ticket]))?.n ?? 0) + 1;
    // `<ID>.<NNN>.reply`: shaped like the acks' keys (the pickup directory's file name), NNN the reply's number.
    const key = `${input.ticket}.${String(n).padStart(3, '0')}.reply`;
    const at = input.at.toISOString();
    await tx.run(
      `INSERT INTO reply (key, ticket, n, created_at, recipient, subject, message_id, encrypted, body, in_reply_to) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [key, input.ticket, n, at, input.recipient, input.subject, input.messageId, input.encrypted ? 1 : 0, input.body, input.inReplyTo],
    );
    await tx.run(
      `INSERT INTO outbox (key, ticket, seq, kind, message, recipient, message_id, raw, encrypted, compose, queued_at, next_attempt_at, last_error)
       VALUES (?, ?, ?, 'reply', ?, ?, ?, ?, ?, NULL, ?, ?, NULL)`,
      [key, input.ticket, input.parent.seq, input.parent.sha256, input.recipient, input.messageId, input.raw, input.encrypted ? 1 : 0, at, at],
    );
    await tx.run('INSERT INTO message_id (message_id, ticket) VALUES (?, ?) ON CONFLICT (message_id) DO NOTHING', [input.messageId, input.ticket]);
    await recordEvent(tx, { ticket: input.ticket, seq: null, kind: 'reply.queued', at, reason: 'operator', note: null, ticketRecord: JSON.parse(ticketRow.record) as TicketRecord });
    return { key, n };
  });
}

export async function repliesOf(engine: SqlEngine, ticket: string): Promise<StoredReply[]> {
  return engine.read(async (tx) => {
    const rows = await tx.all<{
      key: string;
      n: number;
      created_at: string;
      recipient: string;
      subject: string;
      message_id: string;
      encrypted: number;
      body: string;
      in_reply_to: string | null;
      message: string | null;
      seq: number | null;
      delivered_at: string | null;
      failed_at: string | null;
      last_error: string | null;
      attempts: number | null;
    }>(
      `SELECT r.key, r.n, r.created_at, r.recipient, r.subject, r.message_id, r.encrypted, r.body, r.in_reply_to,
              o.message, o.seq, o.delivered_at, o.failed_at, o.last_error, o.attempts
       FROM reply r LEFT JOIN outbox o ON o.key = r.key WHERE r.ticket = ? ORDER BY r.n`,
      [ticket],
    );
    return rows.map((r) => ({
      key: r.key,
      ticket,
      n: Number(r.n),
      createdAt: r.created_at,
      recipient: r.recipient,
      subject: r.subject,
      messageId: r.message_id,
      encrypted: Number(r.encrypted) === 1,
      body: r.body,
      inReplyTo: r.in_reply_to,
      answers: r.message === null ? null : { sha256: r.message, seq: Number(r.seq) },
      delivery: {
        status: r.delivered_at ? 'sent' : r.failed_at ? 'failed' : 'queued',
        at: r.delivered_at ?? r.failed_at,
        error: r.last_error,
        attempts: Number(r.attempts ?? 0),
      },
    }));
  });
}
