import { firstPart, type Sandbox } from './sandbox.js';
import { timeOverrun, type OverrunError } from './overrun.js';
import { runTask, type TaskContext, type TaskName } from './tasks.js';

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
      // A task with parts: the first part over the budget is the overrun; the parts before keep theirs.
      let partial: Record<string, unknown> | null = null;
      let running = firstPart(task);
      let over: OverrunError | null = null;
      const progress = (found: Record<string, unknown>, next: TaskName) => {
        if (over) return;
        if (performance.now() - started > budgetMs) over = timeOverrun(running, budgetMs, partial);
        else [partial, running] = [{ ...partial, ...found }, next];
      };
      const value = await runTask(task, input, context(), progress);
      const ms = performance.now() - started;
      if (over) throw over;
      if (ms > budgetMs) throw timeOverrun(running, budgetMs, partial);
      return { value, ms };
    },
    async reload() {},
    async close() {},
  };
}
