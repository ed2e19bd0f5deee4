import { mkdir, open, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { normalizeAddress } from '../model/strict-mailbox.js';
import type { ArchiveLayout } from './archive-layout.js';
import { listDirOrEmpty } from './archive-index.js';
import { sha256Hex } from './spool.js';
import { zonedFields } from '../model/zoned-time.js';

/**
 * The per-sender daily limit on automatic responses (RFC 3834 §6: "limit the number of
 * responses sent to any individual per period of time"). Under
 * state/ack-rate/<YYYY-MM-DD>/<sha256 of the normalised sender>/ (never the address
 * itself in a path) each granted response is one slot file `1` … `max`, created with
 * O_EXCL: the file system decides who gets the last slot, so `intake serve` and any
 * number of `intake ingest` processes share one count without a lock, and it survives
 * restarts. A slot file holds the message (ticket/seq) that took it: a message retried
 * after a crash finds its own slot instead of taking a second one. (Two attempts at the
 * same message never run at once: processing holds the message's lock.)
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
    const taken = await readSlots(dir);
    if (taken.includes(key)) return true;
    if (taken.length >= max) return false;
    const created = await mkdir(dir, { recursive: true });
    if (created !== undefined) await this.prune(day);
    for (let slot = 1; slot <= max; slot++) {
      if (await claimSlot(path.join(dir, String(slot)), key)) return true;
    }
    return false;
  }

  /** How many slots `sender` has used on `day`. */
  async used(sender: string, day: string): Promise<number> {
    return (await readSlots(this.senderDir(sender, day))).length;
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

/** The keys holding the sender's slots (an empty slot file — a crash mid-write — still counts). */
async function readSlots(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const slots = names.filter((name) => /^\d+$/.test(name));
  return Promise.all(slots.map((name) => readFile(path.join(dir, name), 'utf8').catch(() => '')));
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
