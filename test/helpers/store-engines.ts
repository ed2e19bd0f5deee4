import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { PgEngine } from '../../src/store/pg-engine.js';
import { SqliteEngine } from '../../src/store/sqlite-engine.js';
import { SqlStore } from '../../src/store/sql-store.js';
import type { SqlEngine } from '../../src/store/sql.js';
import { ThreadStore } from '../../src/store/store-thread.js';
import type { IntakeStore } from '../../src/store/store.js';
import { startPgCluster, type PgCluster } from './pg-cluster.js';
import { tempDir } from './temp-dir.js';

/**
 * The engines a contract test runs against: SQLite on a temp file, PostgreSQL on a
 * throwaway cluster started once per test file. `fresh()` gives an empty store; `second()`
 * opens another store on the same data (another process or node).
 */
export interface EngineFixture {
  name: 'sqlite' | 'postgresql';
  fresh(): Promise<{ store: SqlStore; second(): Promise<SqlStore> }>;
}

/**
 * What the store's contract runs against: both engines, and the SQLite store in its own
 * thread as `intake serve` uses it (store/store-thread.ts). `sql` reaches the same data
 * directly (seeding rows, forging evidence); `second()` is another store on that data.
 */
export interface ContractFixture {
  name: 'sqlite' | 'postgresql' | 'sqlite-thread';
  fresh(): Promise<{ store: IntakeStore; sql: SqlEngine; second(): Promise<IntakeStore> }>;
}

export function contractEngines(): ContractFixture[] {
  const [sqlite, postgresql] = storeEngines();
  const direct = (fixture: EngineFixture): ContractFixture => ({
    name: fixture.name,
    async fresh() {
      const { store, second } = await fixture.fresh();
      return { store, sql: store.sql, second };
    },
  });
  const threads: ThreadStore[] = [];
  afterAll(async () => {
    for (const store of threads.splice(0)) await store.close().catch(() => undefined);
  });
  const thread: ContractFixture = {
    name: 'sqlite-thread',
    async fresh() {
      // The direct connection opens (and migrates) the file first, as a second process would.
      const { store: side } = await sqlite!.fresh();
      const open = async () => {
        const store = await ThreadStore.open({ file: side.location });
        threads.push(store);
        return store;
      };
      return { store: await open(), sql: side.sql, second: open };
    },
  };
  return [direct(sqlite!), direct(postgresql!), thread];
}

export function storeEngines(): EngineFixture[] {
  let cluster: PgCluster | null = null;
  let databases = 0;
  const opened: SqlStore[] = [];
  beforeAll(async () => {
    cluster = await startPgCluster();
  }, 60_000);
  afterAll(async () => {
    for (const store of opened.splice(0)) await store.close().catch(() => undefined);
    await cluster?.stop();
  });
  const track = (store: SqlStore) => (opened.push(store), store);
  return [
    {
      name: 'sqlite',
      async fresh() {
        const file = path.join(await tempDir('intake-store-', 'file'), 'intake.sqlite');
        const open = async () => track(await SqlStore.open(await SqliteEngine.open({ file }), file));
        return { store: await open(), second: open };
      },
    },
    {
      name: 'postgresql',
      async fresh() {
        const url = await cluster!.createDatabase(`contract_${++databases}`);
        const open = async () => track(await SqlStore.open(new PgEngine({ url }), url));
        return { store: await open(), second: open };
      },
    },
  ];
}
