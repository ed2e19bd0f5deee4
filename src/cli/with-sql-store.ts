import type { Config } from '../config/schema.js';
import { openStore } from '../store/open-store.js';
import type { SqlStore } from '../store/sql-store.js';
import type { CliIo } from './cli-io.js';

/** Opens the configured store (with its SQL engine, for the maintenance commands) and closes it afterwards. */
export async function withSqlStore<T>(config: Config, io: CliIo, work: (store: SqlStore) => Promise<T>): Promise<T> {
  const store = await openStore(config, io.env);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}
