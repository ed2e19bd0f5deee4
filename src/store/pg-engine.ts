import pg from 'pg';
import type { Dialect, Row, SqlEngine, SqlTx, SqlValue } from './sql.js';

/**
 * The shared engine for several intake nodes: one PostgreSQL database, a small pool per
 * process. No application-level group commit: PostgreSQL already merges the WAL flushes
 * of concurrent commits, and a few connections beat batching on one (research/storage.md
 * §1, e4g vs e4s). Ticket numbers come from a SEQUENCE per prefix and year, so
 * allocating one never waits for another node's transaction.
 */
export interface PgOptions {
  url: string;
  /** Connections per process (a few: each `intake ingest` opens its own pool). */
  max?: number;
  /** How long a new connection may take (a check gives up sooner than the daemon's pool). */
  connectTimeoutMs?: number;
}

export class PgEngine implements SqlEngine {
  readonly dialect: Dialect = pgDialect;
  private readonly pool: pg.Pool;

  constructor(options: PgOptions) {
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: options.max ?? 4,
      idleTimeoutMillis: 30_000,
      ...(options.connectTimeoutMs ? { connectionTimeoutMillis: options.connectTimeoutMs } : {}),
    });
    // An idle client losing its server must not crash the process; the next query reconnects.
    this.pool.on('error', () => undefined);
  }

  async write<T>(work: (tx: SqlTx) => Promise<T>): Promise<T> {
    return this.transaction('BEGIN', work);
  }

  async read<T>(work: (tx: SqlTx) => Promise<T>): Promise<T> {
    return this.transaction('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', work);
  }

  private ended = false;

  async close(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await this.pool.end();
  }

  private async transaction<T>(begin: string, work: (tx: SqlTx) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken = false;
    // A server that goes away mid-transaction fails the query and also makes the checked-out
    // client emit 'error'; with no listener that would end the process (the pool's own
    // handler covers idle clients only). The client is then discarded, not reused.
    const lost = (): void => {
      broken = true;
    };
    client.on('error', lost);
    try {
      await client.query(begin);
      const value = await work(new PgTx(client));
      await client.query('COMMIT');
      return value;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw error;
    } finally {
      client.off('error', lost);
      client.release(broken);
    }
  }
}

class PgTx implements SqlTx {
  private readonly client: pg.PoolClient;

  constructor(client: pg.PoolClient) {
    this.client = client;
  }

  async get<T extends Row>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    return (await this.query<T>(sql, params)).rows[0];
  }

  async all<T extends Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return (await this.query<T>(sql, params)).rows;
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return (await this.query(sql, params)).rowCount ?? 0;
  }

  private query<T extends Row>(sql: string, params: readonly SqlValue[]): Promise<pg.QueryResult<T>> {
    return this.client.query<T>(numberPlaceholders(sql), params as SqlValue[]);
  }
}

/** `?` → `$1, $2, …` (the store's statements have no `?` inside literals). */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

const pgDialect: Dialect = {
  name: 'postgresql',
  forUpdate: ' FOR UPDATE',
  skipLocked: ' FOR UPDATE SKIP LOCKED',
  async nextTicketNumber(tx, prefix, year) {
    // Never blocks another node and never reuses a number; a rolled-back transaction
    // leaves a gap (as a crash after the old mkdir allocation did).
    const name = await ensureSequence(tx, prefix, year);
    const row = await tx.get<{ n: string }>(`SELECT nextval('${name}') AS n`);
    return Number(row!.n);
  },
  async raiseTicketNumber(tx, prefix, year, atLeast) {
    const name = await ensureSequence(tx, prefix, year);
    await tx.get(`SELECT setval('${name}', GREATEST((SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM ${name}), ?::bigint), true) AS v`, [atLeast]);
  },
};

/**
 * `ticket_<prefix>_<year>`, created on first use (a name from our own prefix and a year
 * only). CREATE SEQUENCE IF NOT EXISTS alone is no guard between transactions: two
 * that both find no sequence both create one, and the later fails with "relation
 * already exists" (two nodes placing the year's first messages at once). So the first
 * use takes a transaction-scoped advisory lock on the name: a second creator waits for
 * the first to commit, then finds its sequence. Once it exists, nobody takes the lock.
 */
async function ensureSequence(tx: SqlTx, prefix: string, year: number): Promise<string> {
  const name = `ticket_${prefix.toLowerCase()}_${year}`;
  if (!/^ticket_[a-z0-9]{2,16}_\d{4}$/.test(name)) throw new Error('invalid ticket sequence name');
  const found = await tx.get<{ oid: string | null }>('SELECT to_regclass(?) AS oid', [name]);
  if (found?.oid) return name;
  await tx.get('SELECT pg_advisory_xact_lock(hashtext(?)) AS locked', [name]);
  await tx.run(`CREATE SEQUENCE IF NOT EXISTS ${name}`);
  return name;
}
