import { commit } from './commit.js';
import { handoffStore } from './handoff-queue.js';
import { imapState, pendingKeyStore } from './keys-and-imap.js';
import { migrate } from './migrations.js';
import { outboxQueue } from './outbox-queue.js';
import { markDuplicate, place } from './place.js';
import { storeLookups, ticketReads } from './reads.js';
import { claimReceipts, nextReceiptDue, pendingReceipts, receiptFailed, renewReceipts, receive } from './receipts.js';
import type { SqlEngine } from './sql.js';
import type { IntakeStore } from './store.js';

/** The store over either engine: the statements are shared, the engine supplies the dialect. */
export class SqlStore implements IntakeStore {
  readonly engine;
  readonly location: string;
  readonly sql: SqlEngine;
  readonly lookups;
  readonly tickets;
  readonly outbox;
  readonly pendingKeys;
  readonly imap;
  readonly handoff;

  private constructor(sql: SqlEngine, location: string) {
    this.sql = sql;
    this.engine = sql.dialect.name;
    this.location = location;
    this.lookups = storeLookups(sql);
    this.tickets = ticketReads(sql);
    this.outbox = outboxQueue(sql);
    this.pendingKeys = pendingKeyStore(sql);
    this.imap = imapState(sql);
    this.handoff = handoffStore(sql);
  }

  /** Opens the store and brings its schema up to date (refusing one newer than this code). */
  static async open(sql: SqlEngine, location: string): Promise<SqlStore> {
    try {
      await migrate(sql);
    } catch (error) {
      await sql.close().catch(() => undefined);
      throw error;
    }
    return new SqlStore(sql, location);
  }

  receive: IntakeStore['receive'] = (raw, transport, receivedAt, lease) => receive(this.sql, raw, transport, receivedAt, lease);
  claimReceipts: IntakeStore['claimReceipts'] = (lease, limit, ownerPrefix) => claimReceipts(this.sql, lease, limit, ownerPrefix ?? null);
  renewReceipts: IntakeStore['renewReceipts'] = (ids, lease) => renewReceipts(this.sql, ids, lease);
  receiptFailed: IntakeStore['receiptFailed'] = (id, error, retryAt) => receiptFailed(this.sql, id, error, retryAt);
  receiptDuplicate: IntakeStore['receiptDuplicate'] = (receiptId, sha256) =>
    this.sql.write(async (tx) => {
      const row = await tx.get<{ ticket: string; seq: number }>(`SELECT ticket, seq FROM message WHERE sha256 = ? AND state = 'committed'`, [sha256]);
      if (row) await markDuplicate(tx, receiptId, row.ticket, Number(row.seq));
    });
  nextReceiptDue: IntakeStore['nextReceiptDue'] = () => nextReceiptDue(this.sql);
  pendingReceipts: IntakeStore['pendingReceipts'] = () => pendingReceipts(this.sql);

  placementOf: IntakeStore['placementOf'] = (sha256) =>
    this.sql.read(async (tx) => {
      const row = await tx.get<{ ticket: string; seq: number; state: string }>('SELECT ticket, seq, state FROM message WHERE sha256 = ?', [sha256]);
      return row ? { ticket: row.ticket, seq: Number(row.seq), committed: row.state === 'committed' } : null;
    });
  place: IntakeStore['place'] = (request) => place(this.sql, request);
  commit: IntakeStore['commit'] = (request) => commit(this.sql, request);

  close(): Promise<void> {
    return this.sql.close();
  }
}
