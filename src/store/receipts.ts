import { createHash } from 'node:crypto';
import type { TransportInfo } from '../model/transport.js';
import { asBuffer, type SqlEngine } from './sql.js';
import type { Lease, ReceivedMessage } from './store.js';

/**
 * Receipts: every delivery of raw bytes, durable before the sender is told "ok". A
 * receipt stays `pending` until its message is committed (or found to be a duplicate);
 * a pending receipt whose lease ran out — its process died, or its retry is due — is
 * claimed by whichever process looks next. This replaces the spool directory.
 */
export async function receive(engine: SqlEngine, raw: Buffer, transport: TransportInfo, receivedAt: Date, lease: Lease): Promise<ReceivedMessage> {
  const sha256 = sha256Hex(raw);
  const at = receivedAt.toISOString();
  const stored = await engine.write(async (tx) => {
    const firstDelivery = await tx.run(
      'INSERT INTO raw_message (sha256, size, bytes, first_received_at) VALUES (?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING',
      [sha256, raw.length, raw, at],
    );
    const row = await tx.get<{ id: number | string }>(
      'INSERT INTO receipt (sha256, received_at, transport, lease_owner, lease_until) VALUES (?, ?, ?, ?, ?) RETURNING id',
      // A lease already over (ms < 0: `intake import`'s due-at-once receipts) is nobody's.
      [sha256, at, JSON.stringify(transport), lease.ms < 0 ? null : lease.owner, leaseUntil(lease)],
    );
    const id = String(row!.id);
    // Earlier deliveries of the same bytes whose process died holding them (an MTA retrying
    // after `intake ingest` was aborted): their holders count as this message's too. Bytes
    // never seen before have no earlier delivery.
    if (firstDelivery > 0) return { id, abandoned: 0 };
    const dead = await tx.get<{ n: number | string }>(
      `SELECT COUNT(*) AS n FROM receipt WHERE sha256 = ? AND state = 'pending' AND lease_owner IS NOT NULL AND lease_until <= ? AND id <> ?`,
      [sha256, lease.now.toISOString(), Number(id)],
    );
    return { id, abandoned: Number(dead?.n ?? 0) };
  });
  return { receiptId: stored.id, raw, sha256, receivedAt, transport, abandoned: stored.abandoned };
}

export async function claimReceipts(engine: SqlEngine, lease: Lease, limit: number, ownerPrefix: string | null): Promise<ReceivedMessage[]> {
  const now = lease.now.toISOString();
  // An earlier run of this node: its owner id starts with the node's prefix and is not ours.
  const own = ownerPrefix === null ? '' : ' OR (substr(lease_owner, 1, ?) = ? AND lease_owner <> ?)';
  const ownParams = ownerPrefix === null ? [] : [ownerPrefix.length, ownerPrefix, lease.owner];
  // Looked at from the reader first: an idle poll never takes the write lock.
  const any = await engine.read((tx) => tx.get(`SELECT 1 AS x FROM receipt WHERE state = 'pending' AND (lease_until <= ?${own}) LIMIT 1`, [now, ...ownParams]));
  if (!any) return [];
  const rows = await engine.write(async (tx) => {
    const due = await tx.all<{ id: number | string }>(
      `SELECT id FROM receipt WHERE state = 'pending' AND (lease_until <= ?${own}) ORDER BY lease_until, id LIMIT ?${engine.dialect.skipLocked}`,
      [now, ...ownParams, limit],
    );
    const claimed: Array<{ id: number | string; sha256: string; received_at: string; transport: string; abandoned: number | string; bytes: unknown }> = [];
    for (const { id } of due) {
      // Still held when its lease ran out (receiptFailed releases it): its process went away mid-message.
      await tx.run(
        'UPDATE receipt SET abandoned = abandoned + CASE WHEN lease_owner IS NULL THEN 0 ELSE 1 END, lease_owner = ?, lease_until = ?, attempts = attempts + 1 WHERE id = ?',
        [lease.owner, leaseUntil(lease), id],
      );
      const row = await tx.get<(typeof claimed)[number]>(
        'SELECT r.id, r.sha256, r.received_at, r.transport, r.abandoned, m.bytes FROM receipt r JOIN raw_message m ON m.sha256 = r.sha256 WHERE r.id = ?',
        [id],
      );
      if (row) claimed.push(row);
    }
    return claimed;
  });
  return rows.map((row) => ({
    receiptId: String(row.id),
    raw: asBuffer(row.bytes),
    sha256: row.sha256,
    receivedAt: new Date(row.received_at),
    transport: JSON.parse(row.transport) as TransportInfo,
    abandoned: Number(row.abandoned),
  }));
}

export async function renewReceipts(engine: SqlEngine, receiptIds: readonly string[], lease: Lease): Promise<string[]> {
  if (receiptIds.length === 0) return [];
  const until = leaseUntil(lease);
  return engine.write(async (tx) => {
    const lost: string[] = [];
    for (const id of receiptIds) {
      const changed = await tx.run(`UPDATE receipt SET lease_until = ? WHERE id = ? AND lease_owner = ? AND state = 'pending'`, [until, Number(id), lease.owner]);
      if (changed > 0) continue;
      // Not renewed: committed or released meanwhile (not lost), or taken by another owner.
      const row = await tx.get<{ state: string; lease_owner: string | null }>('SELECT state, lease_owner FROM receipt WHERE id = ?', [Number(id)]);
      if (row?.state === 'pending' && row.lease_owner !== null && row.lease_owner !== lease.owner) lost.push(id);
    }
    return lost;
  });
}

export async function receiptFailed(engine: SqlEngine, receiptId: string, error: string, retryAt: Date): Promise<void> {
  await engine.write((tx) =>
    tx.run(`UPDATE receipt SET lease_owner = NULL, lease_until = ?, last_error = ? WHERE id = ? AND state = 'pending'`, [
      retryAt.toISOString(),
      error.slice(0, 500),
      Number(receiptId),
    ]),
  );
}

export async function nextReceiptDue(engine: SqlEngine): Promise<string | null> {
  return engine.read(async (tx) => (await tx.get<{ t: string | null }>(`SELECT MIN(lease_until) AS t FROM receipt WHERE state = 'pending'`))?.t ?? null);
}

export async function pendingReceipts(engine: SqlEngine): Promise<number> {
  return engine.read(async (tx) => Number((await tx.get<{ n: number }>(`SELECT CAST(COUNT(*) AS INTEGER) AS n FROM receipt WHERE state = 'pending'`))?.n ?? 0));
}

function leaseUntil(lease: Lease): string {
  return new Date(lease.now.getTime() + lease.ms).toISOString();
}

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}
