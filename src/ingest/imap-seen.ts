import { createHash } from 'node:crypto';
import type { Config } from '../config/schema.js';
import type { ImapState } from '../store/store.js';

/**
 * The (UIDVALIDITY, UID) pairs of one mailbox whose message is already durably received
 * but may still sit in the mailbox (the MOVE after the receive did not happen: a crash, a
 * dropped connection). On reconnect such a message is only moved, never fetched and
 * processed a second time. Kept in the store (`imap_mailbox`, `imap_seen`), cached here.
 *
 * A UID is meaningful only together with its UIDVALIDITY (RFC 9051 §2.3.1.1): when the
 * server announces a new UIDVALIDITY, every remembered UID is void and forgotten. The
 * messages then still in the mailbox are read again; those already stored are recognised
 * by their SHA-256 as duplicates, so nothing is ticketed twice.
 *
 * Only UIDs still present in the mailbox are kept (`retainOnly`): UIDs are never reused
 * within one UIDVALIDITY, so a UID that left the mailbox cannot come back.
 */
export class ImapSeen {
  private readonly state: ImapState;
  private readonly mailbox: string;
  private uidValidity: string | null = null;
  private uids = new Set<number>();

  constructor(state: ImapState, mailbox: string) {
    this.state = state;
    this.mailbox = mailbox;
  }

  async load(): Promise<void> {
    const loaded = await this.state.load(this.mailbox);
    this.uidValidity = loaded.uidValidity;
    this.uids = new Set(loaded.uids);
  }

  /**
   * Sets the mailbox's current UIDVALIDITY. Returns true when it differs from the one
   * remembered (the remembered UIDs were dropped); false on first use or when unchanged.
   */
  async useUidValidity(uidValidity: string): Promise<boolean> {
    if (this.uidValidity === uidValidity) return false;
    const changed = this.uidValidity !== null;
    await this.state.setUidValidity(this.mailbox, uidValidity);
    this.uidValidity = uidValidity;
    this.uids.clear();
    return changed;
  }

  has(uid: number): boolean {
    return this.uids.has(uid);
  }

  /** Durable before it returns: called after the receive and before the MOVE. */
  async remember(uid: number): Promise<void> {
    if (this.uids.has(uid)) return;
    await this.state.remember(this.mailbox, uid);
    this.uids.add(uid);
  }

  /** Forgets UIDs no longer in the mailbox (moved away: they never come back). */
  async retainOnly(present: Iterable<number>): Promise<void> {
    const keep = new Set(present);
    const before = this.uids.size;
    this.uids = new Set([...this.uids].filter((uid) => keep.has(uid)));
    if (this.uids.size !== before) await this.state.retainOnly(this.mailbox, [...this.uids]);
  }

  get size(): number {
    return this.uids.size;
  }
}

/** The store's key for one account's mailbox: a hash of our own configuration, never anything the server sent. */
export function imapMailboxKey(imap: Pick<Config['imap'], 'host' | 'port' | 'user' | 'mailbox'>): string {
  return createHash('sha256').update(`${imap.host}\0${imap.port}\0${imap.user}\0${imap.mailbox}`).digest('hex').slice(0, 32);
}
