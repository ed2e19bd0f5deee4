import { initialDraft, type ReceivedMessage } from '../model/draft.js';
import { asIntakeError } from '../model/errors.js';
import type { Outcome } from '../model/outcome.js';
import { escapeForLog } from '../log/escape.js';
import { reportLogFields } from '../log/report-line.js';
import { AlreadyStored } from './already-stored.js';
import { runPipeline } from './run-pipeline.js';
import type { EffectContext } from './stage.js';

/**
 * Takes one received message to its outcome. Bytes the store already holds as a
 * committed message are a duplicate (DESIGN §4) and cost no work; otherwise the pipeline
 * runs, and its commit marks the receipt done. Any failure leaves the receipt pending —
 * the raw bytes are stored — and the caller schedules a retry: nothing is dropped on error.
 */
export async function processReceived(message: ReceivedMessage, ctx: EffectContext): Promise<Outcome> {
  const started = performance.now();
  const { logger } = ctx;
  try {
    const known = await ctx.store.placementOf(message.sha256);
    if (known?.committed) {
      await ctx.store.receiptDuplicate(message.receiptId, message.sha256);
      return duplicate(message, known, ctx);
    }
    const { draft, timings } = await runPipeline(initialDraft(message), ctx);
    const fields = { ...reportLogFields(draft, performance.now() - started, ctx.config.limits.logListEntries), stages: timings };
    if (draft.urgent.flag) logger.warn(fields, 'report processed');
    else logger.info(fields, 'report processed');
    ctx.events.reportProcessed(fields);
    const placement = draft.placement!;
    return { kind: 'archived', ticket: placement.ticket, seq: placement.seq, status: placement.status };
  } catch (caught) {
    if (caught instanceof AlreadyStored) return duplicate(message, caught, ctx);
    const error = asIntakeError(caught);
    logger.error(
      { receipt: message.receiptId, sha256: message.sha256, code: error.code, kind: error.kind, err: escapeForLog(error.message, 400) },
      'processing failed; message kept in the store for retry',
    );
    return { kind: 'retry', error };
  }
}

function duplicate(message: ReceivedMessage, at: { ticket: string; seq: number }, ctx: EffectContext): Outcome {
  ctx.logger.info({ ticket: at.ticket, seq: at.seq, sha256: message.sha256, transport: message.transport.kind }, 'duplicate message');
  return { kind: 'archived', ticket: at.ticket, seq: at.seq, status: 'duplicate' };
}
