import type { Config } from '../config/schema.js';
import { openStore } from '../store/open-store.js';
import type { SqlStore } from '../store/sql-store.js';

/** Opens the configured store for one command, and closes it whatever happens. */
export async function withStore<T>(config: Config, env: NodeJS.ProcessEnv, work: (store: SqlStore) => Promise<T>): Promise<T> {
  const store = await openStore(config, env);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}
