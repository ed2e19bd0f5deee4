import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { buildMessageRecord, mergeTicket } from '../../model/build-records.js';
import type { Draft } from '../../model/draft.js';
import { fsyncDir, writeFileAtomic, writeJsonAtomic } from '../../effects/atomic-file.js';
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
  // Whatever came out of a decryption is plaintext the sender meant only for us: the
  // decrypted MIME, its attachments and the answers in message.json stay owner-only.
  const privateMode = draft.encryption.status === 'decrypted' ? 0o600 : 0o640;

  await writeFileAtomic(path.join(dir, 'raw.eml'), draft.message.raw, { syncDir: false });
  if (draft.decrypted) {
    await writeFileAtomic(path.join(dir, 'decrypted.eml'), draft.decrypted, { mode: 0o600, syncDir: false });
  }
  if (draft.body.attachments.length > 0) {
    const attachmentsDir = path.join(dir, 'attachments');
    await mkdir(attachmentsDir, { recursive: true });
    const stored = new Set<string>();
    for (const attachment of draft.body.attachments) {
      if (stored.has(attachment.sha256)) continue;
      stored.add(attachment.sha256);
      await writeFileAtomic(path.join(attachmentsDir, attachment.sha256), attachment.content, {
        mode: privateMode,
        syncDir: false,
      });
    }
    await fsyncDir(attachmentsDir);
  }
  const record = buildMessageRecord(draft);
  // Ticket and index first, message.json last: every step before the commit point is
  // idempotent, so a retry after a crash anywhere here converges on the same state.
  await ctx.archive.tickets.update(placement.ticket, (current) =>
    mergeTicket(current, record, senderAddress(draft), ctx.now()),
  );
  const ownId = messageIds(draft.headers.messageId ?? '')[0];
  if (ownId) await ctx.archive.index.addMessageId(ownId, placement.ticket);
  await writeJsonAtomic(path.join(dir, 'message.json'), record, { mode: privateMode });
  return draft;
}
