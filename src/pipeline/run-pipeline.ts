import type { Draft } from '../model/draft.js';
import { temporary } from '../model/errors.js';
import { type EffectContext, type Step, effect, stage } from './stage.js';
import { archiveMessage } from './stages/archive-message.js';
import { assignTicket } from './stages/assign-ticket.js';
import { detectUrgency } from './stages/detect-urgency.js';
import { parseMime } from './stages/parse-mime.js';
import { resolveTicket } from './stages/resolve-ticket.js';

/**
 * The one place the processing order is written (DESIGN §5). Stages are pure or
 * CPU-only and return a new Draft; effects write to the archive. Deduplication runs
 * before this list (process-spooled.ts), under the message's lock.
 */
export const STEPS: readonly Step[] = [
  stage('parse-mime', parseMime),
  stage('detect-urgency', detectUrgency),
  stage('resolve-ticket', resolveTicket),
  effect('assign-ticket', assignTicket),
  effect('archive-message', archiveMessage),
];

export interface StepTiming {
  stage: string;
  ms: number;
}

export async function runPipeline(
  initial: Draft,
  ctx: EffectContext,
  steps: readonly Step[] = STEPS,
): Promise<{ draft: Draft; timings: StepTiming[] }> {
  let draft = initial;
  const timings: StepTiming[] = [];
  const deadline = Date.now() + ctx.config.processing.timeoutSeconds * 1000;
  for (const step of steps) {
    const started = performance.now();
    draft = await withDeadline(step.name, deadline, Promise.resolve(step.run(draft, ctx)));
    timings.push({ stage: step.name, ms: Math.round((performance.now() - started) * 10) / 10 });
  }
  return { draft, timings };
}

/** A step that outlives the message's time budget fails temporarily: keep, retry later. */
async function withDeadline<T>(name: string, deadline: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(temporary('stage-timeout', `stage ${name} exceeded the processing time budget`)),
      Math.max(0, deadline - Date.now()),
    );
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
