import { foldTicket } from '../model/build-records.js';
import type { TicketRecord } from '../model/message-record.js';
import { sha256Hex } from './receipts.js';
import { indexMessage } from './search-index.js';
import { recordMessageEvents } from './ticket-events.js';
import { markDuplicate } from './place.js';
import { isRetryableConflict, type SqlEngine, type SqlTx } from './sql.js';
import type { CommitRequest, CommitResult, OutboxItem, PendingKeyOffer } from './store.js';

/**
 * Everything a message leaves behind, in one transaction: the record, the decrypted
 * payload and attachments, the Message-ID and ciphertext lookups (first writer wins), the
 * outbox entries, the pending keys, the ticket record, and the receipt marked done.
 * Exactly one attempt commits a placed message (`state = 'placed'` is the condition);
 * a later attempt at the same bytes reports a duplicate. The pipeline and `intake
 * reprocess` both end here, so the two can never write a message differently.
 */
export async function commit(engine: SqlEngine, request: CommitRequest): Promise<CommitResult> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await engine.write((tx) => commitIn(tx, engine, request), request.company ? { wait: 'message' } : {});
    } catch (error) {
      if (attempt >= 5 || !isRetryableConflict(error)) throw error;
    }
  }
}

async function commitIn(tx: SqlTx, engine: SqlEngine, request: CommitRequest): Promise<CommitResult> {
  const { sha256, ticket, seq } = request;
  const at = request.now.toISOString();
  const record = JSON.stringify(request.mode === 'first' ? request.record : await withStoredAck(tx, request));
  const changed = request.mode === 'first'
    ? await tx.run(
        `UPDATE message SET state = 'committed', committed_at = ?, record = ?, decrypted = ? WHERE sha256 = ? AND ticket = ? AND seq = ? AND state = 'placed'`,
        [at, record, request.decrypted, sha256, ticket, seq],
      )
    : await tx.run(`UPDATE message SET record = ?, decrypted = ? WHERE sha256 = ? AND ticket = ? AND seq = ? AND state = 'committed'`, [
        record,
        request.decrypted,
        sha256,
        ticket,
        seq,
      ]);
  if (changed === 0) {
    const other = await tx.get<{ ticket: string; seq: number }>(`SELECT ticket, seq FROM message WHERE sha256 = ? AND state = 'committed'`, [sha256]);
    if (!other) throw new Error(`message ${ticket}/${seq} is not placed: nothing to commit`);
    await markDuplicate(tx, request.receiptId, other.ticket, Number(other.seq));
    return { kind: 'duplicate', ticket: other.ticket, seq: Number(other.seq) };
  }
  await storeAttachments(tx, sha256, request.attachments);
  for (const id of request.messageIds) {
    await tx.run('INSERT INTO message_id (message_id, ticket) VALUES (?, ?) ON CONFLICT (message_id) DO NOTHING', [id, ticket]);
  }
  for (const digest of request.ciphertexts) {
    await tx.run('INSERT INTO ciphertext (digest, ticket, seq, sha256) VALUES (?, ?, ?, ?) ON CONFLICT (digest) DO NOTHING', [digest, ticket, seq, sha256]);
  }
  if (request.mode === 'first') {
    for (const item of request.outgoing) await queue(tx, item, request, at);
    for (const key of request.pendingKeys) await storePendingKey(tx, key, ticket, seq);
  }
  const { reopened } = await updateTicket(tx, engine, request, at);
  // The workbench: searchable at once (reprocess re-indexes), and the message's events for the hand-off.
  // A first commit has nothing indexed yet (only committed messages are): nothing to remove first.
  await indexMessage(tx, engine, { sha256, ticket, seq, record: request.record, text: request.searchText ?? null }, { fresh: request.mode === 'first' });
  if (request.receiptId !== null) {
    await tx.run(`UPDATE receipt SET state = 'done', ticket = ?, seq = ?, lease_owner = NULL WHERE id = ?`, [ticket, seq, Number(request.receiptId)]);
  }
  return { kind: 'committed', reopened };
}

