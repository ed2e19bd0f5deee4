import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Draft } from '../model/draft.js';
import type { MessageRecord } from '../model/message-record.js';
import { fsyncDir, writeFileAtomic, writeJsonAtomic } from './atomic-file.js';

/**
 * The files of one message directory besides raw.eml: decrypted.eml, the attachments
 * under their SHA-256, and message.json. Shared by the pipeline's archive step and by
 * `intake reprocess`, so both store the same files with the same modes.
 */

/**
 * Whatever came out of a decryption is plaintext the sender meant only for us: the
 * decrypted MIME, its attachments and the answers in message.json stay owner-only.
 */
export function messageFileMode(encryption: Draft['encryption']['status']): number {
  return encryption === 'decrypted' ? 0o600 : 0o640;
}

export async function writeDerivedFiles(draft: Draft, dir: string): Promise<void> {
  const mode = messageFileMode(draft.encryption.status);
  if (draft.decrypted) {
    await writeFileAtomic(path.join(dir, 'decrypted.eml'), draft.decrypted, { mode: 0o600, syncDir: false });
  }
  if (draft.body.attachments.length === 0) return;
  const attachmentsDir = path.join(dir, 'attachments');
  await mkdir(attachmentsDir, { recursive: true });
  const stored = new Set<string>();
  for (const attachment of draft.body.attachments) {
    if (stored.has(attachment.sha256)) continue;
    stored.add(attachment.sha256);
    await writeFileAtomic(path.join(attachmentsDir, attachment.sha256), attachment.content, { mode, syncDir: false });
  }
  await fsyncDir(attachmentsDir);
}

/** message.json: written last, its presence commits the message (dedup checks for it). */
export async function writeMessageRecord(record: MessageRecord, dir: string): Promise<void> {
  await writeJsonAtomic(path.join(dir, 'message.json'), record, { mode: messageFileMode(record.encryption.status) });
}
