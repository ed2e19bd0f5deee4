import { closeSync, chmodSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
// The one module that touches node:sqlite: Node 26 renames DatabaseSync to Database
// (DEP0210), and this is the line to change when it does.
import { DatabaseSync, backup, type StatementSync } from 'node:sqlite';
import type { Dialect, Row, SqlEngine, SqlTx, SqlValue, WriteOptions } from './sql.js';

/**
 * The embedded engine: one SQLite file, WAL, synchronous=FULL (a commit is on disk when
 * it returns), mode 0600 because it holds decrypted reports.
 *
 * Writes are group-committed: every job queued while a transaction is open joins the next
 * one (`BEGIN IMMEDIATE`, a SAVEPOINT per job, one COMMIT, one fsync for all of them). A
 * job that may wait (WriteOptions.wait) waits a little for company instead of paying an
 * fsync of its own: a lazy write (nobody waits on it) up to LAZY_WAIT_MS, a placement up
 * to `messageWaitMs` a message's placement or commit (intake serve: its other messages in
 * flight are about to write too); two such jobs, or any job that does not wait, start the
 * transaction at once. A receipt never waits: the sender's 250 waits for it.
 *
 * Checkpoints (the WAL copied back into the database file: an fsync of each, and one of
 * the WAL's header when it starts over) run when the WAL passes AUTOCHECKPOINT_PAGES —
 * four times SQLite's default, so a quarter as many — and from a timer once the writer has
 * been idle for IDLE_CHECKPOINT_MS, so that a quiet store's WAL is folded back before a
 * busy moment makes a commit pay for it. Passive: never waits for a reader or a writer.
 * Another process holding the write lock (`intake ingest` beside `intake serve`) is waited
 * for from a timer with busy_timeout 0 — SQLite's own busy handler would sleep inside the
 * synchronous call and stop every SMTP session of this process (research/storage.md §1).
 * Reads use a second connection, so they only ever see committed data.
 */
const MAX_BATCH = 64;
const LOCK_WAIT_MS = 30_000;
/** How long a lazy write (WriteOptions) waits for another transaction to join before committing alone. */
const LAZY_WAIT_MS = 20;
/** intake serve: how long a message's placement or commit waits for company (SqliteOptions.messageWaitMs). */
export const SERVE_MESSAGE_WAIT_MS = 10;
/** WAL pages after which a commit checkpoints (SQLite's default is 1000 pages, 4 MiB at 4 KiB pages). */
export const AUTOCHECKPOINT_PAGES = 4000;
/** A WAL that grew past this (a long reader held a checkpoint back) is cut back to it once it starts over. */
const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;
/** Idle this long after a write: the WAL is checkpointed from a timer (passive), not by the next busy commit. */
const IDLE_CHECKPOINT_MS = 1000;

interface Job {
  work: (tx: SqlTx) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  /** Milliseconds this job may wait for company before its transaction starts (0: at once). */
  waitMs: number;
}

export interface SqliteOptions {
  file: string;
  /** How long a write waits for another process's lock before failing (temporary). */
  lockWaitMs?: number;
  /** How long a lazy write waits for another job to join its transaction (default LAZY_WAIT_MS). */
  lazyWaitMs?: number;
  /**
   * How long a message's placement or commit (WriteOptions.wait 'message') waits for another
   * job to share its transaction (default 0: it does not wait). intake serve sets it: its
   * other messages in flight write within milliseconds, and both are off the path to the 250.
   */
  messageWaitMs?: number;
  /** Idle time after a write before the timer's checkpoint (default IDLE_CHECKPOINT_MS). */
  idleCheckpointMs?: number;
}

export class SqliteEngine implements SqlEngine {
  readonly dialect: Dialect = sqliteDialect;
  readonly file: string;
  private readonly writer: Connection;
  private readonly reader: Connection;
  private readonly lockWaitMs: number;
  private readonly lazyWaitMs: number;
  private readonly messageWaitMs: number;
  private readonly idleCheckpointMs: number;
  private queue: Job[] = [];
  private flushing = false;
  private waitTimer: NodeJS.Timeout | null = null;
  private checkpointTimer: NodeJS.Timeout | null = null;
  /** Commits since the last checkpoint from the timer. */
  private uncheckpointed = false;
  private reads: Promise<unknown> = Promise.resolve();
  private closed = false;
  private idle: Array<() => void> = [];

  /**
   * Opens the file. Switching a new file to WAL (or reading a file another process is
   * creating) meets that process's lock: retried from a timer like every other lock wait,
   * so `intake ingest` processes started together by an MTA all open the store.
   */
  static async open(options: SqliteOptions): Promise<SqliteEngine> {
    const lockWaitMs = options.lockWaitMs ?? LOCK_WAIT_MS;
    return retryWhileBusy(() => new SqliteEngine(options), lockWaitMs);
  }

  private constructor(options: SqliteOptions) {
    this.file = path.resolve(options.file);
    this.lockWaitMs = options.lockWaitMs ?? LOCK_WAIT_MS;
    this.lazyWaitMs = options.lazyWaitMs ?? LAZY_WAIT_MS;
    this.messageWaitMs = options.messageWaitMs ?? 0;
    this.idleCheckpointMs = options.idleCheckpointMs ?? IDLE_CHECKPOINT_MS;
    createPrivateFile(this.file);
    this.writer = new Connection(this.file);
    try {
      this.writer.exec('PRAGMA journal_mode = WAL');
      this.writer.exec('PRAGMA synchronous = FULL');
      this.writer.exec(`PRAGMA wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
      this.writer.exec(`PRAGMA journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
      this.reader = new Connection(this.file);
    } catch (error) {
      this.writer.db.close();
      throw error;
    }
    for (const suffix of ['-wal', '-shm']) chmodQuietly(`${this.file}${suffix}`);
  }

  write<T>(work: (tx: SqlTx) => Promise<T>, options: WriteOptions = {}): Promise<T> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    return new Promise<T>((resolve, reject) => {
      const waitMs = options.wait === 'lazy' ? this.lazyWaitMs : options.wait === 'message' ? this.messageWaitMs : 0;
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject, waitMs });
      this.kick();
    });
  }

  read<T>(work: (tx: SqlTx) => Promise<T>): Promise<T> {
    // One snapshot at a time on the reader connection (BEGIN … COMMIT around the job).
    // A read meets a lock only while another process creates or recovers the file; the
    // job only reads, so it is run again from the start.
    const run = this.reads.then(() =>
      retryWhileBusy(async () => {
        this.reader.exec('BEGIN');
        try {
          return await work(this.reader);
        } finally {
          if (this.reader.db.isTransaction) this.reader.exec('COMMIT');
        }
      }, this.lockWaitMs),
    );
    this.reads = run.catch(() => undefined);
    return run;
  }

  /** A consistent online copy (SQLite's backup API), readable while writers go on. */
  async backupTo(target: string): Promise<void> {
    mkdirSync(path.dirname(target), { recursive: true, mode: 0o750 });
    // Never over an existing file; the copy holds decrypted reports too.
    closeSync(openSync(target, 'wx', 0o600));
    await backup(this.reader.db, target);
    chmodSync(target, 0o600);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.kick(); // a waiting write waits no longer
    if (this.flushing || this.queue.length > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
    if (this.checkpointTimer) clearTimeout(this.checkpointTimer);
    await this.reads;
    this.reader.db.close();
    this.writer.db.close();
  }

  private kick(): void {
    if (this.flushing || this.queue.length === 0) {
      if (!this.flushing) for (const done of this.idle.splice(0)) done();
      return;
    }
    // One job queued that may wait: it waits a little for company (one fsync fewer). A
    // second job is company: both go now.
    const only = this.queue.length === 1 ? this.queue[0]! : null;
    if (!this.closed && only && only.waitMs > 0) {
      this.waitTimer ??= setTimeout(() => {
        this.waitTimer = null;
        this.startFlush();
      }, only.waitMs);
      return;
    }
    this.startFlush();
  }

  private startFlush(): void {
    if (this.flushing || this.queue.length === 0) return;
    if (this.waitTimer) clearTimeout(this.waitTimer);
    this.waitTimer = null;
    if (this.checkpointTimer) clearTimeout(this.checkpointTimer);
    this.checkpointTimer = null;
    this.flushing = true;
    // Let every job that is ready this turn join the same transaction.
    setImmediate(() => void this.flush());
  }

  /** Transactions committed and jobs in them, and checkpoints from the idle timer, since open (group-commit effectiveness, for benches). */
  readonly stats = { transactions: 0, jobs: 0, idleCheckpoints: 0 };

  private async flush(): Promise<void> {
    const batch = this.queue.splice(0, MAX_BATCH);
    this.stats.transactions++;
    this.stats.jobs += batch.length;
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      await this.beginImmediate();
      for (const job of batch) outcomes.push(await this.runJob(job));
      this.writer.control('COMMIT');
      this.uncheckpointed = true;
      batch.forEach((job, i) => {
        const outcome = outcomes[i]!;
        if (outcome.ok) job.resolve(outcome.value);
        else job.reject(outcome.error);
      });
    } catch (error) {
      if (this.writer.db.isTransaction) this.writer.exec('ROLLBACK');
      for (const job of batch) job.reject(error);
    } finally {
      this.flushing = false;
      this.kick();
      if (!this.flushing && this.queue.length === 0) this.checkpointWhenIdle();
    }
  }

  /** Once nothing has been written for IDLE_CHECKPOINT_MS: a passive checkpoint (a busy one is left to the next). */
  private checkpointWhenIdle(): void {
    if (this.closed || !this.uncheckpointed || this.checkpointTimer) return;
    this.checkpointTimer = setTimeout(() => {
      this.checkpointTimer = null;
      if (this.closed || this.flushing || this.queue.length > 0) return;
      try {
        this.writer.exec('PRAGMA wal_checkpoint(PASSIVE)');
        this.uncheckpointed = false;
        this.stats.idleCheckpoints++;
      } catch {
        // Another process is checkpointing or holds a lock: the next idle moment (or an autocheckpoint) does it.
      }
    }, this.idleCheckpointMs);
    this.checkpointTimer.unref();
  }

  private async runJob(job: Job): Promise<{ ok: true; value: unknown } | { ok: false; error: unknown }> {
    this.writer.control('SAVEPOINT job');
    try {
      const value = await job.work(this.writer);
      this.writer.control('RELEASE job');
      return { ok: true, value };
    } catch (error) {
      this.writer.exec('ROLLBACK TO job');
      this.writer.exec('RELEASE job');
      return { ok: false, error };
    }
  }

  /** BEGIN IMMEDIATE, retried from a timer while another process holds the write lock. */
  private async beginImmediate(): Promise<void> {
    await retryWhileBusy(() => this.writer.control('BEGIN IMMEDIATE'), this.lockWaitMs);
  }
}

