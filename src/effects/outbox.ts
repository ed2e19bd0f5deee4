import { mkdir, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { OutgoingKind, OutgoingMail } from '../model/outgoing-mail.js';
import { type ArchiveLayout, formatSeq } from './archive-layout.js';
import { listDirOrEmpty } from './archive-index.js';
import { fsyncDir, writeFileAtomic, writeJsonAtomic } from './atomic-file.js';

/**
 * Mail waiting to be delivered (DESIGN §4 `outbox/`). Each entry is two files named by
 * our own ids only — `<ticket>.<NNN>.<kind>.eml`, the message exactly as it will be
 * sent, and `<…>.json`, its envelope and delivery state — so an operator running with
 * `outbound.mode: outbox` can hand the .eml files to any MTA.
 *
 * An entry is keyed by ticket, sequence number and kind: a message retried after a
 * crash recomposes and overwrites its own entry instead of adding a second one. The
 * .eml is written first and the .json last, so a listed entry always has its message.
 */
export interface OutboxEntry {
  version: 1;
  key: string;
  kind: OutgoingKind;
  ticket: string;
  seq: number;
  /** SHA-256 of the acknowledged message: its lock and its identity. */
  sha256: string;
  recipient: string;
  messageId: string;
  encrypted: boolean;
  queuedAt: string;
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  /** Set the moment the relay accepted the message; finishing then never re-sends. */
  deliveredAt: string | null;
}

const KEY = /^[A-Za-z0-9][A-Za-z0-9-]{0,63}\.\d{3,9}\.(ack|on-duty)$/;

export function outboxKey(ticket: string, seq: number, kind: OutgoingKind): string {
  const key = `${ticket}.${formatSeq(seq)}.${kind}`;
  if (!KEY.test(key)) throw new Error('invalid outbox key');
  return key;
}

export class Outbox {
  readonly dir: string;

  constructor(layout: ArchiveLayout) {
    this.dir = layout.outboxDir;
  }

  get failedDir(): string {
    return path.join(this.dir, 'failed');
  }

  async put(mail: OutgoingMail, ids: { ticket: string; seq: number; sha256: string }, now: Date): Promise<OutboxEntry> {
    await mkdir(this.dir, { recursive: true });
    const key = outboxKey(ids.ticket, ids.seq, mail.kind);
    const entry: OutboxEntry = {
      version: 1,
      key,
      kind: mail.kind,
      ...ids,
      recipient: mail.recipient,
      messageId: mail.messageId,
      encrypted: mail.encrypted,
      queuedAt: now.toISOString(),
      attempts: 0,
      nextAttemptAt: now.toISOString(),
      lastError: null,
      deliveredAt: null,
    };
    await writeFileAtomic(this.file(key, 'eml'), mail.raw, { syncDir: false });
    await writeJsonAtomic(this.file(key, 'json'), entry);
    return entry;
  }

  /** Keys of the entries waiting, oldest ticket first. */
  async list(): Promise<string[]> {
    return (await listDirOrEmpty(this.dir))
      .filter((name) => name.endsWith('.json') && !name.startsWith('.'))
      .map((name) => name.slice(0, -'.json'.length))
      .filter((key) => KEY.test(key))
      .sort();
  }

  async read(key: string): Promise<{ entry: OutboxEntry; raw: Buffer } | null> {
    try {
      const entry = JSON.parse(await readFile(this.file(key, 'json'), 'utf8')) as OutboxEntry;
      return { entry, raw: await readFile(this.file(key, 'eml')) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async update(entry: OutboxEntry): Promise<void> {
    await writeJsonAtomic(this.file(entry.key, 'json'), entry);
  }

  /** Drops an entry (delivered, or no longer wanted); the .json goes first. */
  async remove(key: string): Promise<void> {
    const removed = (await unlinkIfPresent(this.file(key, 'json'))) || (await unlinkIfPresent(this.file(key, 'eml')));
    if (removed) await fsyncDir(this.dir);
  }

  /** Entries of one message whose kind is not in `keep` (a retry that now sends less). */
  async removeStale(ticket: string, seq: number, keep: readonly OutgoingKind[]): Promise<void> {
    for (const kind of ['ack', 'on-duty'] as const) {
      if (!keep.includes(kind)) await this.remove(outboxKey(ticket, seq, kind));
    }
  }

  /** Given up: kept under outbox/failed/ for the operator, out of the sender's way. */
  async moveToFailed(entry: OutboxEntry): Promise<void> {
    await mkdir(this.failedDir, { recursive: true });
    await writeJsonAtomic(path.join(this.failedDir, `${entry.key}.json`), entry, { syncDir: false });
    await rename(this.file(entry.key, 'eml'), path.join(this.failedDir, `${entry.key}.eml`)).catch(ignoreMissing);
    await fsyncDir(this.failedDir);
    await this.remove(entry.key);
  }

  private file(key: string, ext: 'eml' | 'json'): string {
    if (!KEY.test(key)) throw new Error('invalid outbox key');
    return path.join(this.dir, `${key}.${ext}`);
  }
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOENT') throw error;
}

/** True when the file was there. */
async function unlinkIfPresent(file: string): Promise<boolean> {
  try {
    await unlink(file);
    return true;
  } catch (error) {
    ignoreMissing(error as NodeJS.ErrnoException);
    return false;
  }
}
