import { stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AUTOCHECKPOINT_PAGES, SqliteEngine } from '../../src/store/sqlite-engine.js';
import { SqlStore } from '../../src/store/sql-store.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * The embedded engine's promises beyond the contract: an owner-only file in WAL mode with
 * synchronous=FULL, group commit (jobs queued together share one transaction, a failing
 * job rolls back alone), and lock waits retried from a timer — the event loop keeps
 * running while another process holds the write lock.
 */
async function opened() {
  const file = path.join(await tempDir('intake-engine-', 'file'), 'intake.sqlite');
  const store = await SqlStore.open(await SqliteEngine.open({ file, lockWaitMs: 2000 }), file);
  return { file, store, engine: store.sql as SqliteEngine };
}

describe('the SQLite engine', () => {
  it('is one owner-only file in WAL mode with synchronous=FULL', async () => {
    const { file, engine, store } = await opened();
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await engine.read((tx) => tx.get('PRAGMA journal_mode'))).toEqual({ journal_mode: 'wal' });
    await engine.write(async (tx) => {
      // synchronous is per connection: the writer's is the one that commits.
      expect(await tx.get('PRAGMA synchronous')).toEqual({ synchronous: 2 });
      // Checkpoints a quarter as often as SQLite's default; savepoints journal in memory (2 = MEMORY).
      expect(await tx.get('PRAGMA wal_autocheckpoint')).toEqual({ wal_autocheckpoint: AUTOCHECKPOINT_PAGES });
      expect(await tx.get('PRAGMA temp_store')).toEqual({ temp_store: 2 });
    });
    await store.close();
  });

  it('a lazy write waits to join the next transaction, commits alone when none comes, and close does not wait for it', async () => {
    const file = path.join(await tempDir('intake-engine-', 'file'), 'intake.sqlite');
    const seen = (engine: SqliteEngine, uid: number) => engine.read((tx) => tx.get('SELECT uid FROM imap_seen WHERE mailbox = ? AND uid = ?', ['lazy', uid]));
    const insert = (uid: number) => async (tx: Parameters<Parameters<SqliteEngine['write']>[0]>[0]) => void (await tx.run('INSERT INTO imap_seen (mailbox, uid) VALUES (?, ?)', ['lazy', uid]));
    // A long wait: the lazy write is still queued when the ordinary write comes, whatever the machine's load.
    const patient = await SqlStore.open(await SqliteEngine.open({ file, lazyWaitMs: 60_000 }), file);
    const engine = patient.sql as SqliteEngine;
    const before = { ...engine.stats };
    const lazy = engine.write(insert(1), { wait: 'lazy' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await seen(engine, 1)).toBeUndefined();
    await engine.write(insert(2));
    await lazy;
    // Both in the ordinary write's transaction: one COMMIT, one fsync.
    expect([engine.stats.transactions - before.transactions, engine.stats.jobs - before.jobs]).toEqual([1, 2]);
    // Closing commits a waiting lazy write at once: it is on disk for the next process.
    const last = engine.write(insert(3), { wait: 'lazy' });
    await patient.close();
    await last;
    // With the default wait, a lazy write that no other joins is committed alone soon after.
    const again = await SqlStore.open(await SqliteEngine.open({ file }), file);
    const reopened = again.sql as SqliteEngine;
    expect(await seen(reopened, 3)).toEqual({ uid: 3 });
    await reopened.write(insert(4), { wait: 'lazy' });
    expect(await seen(reopened, 4)).toEqual({ uid: 4 });
    await again.close();
  });

  it('a placement or commit waits for company only where the engine was opened with a wait for it; a second waiting job is company', async () => {
    const file = path.join(await tempDir('intake-engine-', 'file'), 'intake.sqlite');
    const seen = (engine: SqliteEngine, uid: number) => engine.read((tx) => tx.get('SELECT uid FROM imap_seen WHERE mailbox = ? AND uid = ?', ['place', uid]));
    const insert = (uid: number) => async (tx: Parameters<Parameters<SqliteEngine['write']>[0]>[0]) => void (await tx.run('INSERT INTO imap_seen (mailbox, uid) VALUES (?, ?)', ['place', uid]));
    // As intake serve opens it, with a wait long enough that only company can end it.
    const serve = await SqlStore.open(await SqliteEngine.open({ file, messageWaitMs: 60_000 }), file);
    const engine = serve.sql as SqliteEngine;
    const before = { ...engine.stats };
    const first = engine.write(insert(1), { wait: 'message' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await seen(engine, 1)).toBeUndefined();
    await Promise.all([first, engine.write(insert(2), { wait: 'message' })]);
    expect([engine.stats.transactions - before.transactions, engine.stats.jobs - before.jobs]).toEqual([1, 2]);
    await serve.close();
    // Opened as intake ingest opens it: no wait, committed at once.
    const ingest = await SqlStore.open(await SqliteEngine.open({ file }), file);
    const once = ingest.sql as SqliteEngine;
    await once.write(insert(3), { wait: 'message' });
    expect(await seen(once, 3)).toEqual({ uid: 3 });
    await ingest.close();
  });

  it('checkpoints the WAL from a timer once writes stop, not while they go on', async () => {
    const file = path.join(await tempDir('intake-engine-', 'file'), 'intake.sqlite');
    const store = await SqlStore.open(await SqliteEngine.open({ file, idleCheckpointMs: 200 }), file);
    const engine = store.sql as SqliteEngine;
    for (let uid = 0; uid < 5; uid++) await engine.write((tx) => tx.run('INSERT INTO imap_seen (mailbox, uid) VALUES (?, ?)', ['ckpt', uid]));
    expect(engine.stats.idleCheckpoints).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(engine.stats.idleCheckpoints).toBe(1);
    // Nothing written since: no second one.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(engine.stats.idleCheckpoints).toBe(1);
    await store.close();
  });

  it('commits writes queued together in one transaction; a failing job rolls back alone', async () => {
    const { engine, store } = await opened();
    const before = { ...engine.stats };
    const jobs = Array.from({ length: 10 }, (_, i) =>
      engine.write(async (tx) => {
        await tx.run('INSERT INTO imap_seen (mailbox, uid) VALUES (?, ?)', ['group', i]);
        if (i === 3) throw new Error('job 3 fails');
      }),
    );
    const results = await Promise.allSettled(jobs);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    expect(engine.stats.transactions - before.transactions).toBeLessThan(3);
    expect(engine.stats.jobs - before.jobs).toBe(10);
    const uids = await engine.read((tx) => tx.all<{ uid: number }>(`SELECT uid FROM imap_seen WHERE mailbox = 'group' ORDER BY uid`));
    expect(uids.map((r) => Number(r.uid))).toEqual([0, 1, 2, 4, 5, 6, 7, 8, 9]);
    await store.close();
  });

  it('waits for another connection\'s write lock from a timer, so the event loop keeps running, and fails after lockWaitMs', async () => {
    const { file, engine, store } = await opened();
    const other = await SqliteEngine.open({ file });
    let release = (): void => undefined;
    let holding = false;
    const held = other.write(async (tx) => {
      await tx.run('INSERT INTO imap_seen (mailbox, uid) VALUES (?, ?)', ['lock', 1]);
      holding = true;
      await new Promise<void>((resolve) => (release = resolve));
    });
    while (!holding) await new Promise((resolve) => setTimeout(resolve, 5));
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 10);
    const waiting = engine.write((tx) => tx.run('INSERT INTO imap_seen (mailbox, uid) VALUES (?, ?)', ['lock', 2]));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(ticks).toBeGreaterThan(10); // ~30 ticks of 10 ms while the write waits
    release();
    await held;
    await waiting; // got the lock once it was released
    const timedOut = engine.write(async (tx) => tx.run('INSERT INTO imap_seen (mailbox, uid) VALUES (?, ?)', ['lock', 3]));
    await timedOut;
    const second = other.write(async () => {
      await new Promise<void>((resolve) => (release = resolve));
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await expect(engine.write((tx) => tx.run('INSERT INTO imap_seen (mailbox, uid) VALUES (?, ?)', ['lock', 4]))).rejects.toThrow(/locked|busy/i);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    clearInterval(ticker);
    release();
    await second;
    await other.close();
    await store.close();
  });
});
