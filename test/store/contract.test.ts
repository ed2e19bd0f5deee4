import { describe, expect, it } from 'vitest';
import { fileTransport } from '../../src/model/transport.js';
import { StoreVersionError } from '../../src/store/migrations.js';
import type { SqlEngine } from '../../src/store/sql.js';
import type { IntakeStore, Lease } from '../../src/store/store.js';
import { contractEngines } from '../helpers/store-engines.js';
import { commitRequest, placeRequest, STORE_T0 } from '../helpers/store-requests.js';

/**
 * The store's contract, run against both engines (SQLite file, throwaway PostgreSQL) and
 * against the SQLite store in its own thread, as `intake serve` runs it (every call and
 * every error crossing the thread boundary).
 * Every behaviour the pipeline relies on: durable receipts and their leases, immutable
 * raw evidence, place (dedup, ticket/seq, quota; a retry gets the same placement), commit
 * (exactly once), lookups (first writer wins), the outbox's leases and outcomes,
 * pending keys, IMAP state, schema versions.
 */
const engines = contractEngines();
const T0 = STORE_T0;
const lease = (owner: string, now = T0, ms = 60_000): Lease => ({ owner, now, ms });

/** Raw bytes whose digest is used as given (place and commit need the raw row first). */
async function seed(sql: SqlEngine, ...digests: string[]): Promise<void> {
  await sql.write(async (tx) => {
    for (const d of digests) await tx.run('INSERT INTO raw_message (sha256, size, bytes, first_received_at) VALUES (?, 1, ?, ?) ON CONFLICT DO NOTHING', [d, Buffer.from(d), T0.toISOString()]);
  });
}

/** receive + place + commit of one message with an ack, as the pipeline does. */
async function storeMessage(store: IntakeStore, body: string, ack = true) {
  const received = await store.receive(Buffer.from(body), fileTransport('a@example.org', []), T0, lease('me'));
  const placed = await store.place(placeRequest(received.sha256, { receiptId: received.receiptId }));
  if (placed.kind !== 'placed') throw new Error('not placed');
  const { ticket, seq } = placed.placement;
  const outgoing = ack ? [{ key: `${ticket}.${String(seq).padStart(3, '0')}.ack`, kind: 'ack' as const, recipient: 'a@example.org', messageId: `ack.${ticket}@xyz.example`, encrypted: false, raw: Buffer.from(`ack for ${ticket}`), compose: null, lastError: null }] : [];
  await store.commit(commitRequest(placed.placement, received.sha256, { receiptId: received.receiptId, outgoing, messageIds: [`own.${ticket}@example.org`] }));
  return { received, placement: placed.placement };
}

