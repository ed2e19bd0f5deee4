import { initialDraft, type SpooledMessage } from '../model/draft.js';
import { asIntakeError } from '../model/errors.js';
import type { Outcome } from '../model/outcome.js';
import { withLock } from '../effects/locks.js';
import { escapeForLog } from '../log/escape.js';
import { reportLogFields } from '../log/report-line.js';
import { runPipeline } from './run-pipeline.js';
import type { EffectContext } from './stage.js';

/**
 * Takes one spooled message to its outcome: under a lock on its SHA-256, skip it if the
 * archive already holds these exact bytes (DESIGN §4: identical raw bytes are one
 * message), else run the pipeline and drop it from the spool. Any failure leaves it in
 * the spool for a retry; nothing is ever dropped on error.
 */
export async function processSpooled(message: SpooledMessage, ctx: EffectContext): Promise<Outcome> {
  const started = performance.now();
  const { archive, logger } = ctx;
  try {
    return await withLock(archive.layout.lockFile(`msg-${message.sha256}`), async () => {
      const claim = await archive.index.findSha(message.sha256);
      if (claim && (await archive.tickets.readMessage(claim.ticket, claim.seq))) {
        await archive.spool.remove(message.spoolId);
        logger.info(
          { ticket: claim.ticket, seq: claim.seq, sha256: message.sha256, transport: message.transport.kind },
          'duplicate message',
        );
        return { kind: 'archived', ticket: claim.ticket, seq: claim.seq, status: 'duplicate' };
      }
      const { draft, timings } = await runPipeline(initialDraft(message, claim), ctx);
      await archive.spool.remove(message.spoolId);
      const fields = { ...reportLogFields(draft, performance.now() - started), stages: timings };
      if (draft.urgent.flag) logger.warn(fields, 'report processed');
      else logger.info(fields, 'report processed');
      const placement = draft.placement!;
      return { kind: 'archived', ticket: placement.ticket, seq: placement.seq, status: placement.status };
    });
  } catch (caught) {
    const error = asIntakeError(caught);
    logger.error(
      { spoolId: message.spoolId, sha256: message.sha256, code: error.code, kind: error.kind, err: escapeForLog(error.message, 400) },
      'processing failed; message kept in the spool for retry',
    );
    return { kind: 'retry', error };
  }
}
