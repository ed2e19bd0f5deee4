import { access, mkdir, open, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { normalizeAddress } from '../model/strict-mailbox.js';
import type { ArchiveLayout } from './archive-layout.js';
import { listDirOrEmpty } from './read-files.js';
import { sha256Hex } from './spool.js';
import { zonedFields } from '../model/zoned-time.js';

/**
 * The per-sender daily limit on automatic responses (RFC 3834 §6: "limit the number of
 * responses sent to any individual per period of time"). Under
 * state/ack-rate/<YYYY-MM-DD>/<sha256 of the normalised sender>/ (never the address
 * itself in a path) each granted response is one slot file `1` … `max`, created with
 * O_EXCL: the file system decides who gets the last slot, so `intake serve` and any
 * number of `intake ingest` processes share one count without a lock, and it survives
 * restarts. A slot file holds the message (ticket/seq) that took it, and a marker
 * `m-<sha256 of that key>` beside it lets a message retried after a crash find its own
 * slot with one lookup instead of taking a second one. (Two attempts at the same message
 * never run at once: processing holds the message's lock.) Taking a slot costs one
 * directory listing and one exclusive create, however high the limit.
 *
 * Slots are not fsync'd: they are a limit, not evidence. A power cut may forget the
 * last few, which can only mean a few more responses that day, never a lost message.
 */
const KEEP_DAYS = 3;

export class AckRateLimit {
  private readonly layout: ArchiveLayout;

  constructor(layout: ArchiveLayout) {
    this.layout = layout;
  }

  get dir(): string {
    return path.join(this.layout.stateDir, 'ack-rate');
  }

  /** True when `key` holds (or now takes) one of the `max` slots of `sender` on `day`. */
  async take(sender: string, day: string, key: string, max: number): Promise<boolean> {
    const dir = this.senderDir(sender, day);
    const marker = path.join(dir, `m-${sha256Hex(key)}`);
    if (await exists(marker)) return true;
    const used = await countSlots(dir);
    if (used >= max) return false;
    const created = await mkdir(dir, { recursive: true });
    if (created !== undefined) await this.prune(day);
    // Others may be taking slots at the same moment: the exclusive create decides.
    for (let slot = used + 1; slot <= max; slot++) {
      if (await claimSlot(path.join(dir, String(slot)), key)) {
        // A crash before the marker only means this message may take one more slot
        // when retried: fewer responses that day, never more than the limit.
        await writeFile(marker, key);
        return true;
      }
    }
    return false;
  }

  /** How many slots `sender` has used on `day`. */
  async used(sender: string, day: string): Promise<number> {
    return countSlots(this.senderDir(sender, day));
  }

  private senderDir(sender: string, day: string): string {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new Error('day must be YYYY-MM-DD');
    return path.join(this.dir, day, sha256Hex(normalizeAddress(sender)));
  }

  /** Days older than KEEP_DAYS before `today` can no longer limit anything. */
  private async prune(today: string): Promise<void> {
    const cutoff = new Date(`${today}T00:00:00Z`).getTime() - KEEP_DAYS * 86_400_000;
    for (const name of await listDirOrEmpty(this.dir)) {
      const time = /^\d{4}-\d{2}-\d{2}$/.test(name) ? new Date(`${name}T00:00:00Z`).getTime() : Number.NaN;
      if (time < cutoff) await rm(path.join(this.dir, name), { recursive: true, force: true });
    }
  }
}

/** Slots taken (an empty slot file — a crash mid-write — still counts). */
async function countSlots(dir: string): Promise<number> {
  return (await listDirOrEmpty(dir)).filter((name) => /^\d+$/.test(name)).length;
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

async function claimSlot(file: string, key: string): Promise<boolean> {
  try {
    const handle = await open(file, 'wx', 0o640);
    try {
      await handle.writeFile(key);
    } finally {
      await handle.close();
    }
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/** The calendar day of `date` in the team's time zone, `YYYY-MM-DD`. */
export function dayIn(timeZone: string, date: Date): string {
  const t = zonedFields(date, timeZone);
  return `${t.year}-${t.month}-${t.day}`;
}
