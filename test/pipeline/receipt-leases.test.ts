import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { fileTransport } from '../../src/model/transport.js';
import { ReceiptLeases } from '../../src/pipeline/receipt-leases.js';
import { SqliteEngine } from '../../src/store/sqlite-engine.js';
import { SqlStore } from '../../src/store/sql-store.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * A received message keeps its lease while this process holds it (waiting in the work
 * queue, being processed), however long that takes: no other node or recovery pass takes
 * it over meanwhile. Real SQLite store, real clock; the lease is short so that it would
 * run out several times over while held.
 */
const LEASE_MS = 1200;
const stores: SqlStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

async function openStore(): Promise<SqlStore> {
  const file = path.join(await tempDir('intake-leases-', 'file'), 'intake.sqlite');
  const store = await SqlStore.open(await SqliteEngine.open({ file }), file);
  stores.push(store);
  return store;
}

const claimNow = (store: SqlStore) => store.claimReceipts({ owner: 'other-node', now: new Date(), ms: 60_000 }, 10);
const until = async (done: () => Promise<boolean>, timeoutMs = 30_000) => {
  for (const start = Date.now(); !(await done()); ) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

describe('ReceiptLeases', () => {
  it('keeps a held receipt from being claimed for several leases, and lets it go once the work is done', async () => {
    const store = await openStore();
    const received = await store.receive(Buffer.from('slow report'), fileTransport('a@example.org', []), new Date(), { owner: 'this-node', now: new Date(), ms: LEASE_MS });
    const renewals: string[][] = [];
    const leases = new ReceiptLeases({
      store: { renewReceipts: (ids, lease) => (renewals.push([...ids]), store.renewReceipts(ids, lease)) },
      owner: 'this-node',
      leaseMs: LEASE_MS,
      logger: pino({ level: 'silent' }),
      now: () => new Date(),
    });
    const heldFor = 3 * LEASE_MS;
    let claimedMeanwhile: unknown[] = [];
    await leases.during(received.receiptId, async () => {
      const started = Date.now();
      while (Date.now() - started < heldFor) {
        claimedMeanwhile = claimedMeanwhile.concat(await claimNow(store));
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    });
    expect(claimedMeanwhile).toEqual([]);
    expect(renewals.length).toBeGreaterThanOrEqual(2);
    expect(renewals.every((ids) => ids.length === 1 && ids[0] === received.receiptId)).toBe(true);
    expect(leases.size).toBe(0);

    // Released: no more renewals, and the receipt is due to whoever claims it after its last lease.
    const renewed = renewals.length;
    await until(async () => (await claimNow(store)).length === 1);
    expect(renewals.length).toBe(renewed);
  });

  it('warns once another owner took a receipt over while it was held', async () => {
    const store = await openStore();
    const received = await store.receive(Buffer.from('stalled report'), fileTransport(null, []), new Date(), { owner: 'this-node', now: new Date(), ms: LEASE_MS });
    const warnings: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line).msg) });
    // A clock stuck in the past stands for a process that stalled: its renewals grant leases already run out.
    const leases = new ReceiptLeases({ store, owner: 'this-node', leaseMs: LEASE_MS, logger, now: () => new Date(Date.now() - 10 * LEASE_MS) });
    await leases.during(received.receiptId, async () => {
      await until(async () => (await claimNow(store)).length === 1);
      await until(async () => warnings.length > 0);
    });
    expect(warnings[0]).toMatch(/taken over by another process/);
  });
});