/** Runs `attempt` until it does not fail with a lock error, waiting from a timer (never inside SQLite) up to `waitMs`. */
async function retryWhileBusy<T>(attempt: () => T | Promise<T>, waitMs: number): Promise<T> {
  const deadline = Date.now() + waitMs;
  for (let tries = 0; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isBusy(error) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(1 + tries, 20)));
    }
  }
}

/** One node:sqlite connection with a statement cache, as the store's SqlTx. */
class Connection implements SqlTx {
  readonly db: DatabaseSync;
  private readonly statements = new Map<string, StatementSync>();

  constructor(file: string) {
    // timeout 0: lock waits are retried from a timer (see SqliteEngine), never slept on.
    this.db = new DatabaseSync(file, { timeout: 0 });
    this.db.exec('PRAGMA foreign_keys = ON');
    // A job's SAVEPOINT keeps the pages it changes in a sub-journal; in a temporary file
    // (the default) that is two write calls per page once it passes 64 KiB. In memory instead.
    this.db.exec('PRAGMA temp_store = MEMORY');
  }

  exec(sql: string): void {
    this.db.exec(sql);
  }

  /** A transaction-control statement (BEGIN, SAVEPOINT, RELEASE, COMMIT), prepared once. */
  control(sql: string): void {
    this.statement(sql).run();
  }

