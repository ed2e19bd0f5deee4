import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/schema.js';
import { SERVE_MESSAGE_WAIT_MS, SqliteEngine, type SqliteOptions } from './sqlite-engine.js';
import { SqlStore } from './sql-store.js';
import type { IntakeStore } from './store.js';

export const STORE_URL_ENV = 'INTAKE_STORE_URL';

/** `store.path`, or `<archive.dir>/intake.sqlite` when it is null. */
export function sqlitePath(config: Config): string {
  return config.store.path ?? path.join(config.archive.dir, 'intake.sqlite');
}

/** The PostgreSQL connection URL: env INTAKE_STORE_URL, else store.urlFile, else store.url. */
export async function storeUrl(config: Config, env: NodeJS.ProcessEnv): Promise<string> {
  const fromEnv = env[STORE_URL_ENV];
  if (fromEnv) return fromEnv.trim();
  if (config.store.urlFile) return (await readFile(config.store.urlFile, 'utf8')).trim();
  if (config.store.url) return config.store.url;
  throw new Error(`store.engine is postgresql but no URL is configured (store.url, store.urlFile or env ${STORE_URL_ENV})`);
}

/** The URL without its password, for logs and messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgresql (unparseable URL)';
  }
}

/**
 * The store of the pipeline: for `intake serve` with `store.thread` (`thread`) on SQLite in
 * a thread of its own (store-thread.ts), so that no COMMIT's fsync holds the event loop
 * that answers SMTP; PostgreSQL's I/O is asynchronous already. Otherwise `openStore`.
 * `daemon` (serve): a message's placement and commit wait up to SERVE_MESSAGE_WAIT_MS for another
 * message's write to share their transaction (SqliteOptions.messageWaitMs); a one-shot
 * `intake ingest` has nobody to wait for.
 */
export async function openPipelineStore(config: Config, env: NodeJS.ProcessEnv, { thread, daemon }: { thread: boolean; daemon: boolean }): Promise<IntakeStore> {
  // A lazy write (an ack's delivered mark) waits for a later transaction to join it: in a
  // one-shot command there is none, and the wait would only delay the exit the MTA waits for.
  if (config.store.engine !== 'sqlite' || !thread) return openStore(config, env, daemon ? { messageWaitMs: SERVE_MESSAGE_WAIT_MS } : { lazyWaitMs: 0 });
  const { ThreadStore } = await import('./store-thread.js');
  return ThreadStore.open({ file: sqlitePath(config), lockWaitMs: config.store.lockWaitSeconds * 1000, messageWaitMs: SERVE_MESSAGE_WAIT_MS });
}

export async function openStore(config: Config, env: NodeJS.ProcessEnv = process.env, sqlite: Pick<SqliteOptions, 'lazyWaitMs' | 'messageWaitMs'> = {}): Promise<SqlStore> {
  if (config.store.engine === 'postgresql') {
    const url = await storeUrl(config, env);
    // Imported only here: the driver is not loaded by an SQLite installation's every `intake ingest`.
    const { PgEngine } = await import('./pg-engine.js');
    return SqlStore.open(new PgEngine({ url, max: config.store.connections }), redactUrl(url));
  }
  const file = sqlitePath(config);
  return SqlStore.open(await SqliteEngine.open({ file, lockWaitMs: config.store.lockWaitSeconds * 1000, ...sqlite }), file);
}
