import type { Draft } from '../model/draft.js';
import { OverrunError } from '../sandbox/overrun.js';
import type { TaskInput, TaskName, TaskOutput } from '../sandbox/tasks.js';
import type { StageContext } from './stage.js';

/**
 * Runs one task on untrusted input in the sandbox, within what is left of the message's
 * work budget (`processing.timeoutSeconds`, counted over the time its own tasks ran, not
 * the time it waited for a worker). An overrun is a verdict, not an error: the message is
 * `parse.status: overrun`, later untrusted tasks are skipped, and it is archived and
 * ticketed like any other (raw kept, ticket flagged) — never retried (DESIGN §10).
 */
export async function untrusted<T extends TaskName>(
  draft: Draft,
  ctx: StageContext,
  task: T,
  input: TaskInput<T>,
  apply: (value: TaskOutput<T>) => Draft,
  /** A task with parts (`read`): what the parts before an overrun found, applied all the same. */
  applyPartial?: (partial: Partial<TaskOutput<T>>) => Draft,
): Promise<Draft> {
  if (draft.parse.status === 'overrun') return draft;
  const budgetMs = ctx.config.processing.timeoutSeconds * 1000 - draft.workMs;
  try {
    const { value, ms } = await ctx.sandbox.run(task, input, { budgetMs, label: draft.message.sha256 });
    return { ...apply(value), workMs: draft.workMs + ms };
  } catch (error) {
    if (!(error instanceof OverrunError)) throw error;
    const kept = error.partial && applyPartial ? applyPartial(error.partial as Partial<TaskOutput<T>>) : draft;
    return { ...kept, workMs: ctx.config.processing.timeoutSeconds * 1000, parse: { status: 'overrun', error: error.message } };
  }
}
