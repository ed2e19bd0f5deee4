import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { normalizeAddress } from '../model/strict-mailbox.js';
import type { ArchiveLayout } from './archive-layout.js';
import { listDirOrEmpty } from './archive-index.js';
import { writeJsonAtomic } from './atomic-file.js';
import { withLock } from './locks.js';
import { sha256Hex } from './spool.js';

/**
 * The per-sender daily limit on automatic responses (RFC 3834 §6: "limit the number of
 * responses sent to any individual per period of time"). One small file per sender and
 * day under state/ack-rate/<YYYY-MM-DD>/, named by the SHA-256 of the normalised
 * address (never by the address itself), holding the messages that took a slot.
 * Read-modify-write happens under a cross-process lock, so `intake serve` and any number
 * of `intake ingest` processes share one count, and it survives restarts.
 *
 * A slot is keyed by ticket/seq: a message retried after a crash finds its own slot
 * again instead of taking a second one.
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
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new Error('day must be YYYY-MM-DD');
    const hash = sha256Hex(normalizeAddress(sender));
    const dayDir = path.join(this.dir, day);
    const file = path.join(dayDir, `${hash}.json`);
    return withLock(this.layout.lockFile(`ack-rate-${hash}`), async () => {
      const slots = await readSlots(file);
      if (slots.includes(key)) return true;
      if (slots.length >= max) return false;
      const created = await mkdir(dayDir, { recursive: true });
      if (created !== undefined) await this.prune(day);
      await writeJsonAtomic(file, { slots: [...slots, key] });
      return true;
    });
  }

  /** How many slots `sender` has used on `day`. */
  async used(sender: string, day: string): Promise<number> {
    return (await readSlots(path.join(this.dir, day, `${sha256Hex(normalizeAddress(sender))}.json`))).length;
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

async function readSlots(file: string): Promise<string[]> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as { slots?: unknown };
    return Array.isArray(parsed.slots) ? parsed.slots.filter((s): s is string => typeof s === 'string') : [];
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** The calendar day of `date` in the team's time zone, `YYYY-MM-DD`. */
export function dayIn(timeZone: string, date: Date): string {
  const parts = new Intl.DateTimeFormat('en', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(date);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}
