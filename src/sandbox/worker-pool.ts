import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { IntakeError, temporary } from '../model/errors.js';
import { memoryOverrun, timeOverrun } from './overrun.js';
import { pack, revive } from '../threads/wire.js';
import { firstPart, type RunOptions, type Sandbox, type SandboxRun } from './sandbox.js';
import type { SandboxInit, TaskReply, WorkerReady } from './sandbox-worker.js';
import type { JudgedTeamKey } from '../keys/judge-team-key.js';
import type { TaskInput, TaskName } from './tasks.js';
import type { IntakeEvents } from '../model/intake-events.js';

/**
 * Sandbox worker threads, one task at a time each, so that stopping one stops only the
 * message it was working on. A task that outlives its budget has its worker terminated
 * (V8 stops it even inside a regular expression or a tight loop) and a fresh worker takes
 * its place; a worker that hits its heap limit (`resourceLimits`) dies the same way. Both
 * are the message's overrun. Tasks wait in a queue for a free worker; the wait is not
 * counted against their budget. Workers start at once, without being awaited, so a
 * one-shot command overlaps their start-up with its own.
 */
export interface PoolOptions {
  size: number;
  init: SandboxInit;
  memoryMiB: number;
  logger: Logger;
  /** Told of each worker replaced after it died or overran, and of each overrun (GET /metrics). */
  events?: Pick<IntakeEvents, 'workerRestarted' | 'budgetOverrun'>;
}

/** The pool, and the team key as its first worker read and judged it. */
export interface WorkerSandbox extends Sandbox {
  /** Rejects when no worker could start (the key unreadable, the passphrase wrong). */
  teamKey(): Promise<JudgedTeamKey>;
}

interface Job {
  id: number;
  task: TaskName;
  input: unknown;
  options: RunOptions;
  /** A task with parts: what its finished parts sent, and the part running now. */
  partial: Record<string, unknown> | null;
  running: TaskName;
  resolve(run: SandboxRun<TaskName>): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  job: Job | null;
  startedAt: number;
  timer: NodeJS.Timeout | null;
  stale: boolean;
}