/** Reprocessing never changes how a message was answered: the ack as stored now (a delivery may just have been recorded). */
async function withStoredAck(tx: SqlTx, request: CommitRequest): Promise<CommitRequest['record']> {
  const row = await tx.get<{ record: string | null }>(`SELECT record FROM message WHERE sha256 = ? AND state = 'committed'`, [request.sha256]);
  const stored = row?.record ? (JSON.parse(row.record) as CommitRequest['record']) : null;
  return stored ? { ...request.record, ack: stored.ack } : request.record;
}

async function storeAttachments(tx: SqlTx, message: string, attachments: CommitRequest['attachments']): Promise<void> {
  for (const a of attachments) {
    await tx.run('INSERT INTO attachment (sha256, size, bytes) VALUES (?, ?, ?) ON CONFLICT (sha256) DO NOTHING', [a.sha256, a.content.length, a.content]);
    await tx.run('INSERT INTO message_attachment (message, attachment) VALUES (?, ?) ON CONFLICT DO NOTHING', [message, a.sha256]);
  }
}

/**
 * Keyed by ticket, seq and kind: a message is answered once, whatever retried. With a
 * lease (this process delivers its own acks), the entry is queued already leased to its
 * sender — or, if it was queued before, leased now unless someone holds or delivered it.
 */
async function queue(tx: SqlTx, item: OutboxItem, request: CommitRequest, at: string): Promise<void> {
  const lease = request.outboxLease;
  const owner = lease ? lease.owner : null;
  const until = lease ? new Date(lease.now.getTime() + lease.ms).toISOString() : null;
  await tx.run(
    `INSERT INTO outbox (key, ticket, seq, kind, message, recipient, message_id, raw, encrypted, compose, queued_at, next_attempt_at, last_error, lease_owner, lease_until)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET lease_owner = excluded.lease_owner, lease_until = excluded.lease_until
       WHERE excluded.lease_owner IS NOT NULL AND outbox.lease_owner IS NULL AND outbox.delivered_at IS NULL`,
    [item.key, request.ticket, request.seq, item.kind, request.sha256, item.recipient, item.messageId, item.raw, item.encrypted ? 1 : 0, item.compose, at, at, item.lastError, owner, until],
  );
}

async function storePendingKey(tx: SqlTx, key: PendingKeyOffer, ticket: string, seq: number): Promise<void> {
  await tx.run('INSERT INTO pending_key (fingerprint, digest, armored, first_seen) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING', [
    key.fingerprint,
    sha256Hex(key.armored),
    key.armored,
    key.seenAt,
  ]);
  await tx.run(
    `INSERT INTO pending_key_sighting (fingerprint, ticket, seq, source, from_address, seen_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    [key.fingerprint, ticket, seq, key.source, key.from, key.seenAt],
  );
}

/**
 * Folds the message into its ticket. A message's first commit also records its event
 * (`ticket.created` / `message.added`), and reopens a closed ticket (a follow-up);
 * reprocessing changes neither.
 */
async function updateTicket(tx: SqlTx, engine: SqlEngine, request: CommitRequest, at: string): Promise<{ reopened: boolean }> {
  const id = request.ticket;
  const row = await tx.get<{ record: string | null }>(`SELECT record FROM ticket WHERE id = ?${engine.dialect.forUpdate}`, [id]);
  if (!row) throw new Error(`ticket ${id} does not exist`);
  const previous = row.record ? (JSON.parse(row.record) as TicketRecord) : null;
  let next: TicketRecord = foldTicket(previous, request.record, request.fold, request.now);
  let reopened = false;
  if (request.mode === 'first') {
    ({ ticket: next, reopened } = await recordMessageEvents(tx, previous, next, { ticket: id, seq: request.seq, at }));
  }
  await tx.run('UPDATE ticket SET record = ?, updated_at = ?, urgent = ?, status = ? WHERE id = ?', [JSON.stringify(next), at, next.urgent ? 1 : 0, next.status, id]);
  return { reopened };
}
