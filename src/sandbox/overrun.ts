import { IntakeError } from '../model/errors.js';

/**
 * A message whose untrusted parsing went over its budget (DESIGN §10): the time of
 * `processing.timeoutSeconds`, or the worker's heap (`processing.workerMemoryMiB`). It is
 * permanent — the same bytes overrun again — so the message is recorded, not retried.
 */
export type OverrunLimit = 'time' | 'memory';

export class OverrunError extends IntakeError {
  readonly limit: OverrunLimit;
  readonly task: string;
  /** A task with parts (tasks.ts `read`): what the parts finished before the overrun found; null for none. */
  readonly partial: Record<string, unknown> | null;

  constructor(limit: OverrunLimit, task: string, message: string, partial: Record<string, unknown> | null = null) {
    super('permanent', 'overrun', message);
    this.name = 'OverrunError';
    this.limit = limit;
    this.task = task;
    this.partial = partial;
  }
}

/** `task`: the part that was running (parse-mime, open-openpgp, understand, compose). */
export function timeOverrun(task: string, budgetMs: number, partial: Record<string, unknown> | null = null): OverrunError {
  return new OverrunError('time', task, `${task} overran the processing time budget (processing.timeoutSeconds, ${Math.round(budgetMs / 100) / 10} s left for it)`, partial);
}

export function memoryOverrun(task: string, mib: number, partial: Record<string, unknown> | null = null): OverrunError {
  return new OverrunError('memory', task, `${task} overran the worker memory limit (processing.workerMemoryMiB, ${mib} MiB)`, partial);
}
