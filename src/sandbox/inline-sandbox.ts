import type { Sandbox } from './sandbox.js';
import { timeOverrun } from './overrun.js';
import { runTask, type TaskContext } from './tasks.js';

/**
 * `processing.workers: 0`: the tasks run in the calling thread. Nothing can stop a task
 * that hangs there, so this is for tests and debugging; a task that took longer than the
 * message's budget is still an overrun, so both modes give the same verdicts.
 */
export function inlineSandbox(context: () => TaskContext): Sandbox {
  return {
    async run(task, input, { budgetMs }) {
      if (budgetMs <= 0) throw timeOverrun(task, budgetMs);
      const started = performance.now();
      const value = await runTask(task, input, context());
      const ms = performance.now() - started;
      if (ms > budgetMs) throw timeOverrun(task, budgetMs);
      return { value, ms };
    },
    async reload() {},
    async close() {},
  };
}
