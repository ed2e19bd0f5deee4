import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { buildMessageRecord, mergeTicket } from '../../model/build-records.js';
import type { Draft } from '../../model/draft.js';
import { writeFileAtomic } from '../../effects/atomic-file.js';
import { writeDerivedFiles, writeMessageRecord } from '../../effects/message-files.js';
import { messageIds, senderAddress } from './resolve-ticket.js';
import type { EffectContext } from '../stage.js';

/**
 * Writes the message into its reserved directory (DESIGN §4). message.json is written
 * last: its presence is what makes the message committed (dedup checks for it).
 * Attachments are stored under their SHA-256; the names the sender gave live only inside
 * message.json.
 */
export async function archiveMessage(draft: Draft, ctx: EffectContext): Promise<Draft> {
  const placement = draft.placement;
  if (!placement) throw new Error('archive-message runs after assign-ticket');
  const dir = placement.messageDir;
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(path.join(dir, 'raw.eml'), draft.message.raw, { syncDir: false });
  await writeDerivedFiles(draft, dir);
  const record = buildMessageRecord(draft);
  // Ticket and index first, message.json last: every step before the commit point is
  // idempotent, so a retry after a crash anywhere here converges on the same state.
  await ctx.archive.tickets.update(placement.ticket, (current) =>
    mergeTicket(current, record, senderAddress(draft), ctx.now()),
  );
  const ownId = messageIds(draft.headers.messageId ?? '')[0];
  if (ownId) await ctx.archive.index.addMessageId(ownId, placement.ticket);
  await writeMessageRecord(record, dir);
  return draft;
}