  async get<T extends Row>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    return this.statement(sql).get(...params) as T | undefined;
  }

  async all<T extends Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return this.statement(sql).all(...params) as T[];
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return Number(this.statement(sql).run(...params).changes);
  }

  private statement(sql: string): StatementSync {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

const sqliteDialect: Dialect = {
  name: 'sqlite',
  forUpdate: '',
  skipLocked: '',
  async nextTicketNumber(tx, prefix, year) {
    // Gapless: the counter row commits with the message that took the number.
    const row = await tx.get<{ last: number }>(
      `INSERT INTO ticket_counter (prefix, year, last) VALUES (?, ?, 1)
       ON CONFLICT (prefix, year) DO UPDATE SET last = last + 1 RETURNING last`,
      [prefix, year],
    );
    return Number(row!.last);
  },
  async raiseTicketNumber(tx, prefix, year, atLeast) {
    await tx.run(
      'INSERT INTO ticket_counter (prefix, year, last) VALUES (?, ?, ?) ON CONFLICT (prefix, year) DO UPDATE SET last = MAX(last, excluded.last)',
      [prefix, year, atLeast],
    );
  },
};

/** SQLITE_BUSY (5) and its extended codes (e.g. 517 BUSY_SNAPSHOT), SQLITE_LOCKED (6). */
function isBusy(error: unknown): boolean {
  const code = Number((error as { errcode?: unknown }).errcode);
  return (code & 0xff) === 5 || (code & 0xff) === 6;
}

/** Creates the file owner-only before SQLite opens it (SQLite's -wal/-shm copy its mode). */
function createPrivateFile(file: string): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o750 });
  closeSync(openSync(file, 'a', 0o600));
  chmodSync(file, 0o600);
}

function chmodQuietly(file: string): void {
  try {
    chmodSync(file, 0o600);
  } catch {
    // not created yet: SQLite gives it the database file's mode
  }
}

/**
 * The schema version of an existing SQLite store, opened read only (nothing is created
 * or changed); null when there is no file yet or it cannot be read (the path checks say why).
 */
export function sqliteSchemaVersion(file: string): number | null {
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(file, { readOnly: true, timeout: 2000 });
  } catch {
    return null;
  }
  try {
    const table = db.prepare(`SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'`).get();
    if (!table) return 0;
    return Number((db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null } | undefined)?.v ?? 0);
  } catch {
    return null;
  } finally {
    db.close();
  }
}
