import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { SqlStore } from '../../src/store/sql-store.js';
import { SqliteEngine } from '../../src/store/sqlite-engine.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * An MTA starts several `intake ingest` processes at once on a store that may not exist
 * yet: the first one creates it and switches it to WAL while the others open it. Opening
 * must wait for that lock from a timer, like every other lock wait, not fail at once.
 */
describe('opening the SQLite store while another process holds its lock', () => {
  it('waits for the holder and opens once it lets go', async () => {
    const file = path.join(await tempDir('intake-sqlite-open-'), 'intake.sqlite');
    // Another process mid-way through creating the file (rollback journal, exclusive lock).
    const holder = new DatabaseSync(file, { timeout: 0 });
    holder.exec('BEGIN EXCLUSIVE');
    holder.exec('CREATE TABLE being_created (x INTEGER)');
    let released = false;
    setTimeout(() => {
      holder.exec('COMMIT');
      holder.close();
      released = true;
    }, 300);

    const store = await SqlStore.open(await SqliteEngine.open({ file, lockWaitMs: 10_000 }), file);
    expect(released).toBe(true);
    expect(await store.pendingReceipts()).toBe(0);
    await store.close();
  });

  it('gives up after its lock wait, with the lock error', async () => {
    const file = path.join(await tempDir('intake-sqlite-open-'), 'intake.sqlite');
    const holder = new DatabaseSync(file, { timeout: 0 });
    holder.exec('BEGIN EXCLUSIVE');
    holder.exec('CREATE TABLE being_created (x INTEGER)');
    try {
      await expect(SqliteEngine.open({ file, lockWaitMs: 200 })).rejects.toMatchObject({ errcode: 5 });
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
  });
});
