import { applyAckOutcome, type AckOutcome } from '../model/ack-outcome.js';
import type { MessageRecord } from '../model/message-record.js';
import type { OutgoingKind } from '../model/outgoing-mail.js';
import { bufferOrNull, type SqlEngine, type SqlTx } from './sql.js';
import type { Lease, OutboxEntry, OutboxQueue } from './store.js';

/**
 * The outbox as a job table. A sender claims due entries with a lease (on PostgreSQL
 * `FOR UPDATE SKIP LOCKED`, so two nodes never take the same entry; a node that dies
 * holding one loses it when the lease runs out), delivers, and marks the outcome in one
 * transaction that also records it in the message's `ack`. Delivered rows stay as the
 * archive of what was sent; pending work is only what is neither delivered nor failed.
 */
const COLUMNS = `key, kind, ticket, seq, message, recipient, message_id, raw, encrypted, compose, queued_at,
  next_attempt_at, attempts, last_error, delivered_at, failed_at`;

interface OutboxRow {
  key: string;
  kind: string;
  ticket: string;
  seq: number;
  message: string;
  recipient: string;
  message_id: string;
  raw: unknown;
  encrypted: number;
  compose: string | null;
  queued_at: string;
  next_attempt_at: string;
  attempts: number;
  last_error: string | null;
  delivered_at: string | null;
  failed_at: string | null;
  [column: string]: unknown;
}

export function outboxQueue(engine: SqlEngine): OutboxQueue {
  const PENDING = 'delivered_at IS NULL AND failed_at IS NULL';
  return {
    async claimDue(lease: Lease, max: number) {
      const now = lease.now.toISOString();
      const until = new Date(lease.now.getTime() + lease.ms).toISOString();
      // Entries the commit already leased to this sender: taken from the reader, no transaction.
      const own = await engine.read((tx) =>
        tx.all<OutboxRow>(`SELECT ${COLUMNS} FROM outbox WHERE ${PENDING} AND lease_owner = ? AND lease_until > ? AND next_attempt_at <= ? ORDER BY key LIMIT ?`, [lease.owner, now, now, max]),
      );
      if (own.length > 0) return own.map(toEntry);
      // Looked at from the reader first: an idle poll never takes the write lock.
      const due = await engine.read((tx) =>
        tx.get(`SELECT 1 AS x FROM outbox WHERE ${PENDING} AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?) LIMIT 1`, [now, now]),
      );
      if (!due) return [];
      const rows = await engine.write(async (tx) => {
        // Only once the answered message is committed; never an entry another sender holds.
        const due = await tx.all<{ key: string }>(
          `SELECT o.key FROM outbox o WHERE o.delivered_at IS NULL AND o.failed_at IS NULL AND o.next_attempt_at <= ?
             AND (o.lease_until IS NULL OR o.lease_until <= ?)
             AND EXISTS (SELECT 1 FROM message m WHERE m.sha256 = o.message AND m.state = 'committed')
           ORDER BY o.next_attempt_at, o.key LIMIT ?${engine.dialect.skipLocked}`,
          [now, now, max],
        );
        const claimed: OutboxRow[] = [];
        for (const { key } of due) {
          await tx.run('UPDATE outbox SET lease_owner = ?, lease_until = ? WHERE key = ?', [lease.owner, until, key]);
          claimed.push((await tx.get<OutboxRow>(`SELECT ${COLUMNS} FROM outbox WHERE key = ?`, [key]))!);
        }
        return claimed;
      });
      return rows.map(toEntry);
    },

    async renew(key, lease) {
      const until = new Date(lease.now.getTime() + lease.ms).toISOString();
      const changed = await engine.write((tx) => tx.run(`UPDATE outbox SET lease_until = ? WHERE key = ? AND lease_owner = ? AND ${PENDING}`, [until, key, lease.owner]));
      return changed > 0;
    },

    async delivered(key, owner, at, raw) {
      await engine.write(async (tx) => {
        const changed = await tx.run(
          `UPDATE outbox SET delivered_at = ?, raw = COALESCE(?, raw), attempts = attempts + 1, last_error = NULL, lease_owner = NULL, lease_until = NULL
           WHERE key = ? AND lease_owner = ? AND ${PENDING}`,
          [at.toISOString(), raw, key, owner],
        );
        if (changed > 0) await recordOutcome(tx, key, { status: 'sent', at, file: null });
        // The sender does not wait on it: joins the next message's transaction.
      }, { wait: 'lazy' });
    },

    async deferred(key, owner, next, error, raw) {
      await engine.write((tx) =>
        tx.run(
          `UPDATE outbox SET next_attempt_at = ?, last_error = ?, raw = COALESCE(?, raw), attempts = attempts + 1, lease_owner = NULL, lease_until = NULL
           WHERE key = ? AND lease_owner = ? AND ${PENDING}`,
          [next.toISOString(), error.slice(0, 500), raw, key, owner],
        ),
      );
    },

    async failed(key, owner, at, error) {
      await engine.write(async (tx) => {
        const changed = await tx.run(
          `UPDATE outbox SET failed_at = ?, last_error = ?, attempts = attempts + 1, lease_owner = NULL, lease_until = NULL
           WHERE key = ? AND lease_owner = ? AND ${PENDING}`,
          [at.toISOString(), error.slice(0, 500), key, owner],
        );
        if (changed > 0) await recordOutcome(tx, key, { status: 'failed', at, error });
      });
    },

    async list({ failed }) {
      const where = failed ? 'delivered_at IS NULL AND failed_at IS NOT NULL' : 'delivered_at IS NULL';
      return engine.read(async (tx) => (await tx.all<OutboxRow>(`SELECT ${COLUMNS} FROM outbox WHERE ${where} ORDER BY key`)).map(toEntry));
    },

    async get(key) {
      return engine.read(async (tx) => {
        const row = await tx.get<OutboxRow>(`SELECT ${COLUMNS} FROM outbox WHERE key = ?`, [key]);
        return row ? toEntry(row) : null;
      });
    },

    async retry(selector, now) {
      const at = now.toISOString();
      return engine.write(async (tx) => {
        const base = `UPDATE outbox SET failed_at = NULL, attempts = 0, next_attempt_at = ?, queued_at = ?, lease_owner = NULL, lease_until = NULL WHERE delivered_at IS NULL`;
        const changed = 'key' in selector
          ? await tx.run(`${base} AND key = ?`, [at, at, selector.key])
          : await tx.run(`${base} AND failed_at IS NOT NULL`, [at, at]);
        return changed;
      });
    },

    async drop(key) {
      return (await engine.write((tx) => tx.run('DELETE FROM outbox WHERE key = ? AND delivered_at IS NULL', [key]))) > 0;
    },

    async nextDue() {
      return engine.read(async (tx) => (await tx.get<{ t: string | null }>(`SELECT MIN(next_attempt_at) AS t FROM outbox WHERE ${PENDING}`))?.t ?? null);
    },

    async sent(ticket) {
      return engine.read(async (tx) =>
        (await tx.all<OutboxRow>(`SELECT ${COLUMNS} FROM outbox WHERE ticket = ? AND delivered_at IS NOT NULL ORDER BY seq, kind`, [ticket])).map(toEntry),
      );
    },

    async counts() {
      return engine.read(async (tx) => {
        const n = async (where: string) => Number((await tx.get<{ n: number }>(`SELECT CAST(COUNT(*) AS INTEGER) AS n FROM outbox WHERE ${where}`))?.n ?? 0);
        return { pending: await n(PENDING), failed: await n('delivered_at IS NULL AND failed_at IS NOT NULL'), delivered: await n('delivered_at IS NOT NULL') };
      });
    },
  };
}

