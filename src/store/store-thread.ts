import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { IntakeError, temporary } from '../model/errors.js';
import { pack, revive } from '../threads/wire.js';
import { StoreVersionError } from './migrations.js';
import type { SqliteOptions } from './sqlite-engine.js';
import { STORE_GROUPS, type StoreGroup } from './store-methods.js';
import type { SerializedError, StoreCall, StoreReply, StoreRequest } from './store-worker.js';
import type { IntakeStore, ReceivedMessage } from './store.js';

/**
 * The SQLite store in a thread of its own, for `intake serve`: the same store (SqlStore
 * over SqliteEngine, same statements, same group commit), reached by message. Its COMMITs — the fsync of the WAL, synchronous=FULL
 * — and its statements run there, so the event loop that answers SMTP never waits for
 * the disk, and more messages share each transaction. Nothing changes in durability:
 * a call resolves once its transaction is committed, as it does in-thread.
 *
 * If the thread dies (it should not), the calls in flight fail temporarily — their
 * messages stay received and are retried — and the next call opens the store again.
 */
export class ThreadStore implements IntakeStore {
  readonly engine = 'sqlite' as const;
  readonly location: string;
  readonly lookups;
  readonly tickets;
  readonly outbox;
  readonly pendingKeys;
  readonly imap;
  readonly handoff;

  private readonly options: SqliteOptions;
  private worker: Promise<Worker> | null;
  private readonly calls = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  private nextId = 0;
  /** Calls made this turn, sent together at its end (one message, one transaction in the thread). */
  private outgoing: { worker: Worker; calls: StoreCall[]; transfer: ArrayBuffer[] } | null = null;
  private closed = false;

  private constructor(options: SqliteOptions) {
    this.options = options;
    this.location = options.file;
    this.worker = null;
    const group = <G extends StoreGroup>(name: G) => remoteGroup(name, (method, args) => this.call(method, args)) as IntakeStore[G];
    this.lookups = group('lookups');
    this.tickets = group('tickets');
    this.outbox = group('outbox');
    this.pendingKeys = group('pendingKeys');
    this.imap = group('imap');
    this.handoff = group('handoff');
  }

  /** Starts the thread and waits until it has opened the store (migrations applied, or the open's error). */
  static async open(options: SqliteOptions): Promise<ThreadStore> {
    const store = new ThreadStore(options);
    store.worker = store.start();
    await store.worker;
    return store;
  }

  receive: IntakeStore['receive'] = async (...args) => ({ ...((await this.call('receive', args)) as ReceivedMessage), raw: args[0] });
  claimReceipts: IntakeStore['claimReceipts'] = (...args) => this.call('claimReceipts', args) as never;
  renewReceipts: IntakeStore['renewReceipts'] = (...args) => this.call('renewReceipts', args) as never;
  receiptFailed: IntakeStore['receiptFailed'] = (...args) => this.call('receiptFailed', args) as never;
  receiptDuplicate: IntakeStore['receiptDuplicate'] = (...args) => this.call('receiptDuplicate', args) as never;
  nextReceiptDue: IntakeStore['nextReceiptDue'] = () => this.call('nextReceiptDue', []) as never;
  pendingReceipts: IntakeStore['pendingReceipts'] = () => this.call('pendingReceipts', []) as never;
  placementOf: IntakeStore['placementOf'] = (...args) => this.call('placementOf', args) as never;
  place: IntakeStore['place'] = (...args) => this.call('place', args) as never;
  commit: IntakeStore['commit'] = (...args) => this.call('commit', args) as never;

  /** Group-commit effectiveness since open (benches): transactions, and jobs in them. */
  stats(): Promise<{ transactions: number; jobs: number }> {
    return this.request({ id: this.nextId++, method: '$stats' }) as never;
  }

  /** Finishes what is queued in the thread, closes both connections, ends the thread. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const worker = await this.worker?.catch(() => null);
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ close: true } satisfies StoreRequest);
    await exited;
  }

  private call(method: string, args: unknown[]): Promise<unknown> {
    return this.request({ id: this.nextId++, method, args });
  }

  private async request(call: StoreCall): Promise<unknown> {
    if (this.closed) throw temporary('store-closed', 'store is closed');
    this.worker ??= this.start();
    const worker = await this.worker;
    return new Promise((resolve, reject) => {
      this.calls.set(call.id, { resolve, reject });
      const packed = pack(call);
      if (this.outgoing?.worker === worker) {
        this.outgoing.calls.push(packed.value);
        this.outgoing.transfer.push(...packed.transfer);
        return;
      }
      const batch = { worker, calls: [packed.value], transfer: packed.transfer };
      this.outgoing = batch;
      // After every promise reaction of this turn: the calls they make travel together.
      process.nextTick(() => {
        if (this.outgoing === batch) this.outgoing = null;
        worker.postMessage({ calls: batch.calls } satisfies StoreRequest, batch.transfer);
      });
    });
  }

  private start(): Promise<Worker> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(workerScript(), { workerData: this.options, name: 'intake-store' });
      let ready = false;
      worker.on('message', (reply: StoreReply) => {
        if ('ready' in reply) {
          ready = true;
          resolve(worker);
        } else if ('openError' in reply) {
          reject(rebuildError(reply.openError));
        } else if ('answers' in reply) {
          for (const answer of reply.answers) {
            const call = this.calls.get(answer.id);
            this.calls.delete(answer.id);
            if ('error' in answer) call?.reject(rebuildError(answer.error));
            else call?.resolve(revive(answer.value));
          }
        }
      });
      const lost = (error: Error): void => {
        if (!ready) reject(error);
        this.worker = null;
        for (const call of this.calls.values()) call.reject(temporary('store-unavailable', `the store thread stopped: ${error.message}`, error));
        this.calls.clear();
      };
      worker.on('error', lost);
      worker.on('exit', (code) => lost(new Error(`store thread exited with code ${code}`)));
    });
  }
}

/** A group of the store's methods (`outbox`, `lookups` …) as calls to the thread. */
function remoteGroup(group: StoreGroup, call: (method: string, args: unknown[]) => Promise<unknown>): Record<string, (...args: unknown[]) => Promise<unknown>> {
  return Object.fromEntries(Object.keys(STORE_GROUPS[group]).map((name) => [name, (...args: unknown[]) => call(`${group}.${name}`, args)]));
}

/** The thread's errors as the in-thread store would throw them: kind and code kept, a newer schema refused as such. */
function rebuildError(e: SerializedError): Error {
  if (e.name === 'StoreVersionError' && e.found !== null) return new StoreVersionError(e.found);
  if (e.kind === 'permanent' || e.kind === 'temporary') return new IntakeError(e.kind, e.code ?? 'store-error', e.message);
  return Object.assign(new Error(e.message), { name: e.name, ...(e.code !== null ? { code: e.code } : {}), ...(e.errcode !== null ? { errcode: e.errcode } : {}) });
}

/**
 * The thread's entry beside this file: in the bundle (dist/intake, scripts/bundle.mjs)
 * and in tsc's output (dist/src/store) alike; from the TypeScript sources (tests), tsc's.
 */
function workerScript(): string {
  const here = fileURLToPath(import.meta.url);
  const sibling = path.join(path.dirname(here), 'store-worker-entry.js');
  if (existsSync(sibling)) return sibling;
  return path.resolve(path.dirname(here), '../../dist/src/store/store-worker-entry.js');
}
