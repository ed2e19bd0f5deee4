/**
 * The narrow SQL surface the store's logic is written against, so that one set of
 * statements serves both engines. Statements use `?` placeholders (the PostgreSQL engine
 * numbers them); values are strings, numbers, null and Buffers (BLOB / bytea).
 */
export type SqlValue = string | number | null | Buffer;
export type Row = Record<string, unknown>;

/** One open transaction (or, for `read`, one consistent snapshot of committed data). */
export interface SqlTx {
  get<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  all<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** Rows changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
}

export type EngineName = 'sqlite' | 'postgresql';

/** What differs between the engines and cannot be written as one statement. */
export interface Dialect {
  readonly name: EngineName;
  /** The next ticket number of `prefix` in `year`: a gapless counter row (SQLite) or a SEQUENCE (PostgreSQL). */
  nextTicketNumber(tx: SqlTx, prefix: string, year: number): Promise<number>;
  /** After an import: the next number allocated for `prefix` in `year` is above `atLeast`. */
  raiseTicketNumber(tx: SqlTx, prefix: string, year: number, atLeast: number): Promise<void>;
  /** Appended to a SELECT that reads a row this transaction will change (row lock in PostgreSQL). */
  readonly forUpdate: string;
  /** Appended to a claim's SELECT so that concurrent claimers take different rows. */
  readonly skipLocked: string;
}

export interface WriteOptions {
  /**
   * The write may wait a few milliseconds on SQLite for another job to share its
   * transaction, so that it costs no fsync of its own; durable all the same once the
   * promise resolves. PostgreSQL: no effect.
   * - `lazy`: nobody waits for it to be answered (an outbox entry marked delivered).
   * - `message`: a message's placement or commit, off the path to its 250; waits only where
   *   the engine was opened with a wait for it (intake serve, SqliteOptions.messageWaitMs).
   */
  wait?: 'lazy' | 'message';
}

export interface SqlEngine {
  readonly dialect: Dialect;
  /**
   * Runs `work` in one write transaction and commits it durably before resolving. A job
   * that throws is rolled back alone (SQLite group commit: a savepoint per job). `work`
   * must await only its `tx` calls: it may share a transaction with other jobs.
   */
  write<T>(work: (tx: SqlTx) => Promise<T>, options?: WriteOptions): Promise<T>;
  /** Reads committed data only (never another job's uncommitted writes). */
  read<T>(work: (tx: SqlTx) => Promise<T>): Promise<T>;
  /** Stops accepting work, finishes what is queued, closes connections. */
  close(): Promise<void>;
}

/** A unique-key race lost to another writer (PostgreSQL `23505`): the caller may re-read and retry. */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: unknown; errcode?: unknown; message?: unknown };
  return e?.code === '23505' || (typeof e?.message === 'string' && /UNIQUE constraint failed/.test(e.message));
}

/** A serialization failure or deadlock (PostgreSQL `40001`, `40P01`): retry the transaction. */
export function isRetryableConflict(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return code === '40001' || code === '40P01' || isUniqueViolation(error);
}

/** BLOB values come back as Uint8Array from node:sqlite and Buffer from pg: always a Buffer. */
export function asBuffer(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw new Error('expected binary column');
}

export function bufferOrNull(value: unknown): Buffer | null {
  return value === null || value === undefined ? null : asBuffer(value);
}
