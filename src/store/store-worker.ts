import { parentPort, workerData } from 'node:worker_threads';
import { pack, revive } from '../threads/wire.js';
import { SqliteEngine, type SqliteOptions } from './sqlite-engine.js';
import { SqlStore } from './sql-store.js';
import { isStoreMethod } from './store-methods.js';

/**
 * The store's own thread (store-thread.ts): owns both SQLite connections and runs the
 * store's operations for the main thread, one message per call. Group commit happens
 * here: calls that arrive while a COMMIT is on its way to the disk join the next
 * transaction, and no fsync ever holds the main thread's event loop.
 */
export type StoreRequest = { id: number; method: string; args: unknown[] } | { id: number; method: '$stats' } | { close: true };

export type StoreReply =
  | { id: number; value: unknown }
  | { id: number; error: SerializedError }
  | { ready: true }
  | { openError: SerializedError }
  | { closed: true };

export interface SerializedError {
  name: string;
  message: string;
  code: string | null;
  kind: string | null;
  /** StoreVersionError: the store's schema version. */
  found: number | null;
  /** node:sqlite's extended result code (a lock, a constraint), as the engine's callers read it. */
  errcode: number | null;
}

const options = workerData as SqliteOptions;
const port = parentPort!;

let store: SqlStore;
try {
  store = await SqlStore.open(await SqliteEngine.open(options), options.file);
} catch (error) {
  port.postMessage({ openError: serializeError(error) } satisfies StoreReply);
  process.exit(0);
}

port.on('message', (request: StoreRequest) => {
  if ('close' in request) {
    void store.close().finally(() => {
      port.postMessage({ closed: true } satisfies StoreReply);
      port.close();
    });
    return;
  }
  void answer(request).then((reply) => {
    const packed = pack(reply);
    port.postMessage(packed.value, packed.transfer);
  });
});
port.postMessage({ ready: true } satisfies StoreReply);

async function answer(request: Exclude<StoreRequest, { close: true }>): Promise<StoreReply> {
  try {
    if (request.method === '$stats') return { id: request.id, value: (store.sql as SqliteEngine).stats };
    if (!('args' in request) || !isStoreMethod(request.method)) throw new Error(`not a store method: ${request.method}`);
    const [group, name] = request.method.includes('.') ? request.method.split('.') : [null, request.method];
    const target = (group ? store[group as keyof SqlStore] : store) as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    return { id: request.id, value: await target[name!]!(...(revive(request.args) as unknown[])) };
  } catch (error) {
    return { id: request.id, error: serializeError(error) };
  }
}

function serializeError(error: unknown): SerializedError {
  const e = error as { name?: unknown; message?: unknown; code?: unknown; errcode?: unknown; kind?: unknown; found?: unknown };
  const code = typeof e?.code === 'string' ? e.code : null;
  return {
    name: typeof e?.name === 'string' ? e.name : 'Error',
    message: typeof e?.message === 'string' ? e.message : String(error),
    code,
    kind: e?.kind === 'permanent' || e?.kind === 'temporary' ? e.kind : null,
    found: typeof e?.found === 'number' ? e.found : null,
    errcode: typeof e?.errcode === 'number' ? e.errcode : null,
  };
}
