import { access } from 'node:fs/promises';
import path from 'node:path';
import type { MessageRecord } from '../../src/model/message-record.js';
import { SqliteEngine } from '../../src/store/sqlite-engine.js';
import { PgEngine } from '../../src/store/pg-engine.js';
import { SqlStore } from '../../src/store/sql-store.js';
import type { OutboxEntry } from '../../src/store/store.js';

export interface ArchivedMessage {
  ticket: string;
  seq: number;
  record: MessageRecord;
  raw: Buffer;
}

export interface StoreScan {
  messages: ArchivedMessage[];
  /** Receipts not yet processed (crash recovery's work). */
  pendingReceipts: number;
  outbox: OutboxEntry[];
  sent: OutboxEntry[];
}

/**
 * Every committed message of a store, read through a second connection (as another
 * process would), for tests that check "stored exactly once" after crashes and restarts.
 * `where` is an archive dir (its intake.sqlite) or a postgres:// URL.
 */
export async function scanStore(where: string): Promise<StoreScan> {
  const store = where.startsWith('postgres')
    ? await SqlStore.open(new PgEngine({ url: where, max: 1 }), where)
    : await openSqlite(path.join(where, 'intake.sqlite'));
  if (!store) return { messages: [], pendingReceipts: 0, outbox: [], sent: [] };
  try {
    const messages: ArchivedMessage[] = [];
    for (const record of await store.tickets.allMessages()) {
      messages.push({ ticket: record.ticket, seq: record.seq, record, raw: (await store.tickets.raw(record.sha256))! });
    }
    const sent: OutboxEntry[] = [];
    for (const ticket of await store.tickets.list()) sent.push(...(await store.outbox.sent(ticket.id)));
    return { messages, pendingReceipts: await store.pendingReceipts(), outbox: await store.outbox.list({ failed: false }), sent };
  } finally {
    await store.close();
  }
}

async function openSqlite(file: string): Promise<SqlStore | null> {
  if (!(await access(file).then(() => true, () => false))) return null;
  return SqlStore.open(await SqliteEngine.open({ file }), file);
}

/** How many receipts wait to be processed (what the spool held before the store). */
export async function pendingReceipts(where: string): Promise<number> {
  return (await scanStore(where)).pendingReceipts;
}

/** The committed messages only (the old helper's shape). */
export async function scanArchive(where: string): Promise<ArchivedMessage[]> {
  return (await scanStore(where)).messages;
}

/** Polls `check` until it returns true (real processes on shared cores: no fixed sleeps). */
export async function waitFor(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * What another process sees in a store, one short-lived connection per question (tests
 * poll these while `intake serve` runs in a child process).
 */
export function storeOf(where: string) {
  const withStore = async <T>(work: (store: SqlStore) => Promise<T>): Promise<T> => {
    const store = where.startsWith('postgres')
      ? await SqlStore.open(new PgEngine({ url: where, max: 1 }), where)
      : await SqlStore.open(await SqliteEngine.open({ file: path.join(where, 'intake.sqlite') }), where);
    try {
      return await work(store);
    } finally {
      await store.close();
    }
  };
  return {
    withStore,
    outboxKeys: () => withStore(async (s) => (await s.outbox.list({ failed: false })).map((e) => e.key)),
    outboxEntry: (key: string) => withStore((s) => s.outbox.get(key)),
    message: (ticket: string, seq: number) => withStore(async (s) => (await s.tickets.message(ticket, seq))?.record ?? null),
    messages: () => withStore((s) => s.tickets.allMessages()),
    raw: (ticket: string, seq: number) => withStore(async (s) => s.tickets.raw((await s.tickets.message(ticket, seq))!.record.sha256)),
    /** Sent acknowledgements as `<ticket>/<NNN>.eml` names (the export layout), with their bytes. */
    sent: () =>
      withStore(async (s) => {
        const all: Array<{ name: string; raw: Buffer }> = [];
        for (const ticket of await s.tickets.list()) {
          for (const e of await s.outbox.sent(ticket.id)) all.push({ name: `${ticket.id}/${String(e.seq).padStart(3, '0')}${e.kind === 'ack' ? '' : '.on-duty'}.eml`, raw: e.raw! });
        }
        return all;
      }),
  };
}

/**
 * Makes every insert into `table` of a SQLite store fail, as a full disk or a broken
 * database would — a fault injected into the real store through SQL (a trigger), so the
 * code under test takes its real failure path. Returns the function that repairs it.
 */
export async function failInserts(archiveDir: string, table: 'receipt' | 'message'): Promise<() => Promise<void>> {
  const file = path.join(archiveDir, 'intake.sqlite');
  const store = await SqlStore.open(await SqliteEngine.open({ file }), file);
  await store.sql.write((tx) => tx.run(`CREATE TRIGGER test_fail_${table} BEFORE INSERT ON ${table} BEGIN SELECT RAISE(ABORT, 'injected store failure'); END`));
  await store.close();
  return async () => {
    const again = await SqlStore.open(await SqliteEngine.open({ file }), file);
    await again.sql.write((tx) => tx.run(`DROP TRIGGER test_fail_${table}`));
    await again.close();
  };
}
