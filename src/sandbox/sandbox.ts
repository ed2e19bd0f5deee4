import type { TaskInput, TaskName, TaskOutput } from './tasks.js';

/**
 * Where untrusted bytes are parsed (DESIGN §10): MIME, OpenPGP and report understanding
 * run here, each call within the time the message has left. `worker-pool.ts` runs them
 * in worker threads that are terminated and replaced when a message overruns;
 * `inline-sandbox.ts` runs them in the calling thread (`processing.workers: 0`, where
 * an overrun can only be seen after the fact).
 */
export interface SandboxRun<T extends TaskName> {
  value: TaskOutput<T>;
  /** Time the task took, counted against the message's budget. */
  ms: number;
}

export interface RunOptions {
  /** What is left of the message's budget; at or below zero the task does not start. */
  budgetMs: number;
  /** The message, for the operator's log line (its SHA-256). */
  label: string;
}

export interface Sandbox {
  /** Rejects with OverrunError (permanent) on an overrun, a temporary IntakeError otherwise. */
  run<T extends TaskName>(task: T, input: TaskInput<T>, options: RunOptions): Promise<SandboxRun<T>>;
  /** Workers read the keys again (new workers; busy ones once their task is done). */
  reload(): Promise<void>;
  /** Lets running tasks finish for up to `graceMs`, then ends the workers; what is left fails temporarily. */
  close(graceMs: number): Promise<void>;
}

/** The part a task starts with: `read` (tasks.ts) is parse-mime, open-openpgp, understand in turn. */
export function firstPart(task: TaskName): TaskName {
  return task === 'read' ? 'parse-mime' : task;
}
