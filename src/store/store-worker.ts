import { parentPort, workerData } from 'node:worker_threads';
import { pack, revive } from '../threads/wire.js';
import { SqliteEngine, type SqliteOptions } from './sqlite-engine.js';
import { SqlStore } from './sql-store.js';
import { isStoreMethod } from './store-methods.js';
import type { ReceivedMessage } from './store.js';

/**
 * The store's own thread (store-thread.ts): owns both SQLite connections and runs the
 * store's operations for the main thread, one message per call. Group commit happens
 * here: calls that arrive while a COMMIT is on its way to the disk join the next
 * transaction, and no fsync ever holds the main thread's event loop.
 */
export type StoreCall = { id: number; method: string; args: unknown[] } | { id: number; method: '$stats' };
/** Calls made in one turn of the caller's event loop travel as one message (and so join one transaction). */
export type StoreRequest = { calls: StoreCall[] } | { close: true };

export type StoreAnswer = { id: number; value: unknown } | { id: number; error: SerializedError };
export type StoreReply =
  | { answers: StoreAnswer[] }
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
  for (const call of request.calls) void answer(call).then(send);
});
port.postMessage({ ready: true } satisfies StoreReply);

/**
 * Answers ready in one turn go back as one message: a transaction's jobs are answered
 * together, and the caller's next calls then come back together and share the next one.
 */
let answers: StoreAnswer[] = [];
function send(answer: StoreAnswer): void {
  answers.push(answer);
  if (answers.length > 1) return;
  process.nextTick(() => {
    const packed = pack({ answers } satisfies StoreReply);
    answers = [];
    port.postMessage(packed.value, packed.transfer);
  });
}

async function answer(call: StoreCall): Promise<StoreAnswer> {
  try {
    if (call.method === '$stats') return { id: call.id, value: (store.sql as SqliteEngine).stats };
    if (!('args' in call) || !isStoreMethod(call.method)) throw new Error(`not a store method: ${call.method}`);
    const [group, name] = call.method.includes('.') ? call.method.split('.') : [null, call.method];
    const target = (group ? store[group as keyof SqlStore] : store) as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    const value = await target[name!]!(...(revive(call.args) as unknown[]));
    // The caller has the raw bytes it sent: they are not copied back (ThreadStore.receive puts them back).
    if (call.method === 'receive') return { id: call.id, value: { ...(value as ReceivedMessage), raw: null } };
    return { id: call.id, value };
  } catch (error) {
    return { id: call.id, error: serializeError(error) };
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
