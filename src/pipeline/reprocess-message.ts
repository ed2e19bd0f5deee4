import { initialDraft, type Draft } from '../model/draft.js';
import type { MessageRecord } from '../model/message-record.js';
import { runPipeline, STEPS } from './run-pipeline.js';
import type { EffectContext, Step } from './stage.js';
import { commitRequestOf } from './stages/commit-message.js';

/**
 * Stages that decide where a message goes and whether it is answered: a reprocessed
 * message keeps its ticket, threading and acknowledgement, so they are not re-run. Every
 * other *stage* of STEPS is (decryption, verification, parsing, and whatever understands
 * the report), taken from the one list so the two can never drift apart; no effect is —
 * the one commit at the end is the pipeline's own (`mode: 'reprocess'`).
 */
const KEEP_FROM_RECORD = new Set(['resolve-ticket', 'screen-auto-generated', 'compose-ack']);

export const REPROCESS_STEPS: readonly Step[] = STEPS.filter((step) => step.kind === 'stage' && !KEEP_FROM_RECORD.has(step.name));

/** Verdict fields compared before and after; statuses are enums, safe to log. */
const VERDICTS = ['headers', 'from', 'parse', 'encryption', 'signature', 'urgent', 'form', 'classification', 'indicators', 'tlp', 'priority', 'attachments'] as const;

export interface ReprocessResult {
  ticket: string;
  seq: number;
  /** Names of the verdicts that changed, with `old→new` for the status-like ones. */
  changed: string[];
}

/**
 * Re-judges one stored message from its raw bytes (never modified): new verdicts replace
 * the old record, decrypted payload and attachments; ticket, seq, threading, ack,
 * transport and receivedAt stay as they were (the store's commit keeps the `ack` as it
 * is stored at that moment, so a delivery recorded meanwhile is never lost).
 */
export async function reprocessMessage(ticket: string, seq: number, ctx: EffectContext): Promise<ReprocessResult | null> {
  const stored = await ctx.store.tickets.message(ticket, seq);
  if (!stored) return null;
  const old = stored.record;
  const raw = await ctx.store.tickets.raw(old.sha256);
  if (!raw) throw new Error(`raw bytes of ${ticket}/${seq} are missing from the store`);
  const message = { receiptId: 'reprocess', raw, sha256: old.sha256, receivedAt: new Date(old.receivedAt), transport: old.transport };
  const start: Draft = { ...initialDraft(message), threading: { ...old.threading, ticket }, ack: old.ack };
  const { draft } = await runPipeline(start, ctx, REPROCESS_STEPS);
  const placed: Draft = { ...draft, placement: { ticket, seq, status: old.threading.kind === 'new' ? 'new' : 'followup' } };
  const request = commitRequestOf(placed, ctx, 'reprocess');
  const record: MessageRecord = { ...request.record, threading: old.threading, ack: old.ack, transport: old.transport, receivedAt: old.receivedAt };
  // The fold (commitRequestOf, mode reprocess) reads the reporter's key again from the first message's signer.
  await ctx.store.commit({ ...request, record });
  return { ticket, seq, changed: changes(old, record) };
}

function changes(before: MessageRecord, after: MessageRecord): string[] {
  const changed: string[] = [];
  for (const key of VERDICTS) {
    if (JSON.stringify(before[key]) === JSON.stringify(after[key])) continue;
    const status = (value: unknown) => (value && typeof value === 'object' && 'status' in value ? String((value as { status: unknown }).status) : null);
    const from = status(before[key]);
    const to = status(after[key]);
    changed.push(from !== null && to !== null && from !== to ? `${key}:${from}→${to}` : key);
  }
  return changed;
}
