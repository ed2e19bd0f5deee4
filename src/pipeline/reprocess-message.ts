import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { buildMessageRecord, mergeTicket, reporterFingerprint } from '../model/build-records.js';
import { initialDraft, type Draft } from '../model/draft.js';
import type { MessageRecord } from '../model/message-record.js';
import { writeDerivedFiles, writeMessageRecord } from '../effects/message-files.js';
import { withLock } from '../effects/locks.js';
import { runPipeline, STEPS } from './run-pipeline.js';
import type { EffectContext, Step } from './stage.js';
import { senderAddress } from './stages/resolve-ticket.js';

/**
 * Stages that decide where a message goes and whether it is answered: a reprocessed
 * message keeps its ticket, threading and acknowledgement, so they are not re-run. Every
 * other *stage* of STEPS is (decryption, verification, parsing, and whatever understands
 * the report), taken from the one list so the two can never drift apart; no effect is.
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
 * Re-judges one archived message from its raw.eml (never modified) under the message's
 * lock: new verdicts replace the old in message.json, decrypted.eml and attachments are
 * written again, ticket/seq/threading/ack/transport/receivedAt stay as they were.
 */
export async function reprocessMessage(ticket: string, seq: number, ctx: EffectContext): Promise<ReprocessResult | null> {
  const { archive } = ctx;
  const dir = archive.layout.messageDir(ticket, seq);
  const sha256 = (await archive.tickets.readMessage(ticket, seq))?.sha256;
  if (!sha256) return null;
  return withLock(archive.layout.lockFile(`msg-${sha256}`), async () => {
    // Read again under the lock: the outbox sender records a delivered ack in
    // message.json under this same lock, and that record must not be overwritten.
    const old = (await archive.tickets.readMessage(ticket, seq))!;
    const raw = await readFile(path.join(dir, 'raw.eml'));
    const message = { spoolId: 'reprocess', raw, sha256: old.sha256, receivedAt: new Date(old.receivedAt), transport: old.transport };
    const start: Draft = {
      ...initialDraft(message, null),
      threading: { ...old.threading, ticket },
      ack: old.ack,
    };
    const { draft } = await runPipeline(start, ctx, REPROCESS_STEPS);
    const placed = { ...draft, placement: { ticket, seq, status: old.threading.kind === 'new' ? ('new' as const) : ('followup' as const), messageDir: dir } };
    const record: MessageRecord = { ...buildMessageRecord(placed), threading: old.threading, ack: old.ack, transport: old.transport, receivedAt: old.receivedAt };
    await writeDerivedFiles(placed, dir);
    for (const part of record.encryption.parts ?? []) {
      if (part.sha256) await archive.index.addCiphertext(part.sha256, { ticket, seq, sha256: old.sha256 });
    }
    await archive.tickets.update(ticket, (current) => {
      const merged = mergeTicket(current, record, senderAddress(placed), ctx.now());
      // The reporter's key is the first message's signer: a key imported since can name it.
      const first = Math.min(...merged.messages.map((m) => m.seq));
      return seq === first ? { ...merged, reporter: { ...merged.reporter, fingerprint: reporterFingerprint(record) } } : merged;
    });
    await writeMessageRecord(record, dir);
    return { ticket, seq, changed: changes(old, record) };
  });
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
