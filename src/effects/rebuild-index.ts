import { readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { readHeaders, firstHeader } from '../model/raw-headers.js';
import { messageIds } from '../pipeline/stages/resolve-ticket.js';
import type { Archive } from './archive.js';
import { ArchiveIndex, listDirOrEmpty } from './archive-index.js';
import { ArchiveLayout } from './archive-layout.js';

/**
 * Recreates index/ from tickets/ (the archive is the source of truth): every committed
 * message's SHA-256, Message-ID and ciphertext digests, and the Message-IDs of the acks
 * we sent. Built beside
 * the live index and swapped in with renames. Run it with `intake serve` stopped.
 */
export async function rebuildIndex(archive: Archive): Promise<{ tickets: number; messages: number; messageIds: number }> {
  const staging = new ArchiveLayout(path.join(archive.layout.root, '.index-rebuild'));
  await rm(staging.root, { recursive: true, force: true });
  const index = new ArchiveIndex(staging);
  const counts = { tickets: 0, messages: 0, messageIds: 0 };
  for (const ticket of await archive.tickets.listIds()) {
    counts.tickets++;
    for (const seq of await archive.tickets.messageSeqs(ticket)) {
      const record = await archive.tickets.readMessage(ticket, seq);
      if (!record) continue;
      counts.messages++;
      const status = record.threading.kind === 'new' ? 'new' : 'followup';
      await index.claimSha(record.sha256, { ticket, seq, status, threading: record.threading });
      // In ticket/seq order, so the first carrier of a ciphertext keeps the entry.
      for (const part of record.encryption.parts ?? []) {
        if (part.sha256) await index.addCiphertext(part.sha256, { ticket, seq, sha256: record.sha256 });
      }
      const id = messageIds(record.headers.messageId ?? '')[0];
      if (id) {
        await index.addMessageId(id, ticket);
        counts.messageIds++;
      }
    }
    const acksDir = archive.layout.acksDir(ticket);
    // Acks still waiting in the outbox (outbound.mode: outbox keeps them there) count too.
    for (const key of (await archive.outbox.list()).filter((k) => k.startsWith(`${ticket}.`))) {
      const pending = await archive.outbox.read(key);
      if (pending) {
        await index.addMessageId(pending.entry.messageId, ticket);
        counts.messageIds++;
      }
    }
    for (const name of (await listDirOrEmpty(acksDir)).filter((n) => n.endsWith('.eml'))) {
      const id = messageIds(firstHeader(readHeaders(await readFile(path.join(acksDir, name))), 'message-id') ?? '')[0];
      if (id) {
        await index.addMessageId(id, ticket);
        counts.messageIds++;
      }
    }
  }
  const live = archive.layout.indexDir;
  const old = `${live}.old`;
  await rm(old, { recursive: true, force: true });
  await rename(live, old).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
  await rename(staging.indexDir, live);
  await rm(old, { recursive: true, force: true });
  await rm(staging.root, { recursive: true, force: true });
  return counts;
}
