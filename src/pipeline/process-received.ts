import { initialDraft, type Draft, type ReceivedMessage } from '../model/draft.js';
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
    const { draft, timings } = await runPipeline(guardAbandoned(initialDraft(message), message, ctx), ctx);
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

/**
 * A message whose processing the process did not survive — `ABANDONED_LIMIT` times its
 * holder went away before finishing it (an abort the worker's limits could not catch:
 * V8 ends the whole process for some allocation shapes despite `resourceLimits`) — is not
 * parsed again: it is stored as `overrun` like a message over its budget (raw kept, ticket
 * flagged, an error line), so one message cannot keep a daemon in a restart loop.
 */
export const ABANDONED_LIMIT = 3;

function guardAbandoned(draft: Draft, message: ReceivedMessage, ctx: EffectContext): Draft {
  const abandoned = message.abandoned ?? 0;
  if (abandoned < ABANDONED_LIMIT) return draft;
  const error = `processing did not finish ${abandoned} times (the process stopped while parsing it); not parsed again`;
  ctx.logger.error({ receipt: message.receiptId, sha256: message.sha256, abandoned, limit: 'abandoned' }, 'message stopped its process repeatedly; stored unparsed as overrun');
  return { ...draft, workMs: ctx.config.processing.timeoutSeconds * 1000, parse: { status: 'overrun', error } };
}
