import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { IntakeError } from '../../src/model/errors.js';
import { fileTransport } from '../../src/model/transport.js';
import { StoreVersionError } from '../../src/store/migrations.js';
import { SqliteEngine } from '../../src/store/sqlite-engine.js';
import { SqlStore } from '../../src/store/sql-store.js';
import { ThreadStore } from '../../src/store/store-thread.js';
import type { Lease } from '../../src/store/store.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * What the thread boundary adds to the store's contract (contract.test.ts runs the
 * contract itself against ThreadStore): errors arrive as the in-thread store throws them,
 * a store newer than the code is refused at open, and a thread that dies fails the calls
 * in flight temporarily — their messages stay received — and the next call opens it again.
 */
const T0 = new Date('2026-11-23T10:00:00Z');
const lease = (owner: string, now = T0, ms = 60_000): Lease => ({ owner, now, ms });
const opened: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const store of opened.splice(0).reverse()) await store.close().catch(() => undefined);
});

async function storeFile(): Promise<string> {
  return path.join(await tempDir('intake-thread-', 'file'), 'intake.sqlite');
}

async function direct(file: string, lockWaitMs?: number): Promise<SqlStore> {
  const store = await SqlStore.open(await SqliteEngine.open({ file, ...(lockWaitMs ? { lockWaitMs } : {}) }), file);
  opened.push(store);
  return store;
}

async function threaded(file: string, lockWaitMs?: number): Promise<ThreadStore> {
  const store = await ThreadStore.open({ file, ...(lockWaitMs ? { lockWaitMs } : {}) });
  opened.push(store);
  return store;
}

/** The store's thread, to end it as a crash would (tests only). */
async function threadOf(store: ThreadStore): Promise<Worker> {
  return (store as unknown as { worker: Promise<Worker> }).worker;
}

describe('the SQLite store in its own thread', () => {
  it('refuses a store written by a newer schema version with the same error as in-thread', async () => {
    const file = await storeFile();
    const side = await direct(file);
    await side.sql.write((tx) => tx.run('INSERT INTO schema_version (version, applied_at) VALUES (?, ?)', [99, T0.toISOString()]));
    const refused = await ThreadStore.open({ file }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(StoreVersionError);
    expect((refused as StoreVersionError).found).toBe(99);
    const inThread = await SqlStore.open(await SqliteEngine.open({ file }), file).catch((error: unknown) => error);
    expect((refused as Error).message).toBe((inThread as Error).message);
  });

  it("keeps a failed statement's error across the thread: SQLite's code and extended result code", async () => {
    const file = await storeFile();
    const store = await threaded(file);
    const place = { sha256: '6'.repeat(64), receiptId: null, receivedAt: T0, ticket: null, prefix: 'XYZ', year: 2026, threading: { kind: 'new' as const, senderKnown: true }, quota: null };
    const error = (await store.place(place).catch((e: unknown) => e)) as Error & { code?: string; errcode?: number };
    const inThread = (await (await direct(file)).place(place).catch((e: unknown) => e)) as Error & { code?: string; errcode?: number };
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toMatch(/FOREIGN KEY/);
    expect([error.message, error.code, error.errcode]).toEqual([inThread.message, inThread.code, inThread.errcode]);
    expect(typeof error.errcode).toBe('number');
  });

  it('fails the calls in flight temporarily when the thread dies; received bytes stay, and the next call opens the store again', async () => {
    const file = await storeFile();
    const store = await threaded(file, 60_000);
    const received = await store.receive(Buffer.from('kept through the crash'), fileTransport('a@example.org', []), T0, lease('node-a'));

    // Another writer (an `intake ingest`) holds the write lock: the thread's next write waits for it.
    const other = await direct(file);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const lockTaken = new Promise<void>((resolve) => (locked = resolve));
    const holder = other.sql.write(async () => {
      locked();
      await held;
    });
    await lockTaken;
    const waiting = store.receive(Buffer.from('in flight'), fileTransport('a@example.org', []), T0, lease('node-a'));
    const worker = await threadOf(store);
    // The call is in the thread (it waits there for the lock): the thread now dies.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await worker.terminate();
    const failed = await waiting.catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(IntakeError);
    expect(failed).toMatchObject({ kind: 'temporary', code: 'store-unavailable' });
    release();
    await holder;

    // A new thread serves the next call, and the message received before the crash is still there to retry.
    expect(await store.pendingReceipts()).toBe(1);
    expect((await store.tickets.raw(received.sha256))?.toString()).toBe('kept through the crash');
    const claimed = await store.claimReceipts(lease('node-b', new Date(T0.getTime() + 61_000)), 10);
    expect(claimed.map((r) => r.sha256)).toEqual([received.sha256]);
    expect(await threadOf(store)).not.toBe(worker);
  });

  it('refuses calls after close, and close ends the thread', async () => {
    const store = await threaded(await storeFile());
    const worker = await threadOf(store);
    const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
    await store.close();
    expect(await exited).toBe(0);
    await expect(store.pendingReceipts()).rejects.toMatchObject({ kind: 'temporary', code: 'store-closed' });
  });
});