/** The message's `ack` (or `ack.onDuty`) follows its outbox entry. */
async function recordOutcome(tx: SqlTx, key: string, outcome: AckOutcome): Promise<void> {
  const row = await tx.get<{ message: string; kind: string; seq: number; message_id: string; record: string | null }>(
    'SELECT o.message, o.kind, o.seq, o.message_id, m.record FROM outbox o JOIN message m ON m.sha256 = o.message WHERE o.key = ?',
    [key],
  );
  // An operator's reply answers no message itself: its state is its own outbox row (replies.ts).
  if (!row?.record || row.kind === 'reply') return;
  const record = JSON.parse(row.record) as MessageRecord;
  const entry = { kind: row.kind as OutgoingKind, seq: Number(row.seq), messageId: row.message_id };
  const next: MessageRecord = { ...record, ack: applyAckOutcome(record.ack, entry, outcome) };
  await tx.run('UPDATE message SET record = ? WHERE sha256 = ?', [JSON.stringify(next), row.message]);
}

function toEntry(row: OutboxRow): OutboxEntry {
  return {
    key: row.key,
    kind: row.kind as OutgoingKind,
    ticket: row.ticket,
    seq: Number(row.seq),
    sha256: row.message,
    recipient: row.recipient,
    messageId: row.message_id,
    encrypted: Number(row.encrypted) === 1,
    raw: bufferOrNull(row.raw),
    compose: row.compose,
    queuedAt: row.queued_at,
    nextAttemptAt: row.next_attempt_at,
    attempts: Number(row.attempts),
    lastError: row.last_error,
    deliveredAt: row.delivered_at,
    failedAt: row.failed_at,
  };
}
