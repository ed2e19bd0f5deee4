import { formatTicketId } from '../model/ticket-id.js';
import { isRetryableConflict, type SqlEngine, type SqlTx } from './sql.js';
import type { Placement, PlaceRequest, PlaceResult, QuotaRequest } from './store.js';

/**
 * Dedup, ticket and seq, and the ack quota, in one transaction — the claim that lets a
 * retry (or another process given the same bytes at the same moment) finish the same
 * placement instead of opening a second ticket. Bytes already committed are a
 * duplicate. A lost race on PostgreSQL (another node inserted the same sha256 or took
 * the same seq first) is retried and then finds the winner's row.
 */
export async function place(engine: SqlEngine, request: PlaceRequest): Promise<PlaceResult> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await engine.write((tx) => placeIn(tx, engine, request), request.company ? { wait: 'message' } : {});
    } catch (error) {
      if (attempt >= 5 || !isRetryableConflict(error)) throw error;
    }
  }
}

async function placeIn(tx: SqlTx, engine: SqlEngine, request: PlaceRequest): Promise<PlaceResult> {
  const existing = await tx.get<{ ticket: string; seq: number; state: string; placement: string }>(
    'SELECT ticket, seq, state, placement FROM message WHERE sha256 = ?',
    [request.sha256],
  );
  if (existing?.state === 'committed') {
    await markDuplicate(tx, request.receiptId, existing.ticket, Number(existing.seq));
    return { kind: 'duplicate', ticket: existing.ticket, seq: Number(existing.seq) };
  }
  if (existing) return { kind: 'placed', placement: JSON.parse(existing.placement) as Placement, resumed: true };

  const at = request.receivedAt.toISOString();
  const followup = request.ticket !== null ? await nextSeqOf(tx, engine, request.ticket) : null;
  let ticket: string;
  let seq: number;
  if (followup) {
    ({ ticket, seq } = followup);
  } else {
    const number = await engine.dialect.nextTicketNumber(tx, request.prefix, request.year);
    ticket = formatTicketId(request.prefix, { year: request.year, number });
    seq = 1;
    await tx.run(
      'INSERT INTO ticket (id, prefix, year, number, created_at, updated_at, next_seq) VALUES (?, ?, ?, ?, ?, ?, 2)',
      [ticket, request.prefix, request.year, number, at, at],
    );
  }
  const quotaGranted = request.quota ? await takeQuota(tx, request.quota, request.sha256) : null;
  const placement: Placement = { ticket, seq, status: followup ? 'followup' : 'new', threading: request.threading, quotaGranted };
  await tx.run(
    `INSERT INTO message (sha256, ticket, seq, state, placement, received_at) VALUES (?, ?, ?, 'placed', ?, ?)`,
    [request.sha256, ticket, seq, JSON.stringify(placement), at],
  );
  return { kind: 'placed', placement, resumed: false };
}

/** The follow-up's next seq, under the ticket row's lock; null if the ticket is not committed (then a new one opens). */
async function nextSeqOf(tx: SqlTx, engine: SqlEngine, ticket: string): Promise<{ ticket: string; seq: number } | null> {
  const row = await tx.get<{ next_seq: number }>(`SELECT next_seq FROM ticket WHERE id = ? AND record IS NOT NULL${engine.dialect.forUpdate}`, [ticket]);
  if (!row) return null;
  await tx.run('UPDATE ticket SET next_seq = next_seq + 1 WHERE id = ?', [ticket]);
  return { ticket, seq: Number(row.next_seq) };
}

/**
 * One grant per message: the quota row counts grants up to `max` (the conditional
 * upsert decides who gets the last one when processes race), and the grant row lets a
 * retried message find its own grant instead of taking a second.
 */
async function takeQuota(tx: SqlTx, quota: QuotaRequest, message: string): Promise<boolean> {
  const own = await tx.get('SELECT 1 AS x FROM ack_grant WHERE day = ? AND quota_key = ? AND message = ?', [quota.day, quota.key, message]);
  if (own) return true;
  if (quota.max <= 0) return false;
  const taken = await tx.get<{ used: number }>(
    `INSERT INTO ack_quota (day, quota_key, used) VALUES (?, ?, 1)
     ON CONFLICT (day, quota_key) DO UPDATE SET used = ack_quota.used + 1 WHERE ack_quota.used < ? RETURNING used`,
    [quota.day, quota.key, quota.max],
  );
  if (!taken) return false;
  await tx.run('INSERT INTO ack_grant (day, quota_key, message) VALUES (?, ?, ?)', [quota.day, quota.key, message]);
  return true;
}

export async function markDuplicate(tx: SqlTx, receiptId: string | null, ticket: string, seq: number): Promise<void> {
  if (receiptId === null) return;
  await tx.run(`UPDATE receipt SET state = 'duplicate', ticket = ?, seq = ?, lease_owner = NULL WHERE id = ? AND state = 'pending'`, [ticket, seq, Number(receiptId)]);
}