describe.each(engines)('store contract: $name', (engine) => {
  it('keeps received bytes durably as a pending receipt that a later claim takes over once its lease ran out', async () => {
    const { store } = await engine.fresh();
    const received = await store.receive(Buffer.from('raw one'), fileTransport('a@example.org', ['cert@xyz.example']), T0, lease('node-a'));
    expect(await store.tickets.raw(received.sha256)).toEqual(Buffer.from('raw one'));
    expect(await store.claimReceipts(lease('node-b', new Date(T0.getTime() + 30_000)), 10)).toEqual([]);
    const claimed = await store.claimReceipts(lease('node-b', new Date(T0.getTime() + 61_000)), 10);
    expect(claimed.map((r) => [r.receiptId, r.sha256, r.raw.toString(), r.transport.mailFrom])).toEqual([[received.receiptId, received.sha256, 'raw one', 'a@example.org']]);
    await store.receiptFailed(received.receiptId, 'boom', new Date(T0.getTime() + 120_000));
    expect(await store.nextReceiptDue()).toBe(new Date(T0.getTime() + 120_000).toISOString());
    expect(await store.pendingReceipts()).toBe(1);
  });

  it('renews the holder’s lease on its pending receipts, and tells which another owner took over', async () => {
    const { store } = await engine.fresh();
    const at = (ms: number) => new Date(T0.getTime() + ms);
    const held = await store.receive(Buffer.from('held'), fileTransport('a@example.org', []), T0, lease('node-a'));
    expect(await store.renewReceipts([held.receiptId], lease('node-a', at(50_000)))).toEqual([]);
    // Past the first lease, within the renewed one: nobody else may take it.
    expect(await store.claimReceipts(lease('node-b', at(61_000)), 10)).toEqual([]);
    expect(await store.nextReceiptDue()).toBe(at(110_000).toISOString());
    // Another owner takes it once the renewed lease ran out; node-a's renewal then reports it lost.
    expect((await store.claimReceipts(lease('node-b', at(111_000)), 10)).map((r) => r.receiptId)).toEqual([held.receiptId]);
    expect(await store.renewReceipts([held.receiptId], lease('node-a', at(112_000)))).toEqual([held.receiptId]);
    // A receipt finished meanwhile is not lost, and is not renewed into pending again.
    const { received } = await storeMessage(store, 'finished');
    expect(await store.renewReceipts([received.receiptId], lease('me', at(1000)))).toEqual([]);
    expect(await store.pendingReceipts()).toBe(1);
  });

  it('refuses to change or delete raw evidence', async () => {
    const { store, sql } = await engine.fresh();
    const received = await store.receive(Buffer.from('evidence'), fileTransport(null, []), T0, lease('me'));
    await expect(sql.write((tx) => tx.run('UPDATE raw_message SET bytes = ? WHERE sha256 = ?', [Buffer.from('forged'), received.sha256]))).rejects.toThrow(/raw evidence is immutable/);
    await expect(sql.write((tx) => tx.run('DELETE FROM raw_message WHERE sha256 = ?', [received.sha256]))).rejects.toThrow(/raw evidence is never deleted/);
    expect(await store.tickets.raw(received.sha256)).toEqual(Buffer.from('evidence'));
  });

  it('places new tickets in order, gives a retry the same placement, and reports committed bytes as duplicates', async () => {
    const { store, sql } = await engine.fresh();
    await seed(sql, 'a'.repeat(64), 'b'.repeat(64));
    const a = await store.place(placeRequest('a'.repeat(64)));
    const again = await store.place(placeRequest('a'.repeat(64)));
    expect(a).toMatchObject({ kind: 'placed', resumed: false, placement: { ticket: 'XYZ-2026-00001', seq: 1, status: 'new' } });
    expect(again).toMatchObject({ kind: 'placed', resumed: true, placement: { ticket: 'XYZ-2026-00001', seq: 1 } });
    const b = await store.place(placeRequest('b'.repeat(64)));
    expect(b).toMatchObject({ placement: { ticket: 'XYZ-2026-00002', seq: 1 } });
  });

  it('commits exactly once; a second commit or place of the same bytes is a duplicate', async () => {
    const { store } = await engine.fresh();
    const { received, placement } = await storeMessage(store, 'message body');
    expect(await store.placementOf(received.sha256)).toEqual({ ticket: placement.ticket, seq: 1, committed: true });
    expect(await store.commit(commitRequest(placement, received.sha256))).toEqual({ kind: 'duplicate', ticket: placement.ticket, seq: 1 });
    const second = await store.receive(Buffer.from('message body'), fileTransport(null, []), T0, lease('me'));
    expect(await store.place(placeRequest(second.sha256, { receiptId: second.receiptId }))).toEqual({ kind: 'duplicate', ticket: placement.ticket, seq: 1 });
    expect(await store.pendingReceipts()).toBe(0);
    expect((await store.tickets.get(placement.ticket))?.messages).toHaveLength(1);
    expect(await store.tickets.messages(placement.ticket)).toHaveLength(1);
  });

  it('threads a follow-up into a committed ticket with the next seq', async () => {
    const { store, sql } = await engine.fresh();
    const first = await storeMessage(store, 'first');
    await seed(sql, 'f'.repeat(64), 'e'.repeat(64));
    const follow = await store.place(placeRequest('f'.repeat(64), { ticket: first.placement.ticket, threading: { kind: 'tag', senderKnown: true } }));
    expect(follow).toMatchObject({ placement: { ticket: first.placement.ticket, seq: 2, status: 'followup' } });
    const unknown = await store.place(placeRequest('e'.repeat(64), { ticket: 'XYZ-2026-09999' }));
    expect(unknown).toMatchObject({ placement: { ticket: 'XYZ-2026-00002', status: 'new' } });
  });

  it('grants at most max responses per quota key and day, and a retried message keeps its grant', async () => {
    const { store, sql } = await engine.fresh();
    const quota = { key: 'k1', day: '2026-11-23', max: 2 };
    await seed(sql, ...[...'abcd'].map((c) => c.repeat(64)));
    const granted = [];
    for (const c of 'abc') granted.push((await store.place(placeRequest(c.repeat(64), { quota }))) as { placement: { quotaGranted: boolean } });
    expect(granted.map((g) => g.placement.quotaGranted)).toEqual([true, true, false]);
    expect(((await store.place(placeRequest('a'.repeat(64), { quota }))) as { placement: { quotaGranted: boolean } }).placement.quotaGranted).toBe(true);
    expect(((await store.place(placeRequest('d'.repeat(64), { quota: { ...quota, day: '2026-11-24' } }))) as { placement: { quotaGranted: boolean } }).placement.quotaGranted).toBe(true);
  });

  it('answers lookups from committed messages; the first Message-ID and ciphertext writer wins', async () => {
    const { store, sql } = await engine.fresh();
    const one = await storeMessage(store, 'one');
    await seed(sql, '9'.repeat(64));
    const p = (await store.place(placeRequest('9'.repeat(64)))) as { placement: { ticket: string; seq: number } };
    expect(await store.lookups.ticketExists(p.placement.ticket)).toBe(false);
    await store.commit(commitRequest(p.placement, '9'.repeat(64), { messageIds: [`own.${one.placement.ticket}@example.org`], ciphertexts: ['c'.repeat(64)] }));
    expect(await store.lookups.ticketExists(p.placement.ticket)).toBe(true);
    expect(await store.lookups.ticketByMessageId(`<own.${one.placement.ticket}@example.org>`)).toBe(one.placement.ticket);
    expect(await store.lookups.firstCiphertext('c'.repeat(64))).toEqual({ ticket: p.placement.ticket, seq: 1, sha256: '9'.repeat(64) });
    expect(await store.lookups.correspondents(one.placement.ticket)).toEqual(['a@example.org']);
  });

  it('leases outbox entries: one claimer at a time, taken over after the lease, delivered once and recorded in the message', async () => {
    const { store, second } = await engine.fresh();
    const other = await second();
    const { placement } = await storeMessage(store, 'with ack');
    const a = await store.outbox.claimDue(lease('a', T0, 1000), 10);
    expect(a.map((e) => e.key)).toEqual([`${placement.ticket}.001.ack`]);
    expect(await other.outbox.claimDue(lease('b', T0, 1000), 10)).toEqual([]);
    const b = await other.outbox.claimDue(lease('b', new Date(T0.getTime() + 1500), 1000), 10);
    expect(b.map((e) => e.raw?.toString())).toEqual([`ack for ${placement.ticket}`]);
    await store.outbox.delivered(a[0]!.key, 'a', T0, null); // the lease moved on: not a's to mark
    await other.outbox.delivered(b[0]!.key, 'b', new Date(T0.getTime() + 1600), null);
    expect(await store.outbox.list({ failed: false })).toEqual([]);
    expect((await store.outbox.sent(placement.ticket)).map((e) => e.attempts)).toEqual([1]);
    const message = await store.tickets.message(placement.ticket, 1);
    expect(message?.record.ack).toMatchObject({ status: 'sent', sent: true, file: 'acks/001.eml' });
    expect(await store.outbox.counts()).toEqual({ pending: 0, failed: 0, delivered: 1 });
  });

  it('keeps failed entries for the operator: list, retry, drop', async () => {
    const { store } = await engine.fresh();
    const { placement } = await storeMessage(store, 'will fail');
    const key = `${placement.ticket}.001.ack`;
    const [entry] = await store.outbox.claimDue(lease('a'), 10);
    await store.outbox.deferred(key, 'a', new Date(T0.getTime() + 60_000), '451 try later', null);
    expect(await store.outbox.nextDue()).toBe(new Date(T0.getTime() + 60_000).toISOString());
    expect(await store.outbox.claimDue(lease('a'), 10)).toEqual([]);
    const [again] = await store.outbox.claimDue(lease('a', new Date(T0.getTime() + 60_000)), 10);
    expect(again?.attempts).toBe(entry!.attempts + 1);
    await store.outbox.failed(key, 'a', T0, '550 no such user');
    expect((await store.outbox.list({ failed: true })).map((e) => [e.key, e.lastError])).toEqual([[key, '550 no such user']]);
    expect((await store.tickets.message(placement.ticket, 1))?.record.ack).toMatchObject({ status: 'failed', error: '550 no such user' });
    expect(await store.outbox.retry({ allFailed: true }, T0)).toBe(1);
    expect((await store.outbox.claimDue(lease('a'), 10)).map((e) => e.attempts)).toEqual([0]);
    expect(await store.outbox.drop(key)).toBe(true);
    expect(await store.outbox.list({ failed: false })).toEqual([]);
    expect(await store.outbox.drop(key)).toBe(false);
  });

  it('two writers placing the same bytes at once end with one ticket', async () => {
    const { store, sql, second } = await engine.fresh();
    const other = await second();
    await seed(sql, '7'.repeat(64), ...Array.from({ length: 20 }, (_, i) => String(i).padStart(64, '0')));
    const results = await Promise.all([store, other, store, other].map((s, i) => s.place(placeRequest('7'.repeat(64), { receivedAt: new Date(T0.getTime() + i) }))));
    expect(new Set(results.map((r) => (r.kind === 'placed' ? r.placement.ticket : 'dup')))).toEqual(new Set(['XYZ-2026-00001']));
    const many = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? store : other).place(placeRequest(String(i).padStart(64, '0')))));
    const ids = many.map((r) => (r.kind === 'placed' ? r.placement.ticket : ''));
    expect(new Set(ids).size).toBe(20);
  });

  it('a transaction taking a year\'s first ticket number while another that took it is still open waits, then takes the next', async () => {
    const { sql } = await engine.fresh();
    let tookFirst!: () => void;
    const first = new Promise<void>((resolve) => (tookFirst = resolve));
    const holding = sql.write(async (tx) => {
      const n = await sql.dialect.nextTicketNumber(tx, 'XYZ', 2077);
      tookFirst();
      await new Promise((resolve) => setTimeout(resolve, 300));
      return n;
    });
    await first;
    const waiting = sql.write((tx) => sql.dialect.nextTicketNumber(tx, 'XYZ', 2077));
    expect(await Promise.all([holding, waiting])).toEqual([1, 2]);
  });

  it('keeps pending keys with their sightings until decided, and IMAP seen UIDs per UIDVALIDITY', async () => {
    const { store, sql } = await engine.fresh();
    await seed(sql, '5'.repeat(64));
    await expect(store.place(placeRequest('6'.repeat(64)))).rejects.toThrow(/FOREIGN KEY|foreign key/);
    const p = (await store.place(placeRequest('5'.repeat(64)))) as { placement: { ticket: string; seq: number } };
    const offer = { fingerprint: 'A'.repeat(40), armored: 'KEY-1', source: 'attachment', from: 'x@example.org', seenAt: T0.toISOString() };
    await store.commit(commitRequest(p.placement, '5'.repeat(64), { pendingKeys: [offer, { ...offer, armored: 'KEY-2', source: 'autocrypt' }] }));
    const [view] = await store.pendingKeys.list();
    expect(view).toMatchObject({ fingerprint: 'A'.repeat(40), armored: ['KEY-1', 'KEY-2'] });
    expect(view?.sightings.map((s) => s.source).sort()).toEqual(['attachment', 'autocrypt']);
    await store.pendingKeys.decide('A'.repeat(40), 'accepted', T0);
    expect(await store.pendingKeys.list()).toEqual([]);

    await store.imap.setUidValidity('INBOX', '7');
    await store.imap.remember('INBOX', 3);
    await store.imap.remember('INBOX', 5);
    await store.imap.retainOnly('INBOX', [5, 9]);
    expect(await store.imap.load('INBOX')).toEqual({ uidValidity: '7', uids: [5] });
    await store.imap.setUidValidity('INBOX', '8');
    expect(await store.imap.load('INBOX')).toEqual({ uidValidity: '8', uids: [] });
  });

  it('refuses a store written by a newer schema version', async () => {
    const { sql, second } = await engine.fresh();
    await sql.write((tx) => tx.run('INSERT INTO schema_version (version, applied_at) VALUES (?, ?)', [99, T0.toISOString()]));
    await expect(second()).rejects.toThrow(StoreVersionError);
    await expect(second()).rejects.toThrow(/schema version 99, newer than this csirt-intake understands/);
  });
});
