import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeJsonAtomic } from '../effects/atomic-file.js';

/**
 * The (UIDVALIDITY, UID) pairs of one mailbox whose message is already durably in our
 * spool but may still sit in the mailbox (the MOVE after the spool write did not happen:
 * a crash, a dropped connection). On reconnect such a message is only moved, never
 * fetched and processed a second time.
 *
 * A UID is meaningful only together with its UIDVALIDITY (RFC 9051 §2.3.1.1): when the
 * server announces a new UIDVALIDITY, every remembered UID is void and forgotten. The
 * messages then still in the mailbox are read again; those we already archived are
 * recognised by their SHA-256 as duplicates, so nothing is ticketed twice.
 *
 * Only UIDs still present in the mailbox are kept (`retainOnly`): UIDs are never reused
 * within one UIDVALIDITY, so a UID that left the mailbox cannot come back. The file stays
 * as small as the mailbox's backlog.
 */
interface SeenFile {
  version: 1;
  uidValidity: string | null;
  uids: number[];
}

export class ImapSeen {
  private readonly file: string;
  private uidValidity: string | null = null;
  private uids = new Set<number>();

  constructor(file: string) {
    this.file = file;
  }

  async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    const data = JSON.parse(text) as SeenFile;
    this.uidValidity = data.uidValidity;
    this.uids = new Set(data.uids.filter((uid) => Number.isSafeInteger(uid) && uid > 0));
  }

  /**
   * Sets the mailbox's current UIDVALIDITY. Returns true when it differs from the one
   * remembered (the remembered UIDs were dropped); false on first use or when unchanged.
   */
  async useUidValidity(uidValidity: string): Promise<boolean> {
    if (this.uidValidity === uidValidity) return false;
    const changed = this.uidValidity !== null;
    this.uidValidity = uidValidity;
    this.uids.clear();
    await this.save();
    return changed;
  }

  has(uid: number): boolean {
    return this.uids.has(uid);
  }

  /** Durable before it returns: called after the spool write and before the MOVE. */
  async remember(uid: number): Promise<void> {
    if (this.uids.has(uid)) return;
    this.uids.add(uid);
    await this.save();
  }

  /** Forgets UIDs no longer in the mailbox (moved away: they never come back). */
  async retainOnly(present: Iterable<number>): Promise<void> {
    const keep = new Set(present);
    const before = this.uids.size;
    this.uids = new Set([...this.uids].filter((uid) => keep.has(uid)));
    if (this.uids.size !== before) await this.save();
  }

  get size(): number {
    return this.uids.size;
  }

  private async save(): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true });
    const data: SeenFile = { version: 1, uidValidity: this.uidValidity, uids: [...this.uids].sort((a, b) => a - b) };
    await writeJsonAtomic(this.file, data, { mode: 0o600 });
  }
}