export function startWorkerPool({ size, init, memoryMiB, logger, events }: PoolOptions): WorkerSandbox {
  const queue: Job[] = [];
  const slots = new Set<Slot>();
  let nextId = 0;
  let closing = false;
  let idleWaiters: Array<() => void> = [];
  let teamKnown: { resolve(team: JudgedTeamKey): void; reject(error: Error): void };
  const teamKey = new Promise<JudgedTeamKey>((resolve, reject) => (teamKnown = { resolve, reject }));
  // Asked for only by one-shot commands: unobserved, a failed start must not be an unhandled rejection.
  teamKey.catch(() => undefined);

  /** A replacement warms its parsers up before taking a task; the first workers do not (start-up cost). */
  const spawn = (replacement = false): void => {
    const workerData: SandboxInit = { ...init, warmUp: replacement };
    const worker = new Worker(workerScript(), { workerData, name: 'intake-sandbox', resourceLimits: { maxOldGenerationSizeMb: memoryMiB } });
    const slot: Slot = { worker, ready: false, job: null, startedAt: 0, timer: null, stale: false };
    slots.add(slot);
    worker.on('message', (message: WorkerReady | TaskReply) => {
      if ('ready' in message) {
        slot.ready = true;
        teamKnown.resolve(message.team);
        return dispatch();
      }
      if ('partial' in message) return progress(slot, message);
      finish(slot, message as TaskReply);
    });
    worker.on('error', (error: Error & { code?: string }) => lost(slot, error));
    worker.on('exit', (code) => lost(slot, Object.assign(new Error(`sandbox worker exited with code ${code}`), { code: 'EXIT' })));
  };

  const dispatch = (): void => {
    for (const slot of slots) {
      if (!slot.ready || slot.job || slot.stale) continue;
      const job = queue.shift();
      if (!job) break;
      slot.job = job;
      slot.startedAt = performance.now();
      slot.timer = setTimeout(() => overrun(slot), Math.max(0, job.options.budgetMs));
      const { value: input, transfer } = pack(job.input);
      slot.worker.postMessage({ id: job.id, task: job.task, input }, transfer);
    }
    if (queue.length === 0 && [...slots].every((s) => !s.job)) for (const wake of idleWaiters.splice(0)) wake();
  };

  const release = (slot: Slot): Job | null => {
    const job = slot.job;
    if (slot.timer) clearTimeout(slot.timer);
    slot.job = null;
    slot.timer = null;
    return job;
  };

  /** Ends a worker and, unless closing, starts its replacement. */
  const replace = (slot: Slot): void => {
    slots.delete(slot);
    slot.worker.removeAllListeners();
    slot.worker.on('error', () => undefined);
    void slot.worker.terminate();
    if (!closing) spawn(true);
  };

  const progress = (slot: Slot, reply: Extract<TaskReply, { partial: unknown }>): void => {
    const job = slot.job;
    if (!job || job.id !== reply.id) return;
    job.partial = { ...job.partial, ...(revive(reply.partial) as Record<string, unknown>) };
    job.running = reply.next;
  };

  const finish = (slot: Slot, reply: TaskReply): void => {
    const ms = performance.now() - slot.startedAt;
    const job = release(slot);
    if (job && 'value' in reply) job.resolve({ value: merged(job.partial, revive(reply.value)) as never, ms });
    else if (job && 'error' in reply) job.reject(new IntakeError(reply.error.kind === 'permanent' ? 'permanent' : 'temporary', reply.error.code ?? 'sandbox-task-failed', reply.error.message));
    if (slot.stale) replace(slot);
    dispatch();
  };

  const overrun = (slot: Slot): void => {
    const job = release(slot);
    if (!job) return;
    logger.error({ sha256: job.options.label, task: job.running, limit: 'time', budgetMs: Math.round(job.options.budgetMs) }, 'message overran its processing budget; sandbox worker terminated and replaced');
    job.reject(timeOverrun(job.running, job.options.budgetMs, job.partial));
    events?.budgetOverrun('time');
    events?.workerRestarted();
    replace(slot);
    dispatch();
  };

  const lost = (slot: Slot, error: Error & { code?: string }): void => {
    if (!slots.has(slot)) return;
    const job = release(slot);
    if (job && error.code === 'ERR_WORKER_OUT_OF_MEMORY') {
      logger.error({ sha256: job.options.label, task: job.running, limit: 'memory', memoryMiB }, 'message overran the worker memory limit; sandbox worker replaced');
      job.reject(memoryOverrun(job.running, memoryMiB, job.partial));
      events?.budgetOverrun('memory');
    } else {
      logger.error({ code: error.code ?? null, err: error.message, task: job?.task ?? null }, 'sandbox worker failed; replaced');
      job?.reject(temporary('sandbox-worker-failed', error.message, error));
      if (!slot.ready) return failStart(slot, error);
    }
    events?.workerRestarted();
    replace(slot);
    dispatch();
  };

  /** A worker that cannot even start (keys unreadable): queued tasks fail now, and start-up is retried on the next task. */
  const failStart = (slot: Slot, error: Error): void => {
    slots.delete(slot);
    teamKnown.reject(temporary('sandbox-unavailable', `no sandbox worker could start: ${error.message}`, error));
    for (const job of queue.splice(0)) job.reject(temporary('sandbox-unavailable', `no sandbox worker could start: ${error.message}`, error));
  };

  for (let i = 0; i < size; i++) spawn();

  return {
    teamKey: () => teamKey,
    run<T extends TaskName>(task: T, input: TaskInput<T>, options: RunOptions): Promise<SandboxRun<T>> {
      if (closing) return Promise.reject(temporary('shutting-down', 'the sandbox is closing'));
      if (options.budgetMs <= 0) return Promise.reject(timeOverrun(task, options.budgetMs));
      while (slots.size < size) spawn(true);
      return new Promise((resolve, reject) => {
        queue.push({ id: nextId++, task, input, options, partial: null, running: firstPart(task), resolve: resolve as Job['resolve'], reject });
        dispatch();
      });
    },
    async reload() {
      for (const slot of [...slots]) {
        slot.stale = true;
        if (!slot.job) replace(slot);
      }
    },
    async close(graceMs) {
      closing = true;
      const idle = new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        dispatch();
      });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([idle, new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, graceMs))))]);
      clearTimeout(timer);
      idleWaiters = [];
      for (const job of queue.splice(0)) job.reject(temporary('shutting-down', 'the sandbox closed before this task ran'));
      await Promise.all(
        [...slots].map(async (slot) => {
          release(slot)?.reject(temporary('shutting-down', 'the sandbox closed while this task ran'));
          slots.delete(slot);
          slot.worker.removeAllListeners();
          slot.worker.on('error', () => undefined);
          await slot.worker.terminate();
        }),
      );
    },
  };
}

/** The value of a task with parts: what its parts sent as they finished, and the rest. */
function merged(partial: Record<string, unknown> | null, value: unknown): unknown {
  return partial && value !== null && typeof value === 'object' ? { ...partial, ...value } : value;
}

/**
 * The worker's entry beside this file: in the bundle (dist/intake, scripts/bundle.mjs) and
 * in tsc's output (dist/src/sandbox) alike; from the TypeScript sources (tests), tsc's.
 */
function workerScript(): string {
  const here = fileURLToPath(import.meta.url);
  const sibling = path.join(path.dirname(here), 'worker-entry.js');
  if (existsSync(sibling)) return sibling;
  return path.resolve(path.dirname(here), '../../dist/src/sandbox/worker-entry.js');
}
