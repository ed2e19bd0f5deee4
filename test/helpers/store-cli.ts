import type { SqlStore } from '../../src/store/sql-store.js';
import { writeCliConfig } from './cli.js';
import { tempDir } from './temp-dir.js';

/**
 * A CLI configuration pointing at a store a test opened (SQLite file or PostgreSQL
 * database from storeEngines()), so the built `intake` runs against the same data.
 */
export async function cliConfigFor(store: SqlStore, overrides: Record<string, unknown> = {}): Promise<{ dir: string; config: string }> {
  const dir = await tempDir();
  const storeSection = store.engine === 'postgresql' ? { engine: 'postgresql', url: store.location } : { engine: 'sqlite', path: store.location };
  const config = await writeCliConfig(dir, { store: storeSection, ...overrides });
  return { dir, config };
}
