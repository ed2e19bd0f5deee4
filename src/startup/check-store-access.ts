import type { Config } from '../config/schema.js';
import { SCHEMA_VERSION, StoreVersionError, storedSchemaVersion } from '../store/migrations.js';
import { redactUrl, sqlitePath, storeUrl } from '../store/open-store.js';
import { sqliteSchemaVersion } from '../store/sqlite-engine.js';
import { configFinding, type Finding } from './finding.js';

const CONNECT_TIMEOUT_MS = 5000;

/**
 * The store as `intake serve` will meet it, read only (a check creates and migrates
 * nothing): PostgreSQL answers with the configured URL and credentials, and neither
 * engine holds a schema newer than this release (which serve refuses). A PostgreSQL that
 * does not answer is a warning, not a refusal: it may be starting, and systemd restarts
 * serve until it answers; a refused login or a missing database needs the configuration
 * (or the database) changed, so that is a problem.
 */
export async function checkStoreAccess(config: Config, env: NodeJS.ProcessEnv): Promise<{ problems: Finding[]; warnings: Finding[] }> {
  if (config.store.engine === 'sqlite') return { problems: newer(sqliteSchemaVersion(sqlitePath(config))), warnings: [] };
  let url: string;
  try {
    url = await storeUrl(config, env);
  } catch (error) {
    return { problems: [configFinding(`store: ${(error as Error).message}`)], warnings: [] };
  }
  const where = redactUrl(url);
  // Loaded only for PostgreSQL (the pg library).
  const { PgEngine } = await import('../store/pg-engine.js');
  const engine = new PgEngine({ url, max: 1, connectTimeoutMs: CONNECT_TIMEOUT_MS });
  try {
    return { problems: newer(await storedSchemaVersion(engine)), warnings: [] };
  } catch (error) {
    const { code, message } = error as { code?: unknown; message: string };
    // SQLSTATE class 28 (authorization: wrong password, no such role) and 3D000 (no such database).
    if (typeof code === 'string' && (code.startsWith('28') || code === '3D000')) {
      return { problems: [configFinding(`store.url: PostgreSQL at ${where} refused the connection: ${message}`)], warnings: [] };
    }
    return { problems: [], warnings: [configFinding(`store.url: PostgreSQL at ${where} does not answer (${message}); intake serve cannot start until it does`)] };
  } finally {
    await engine.close().catch(() => undefined);
  }
}

function newer(version: number | null): Finding[] {
  if (version === null || version <= SCHEMA_VERSION) return [];
  return [configFinding(`store: ${new StoreVersionError(version).message}`)];
}
