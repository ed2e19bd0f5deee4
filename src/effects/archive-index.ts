import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { TicketClaim } from '../model/draft.js';
import type { ArchiveLayout } from './archive-layout.js';
import { writeFileExclusive, writeJsonAtomic } from './atomic-file.js';
import { readJsonOrNull } from './read-files.js';

export { listDirOrEmpty } from './read-files.js';

/**
 * Lookup tables over the archive, one small file per key, so that dedup and threading
 * never scan every ticket:
 *   index/sha256/<hh>/<sha256>.json       raw-message digest → {ticket, seq}
 *   index/message-id/<hh>/<sha256>.json   Message-ID (ours and theirs) → {ticket}
 * The sha256 entry is written *before* the message files, as a claim: if the process dies
 * half-way, the retry finds the claim and finishes the same ticket/seq instead of
 * opening a second ticket. Everything here can be rebuilt from tickets/ (`rebuild`).
 */
export type ShaEntry = TicketClaim;

/** The first committed-or-claimed message carrying a ciphertext (by its raw SHA-256). */
export interface CiphertextEntry {
  ticket: string;
  seq: number;
  sha256: string;
}

export class ArchiveIndex {
  private readonly layout: ArchiveLayout;

  constructor(layout: ArchiveLayout) {
    this.layout = layout;
  }

  async findSha(sha256: string): Promise<ShaEntry | null> {
    return readJsonOrNull<ShaEntry>(this.layout.shaIndexFile(sha256));
  }

  async claimSha(sha256: string, entry: ShaEntry): Promise<void> {
    const file = this.layout.shaIndexFile(sha256);
    await mkdir(path.dirname(file), { recursive: true });
    await writeJsonAtomic(file, entry);
  }

  async findMessageId(messageId: string): Promise<string | null> {
    const key = normalizeMessageId(messageId);
    if (!key) return null;
    return (await readJsonOrNull<{ ticket: string }>(this.layout.messageIdIndexFile(key)))?.ticket ?? null;
  }

  /** First writer wins: a later message reusing a Message-ID cannot move the mapping. */
  async addMessageId(messageId: string, ticket: string): Promise<void> {
    const key = normalizeMessageId(messageId);
    if (!key) return;
    await writeFileExclusive(this.layout.messageIdIndexFile(key), `${JSON.stringify({ ticket })}\n`);
  }

  async findCiphertext(digest: string): Promise<CiphertextEntry | null> {
    return readJsonOrNull<CiphertextEntry>(this.layout.ciphertextIndexFile(digest));
  }

  /** First writer wins: a replay can never take over the original's entry. */
  async addCiphertext(digest: string, entry: CiphertextEntry): Promise<void> {
    await writeFileExclusive(this.layout.ciphertextIndexFile(digest), `${JSON.stringify(entry)}\n`);
  }
}

/** `<id@host>` → `id@host`; null for anything that is not a plausible msg-id. */
export function normalizeMessageId(value: string): string | null {
  const trimmed = value.trim().replace(/^<|>$/g, '').trim();
  if (trimmed.length === 0 || trimmed.length > 998 || /[\s<>]/.test(trimmed)) return null;
  return trimmed;
}


