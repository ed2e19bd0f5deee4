import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fsyncDir, writeFileAtomic } from '../fs/atomic-file.js';
import type { DeliverEntry } from './outbox-sender.js';

/**
 * `outbound.mode: outbox`: each acknowledgement (and operator reply) is written once, fsync'd, as
 * `<archive.dir>/outbox/<ID>.<NNN>.<kind>.eml` (NNN: the message answered, or the reply's number) — a pickup directory another mailer can
 * send from. The name is the outbox key (our ticket id, seq and kind only; never message
 * text), so writing it again after a crash replaces the same file. A write counts as
 * delivered only once the directory entry is durable too; files written at the same time
 * share one directory fsync.
 */
const KEY = /^[A-Za-z0-9][A-Za-z0-9-]{0,63}\.\d{3,9}\.(ack|on-duty|reply)$/;

export function pickupDirectory(archiveDir: string): DeliverEntry {
  const dir = path.join(archiveDir, 'outbox');
  const syncDir = coalesced(() => fsyncDir(dir));
  return async (raw, entry) => {
    if (!KEY.test(entry.key)) return { kind: 'permanent', error: 'invalid outbox key', connection: false };
    try {
      await mkdir(dir, { recursive: true, mode: 0o750 });
      await writeFileAtomic(path.join(dir, `${entry.key}.eml`), raw, { mode: 0o640, syncDir: false });
      await syncDir();
      return { kind: 'delivered', response: 'written to the pickup directory' };
    } catch (error) {
      return { kind: 'temporary', error: `pickup directory: ${(error as Error).message}`, connection: true };
    }
  };
}

/**
 * Callers share a run of `work`: one that arrives while a run is in progress waits for the
 * next run (which starts after its own write, so it covers it).
 */
function coalesced(work: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  let queued: Promise<void> | null = null;
  const start = (): Promise<void> => {
    running = work().finally(() => {
      running = null;
    });
    return running;
  };
  return () => {
    if (!running) return start();
    queued ??= running.catch(() => undefined).then(() => {
      queued = null;
      return start();
    });
    return queued;
  };
}
