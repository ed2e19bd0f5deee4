import type { StoredReply } from './replies.js';
import type { TicketFold } from '../model/build-records.js';
import type { MessageRecord, ThreadingVerdict, TicketRecord } from '../model/message-record.js';
import type { OutgoingKind } from '../model/outgoing-mail.js';
import type { TransportInfo } from '../model/transport.js';
import type { HandoffStore } from './handoff-queue.js';
import type { EngineName } from './sql.js';

/**
 * The store: the one source of truth for everything stateful (DESIGN §4). Two engines
 * implement it — SQLite (embedded default) and PostgreSQL (several nodes) — and one
 * contract test suite runs against both (test/store/contract.test.ts).
 *
 * A message passes it in three steps: `receive` (raw bytes durable: only now SMTP 250,
 * IMAP move, `ingest` exit 0), `place` (dedup, ticket and seq, ack quota: a retry gets the
 * same placement back) and `commit` (everything else, one transaction, idempotent).
 */
export interface ReceivedMessage {
  receiptId: string;
  raw: Buffer;
  sha256: string;
  receivedAt: Date;
  transport: TransportInfo;
  /**
   * How many times a process that held this receipt went away before finishing it (its
   * lease ran out while it still held it: a crash, a kill, an abort). 0 for a new one.
   */
  abandoned?: number;
}

/** An automatic-response quota: at most `max` grants per `key` and `day` (the key is computed by the caller). */
export interface QuotaRequest {
  key: string;
  day: string;
  max: number;
}

export interface PlaceRequest {
  /**
   * Other messages are being processed beside this one (intake serve under load): the
   * write may wait a little for theirs to share its transaction (SqliteOptions.messageWaitMs).
   * A lone message — one handed over by an MTA's pipe, say, whose process waits for the
   * verdict — never waits for company that is not coming.
   */
  company?: boolean;
  sha256: string;
  receiptId: string | null;
  receivedAt: Date;
  /** The ticket threading found (a follow-up), or null to open one. */
  ticket: string | null;
  prefix: string;
  year: number;
  threading: ThreadingVerdict;
  quota: QuotaRequest | null;
}

export interface Placement {
  ticket: string;
  seq: number;
  status: 'new' | 'followup';
  threading: ThreadingVerdict;
  /** Whether the quota granted a response; null when none was asked for. */
  quotaGranted: boolean | null;
}

export type PlaceResult =
  | { kind: 'placed'; placement: Placement; resumed: boolean }
  | { kind: 'duplicate'; ticket: string; seq: number };

/** Mail we send because of a message, queued in the commit. */
export interface OutboxItem {
  key: string;
  kind: OutgoingKind;
  recipient: string;
  messageId: string;
  encrypted: boolean;
  /** The message as it will be sent; null when composing failed and is to be retried. */
  raw: Buffer | null;
  /** What the sender needs to compose it again (JSON, our own facts only), when raw is null. */
  compose: string | null;
  lastError: string | null;
}

export interface PendingKeyOffer {
  fingerprint: string;
  armored: string;
  source: string;
  from: string | null;
  seenAt: string;
}

export interface CommitRequest {
  /** As in PlaceRequest. */
  company?: boolean;
  sha256: string;
  receiptId: string | null;
  ticket: string;
  seq: number;
  record: MessageRecord;
  decrypted: Buffer | null;
  attachments: Array<{ sha256: string; content: Buffer }>;
  /** Message-IDs that thread into this ticket (the message's own, our acks'). */
  messageIds: string[];
  /** Digests of the ciphertexts the message carried (replay detection). */
  ciphertexts: string[];
  outgoing: OutboxItem[];
  pendingKeys: PendingKeyOffer[];
  /** How the message folds into its ticket record (model/build-records.ts `foldTicket`, inside the transaction). */
  fold: TicketFold;
  /** `reprocess` replaces the record of a committed message and queues nothing. */
  mode: 'first' | 'reprocess';
  /**
   * The queued mail is leased at once to this process's sender (which delivers it next,
   * without a claim transaction of its own); null leaves it to whichever sender claims it.
   */
  outboxLease?: Lease | null;
  now: Date;
  /** The report's text as read (decrypted or plain), for the full-text search index. */
  searchText?: string | null;
}

/** `reopened`: the message was a follow-up to a closed ticket, which it reopened. */
export type CommitResult = { kind: 'committed'; reopened: boolean } | { kind: 'duplicate'; ticket: string; seq: number };

export interface OutboxEntry {
  key: string;
  kind: OutgoingKind;
  ticket: string;
  seq: number;
  sha256: string;
  recipient: string;
  messageId: string;
  encrypted: boolean;
  raw: Buffer | null;
  compose: string | null;
  queuedAt: string;
  nextAttemptAt: string;
  attempts: number;
  lastError: string | null;
  deliveredAt: string | null;
  failedAt: string | null;
}

export interface CiphertextEntry {
  ticket: string;
  seq: number;
  sha256: string;
}

export interface StoredMessage {
  record: MessageRecord;
  decrypted: Buffer | null;
}

export interface PendingKeyView {
  fingerprint: string;
  firstSeen: string;
  armored: string[];
  sightings: Array<{ source: string; ticket: string; seq: number; from: string | null; seenAt: string }>;
}

export interface IntakeStore {
  readonly engine: EngineName;
  /** Where it lives, for logs: the SQLite file, or the PostgreSQL host/database (no password). */
  readonly location: string;

  receive(raw: Buffer, transport: TransportInfo, receivedAt: Date, lease: Lease): Promise<ReceivedMessage>;
  /**
   * Pending receipts whose lease ran out (crashed, failed and due again, or another
   * node's), now leased to `lease.owner`; with `ownerPrefix`, also those leased by an
   * earlier run of this node (taken over at start without waiting for the lease).
   */
  claimReceipts(lease: Lease, limit: number, ownerPrefix?: string | null): Promise<ReceivedMessage[]>;
  /**
   * Extends `lease.owner`'s lease on these pending receipts (held while they wait in the
   * work queue and are processed); returns the ids another owner has taken over.
   */
  renewReceipts(receiptIds: readonly string[], lease: Lease): Promise<string[]>;
  /** Processing failed: due again at `retryAt` (any node may take it then). */
  receiptFailed(receiptId: string, error: string, retryAt: Date): Promise<void>;
  /** These bytes were already committed: the receipt is closed as a duplicate of that message. */
  receiptDuplicate(receiptId: string, sha256: string): Promise<void>;
  /** The earliest time a pending receipt is due, or null. */
  nextReceiptDue(): Promise<string | null>;
  pendingReceipts(): Promise<number>;

  /** Committed (or placed) copy of these bytes, for dedup before any work is done. */
  placementOf(sha256: string): Promise<{ ticket: string; seq: number; committed: boolean } | null>;
  place(request: PlaceRequest): Promise<PlaceResult>;
  commit(request: CommitRequest): Promise<CommitResult>;

  readonly lookups: StoreLookups;
  readonly tickets: TicketReads;
  readonly outbox: OutboxQueue;
  readonly pendingKeys: PendingKeyStore;
  readonly imap: ImapState;
  /** The hand-off's queue (webhooks, Request Tracker). */
  readonly handoff: HandoffStore;

  close(): Promise<void>;
}

export interface Lease {
  owner: string;
  now: Date;
  /** How long the holder may take before another node may take the work over. */
  ms: number;
}

export interface StoreLookups {
  ticketExists(ticket: string): Promise<boolean>;
  ticketByMessageId(messageId: string): Promise<string | null>;
  correspondents(ticket: string): Promise<string[]>;
  /** Who opened the ticket: their address and, when their report was signed, the signing key. */
  reporter(ticket: string): Promise<{ address: string | null; fingerprint: string | null } | null>;
  firstCiphertext(digest: string): Promise<CiphertextEntry | null>;
}

export interface TicketReads {
  list(): Promise<TicketRecord[]>;
  get(id: string): Promise<TicketRecord | null>;
  messages(ticket: string): Promise<MessageRecord[]>;
  message(ticket: string, seq: number): Promise<StoredMessage | null>;
  raw(sha256: string): Promise<Buffer | null>;
  attachment(sha256: string): Promise<Buffer | null>;
  /** Every committed message's record, oldest ticket first (stats, export). */
  allMessages(): Promise<MessageRecord[]>;
  /** The operators' replies in a ticket, oldest first, with their delivery state. */
  replies(ticket: string): Promise<StoredReply[]>;
}

export interface OutboxQueue {
  claimDue(lease: Lease, max: number): Promise<OutboxEntry[]>;
  /** Extends this owner's lease; false when the entry is no longer this owner's (another sender took it over). */
  renew(key: string, lease: Lease): Promise<boolean>;
  /** Delivered (or written to the pickup directory): the row becomes the sent-mail archive. */
  delivered(key: string, owner: string, at: Date, raw: Buffer | null): Promise<void>;
  deferred(key: string, owner: string, next: Date, error: string, raw: Buffer | null): Promise<void>;
  failed(key: string, owner: string, at: Date, error: string): Promise<void>;
  list(options: { failed: boolean }): Promise<OutboxEntry[]>;
  get(key: string): Promise<OutboxEntry | null>;
  /** Due again now, attempts reset; returns how many entries. */
  retry(selector: { key: string } | { allFailed: true }, now: Date): Promise<number>;
  /** Removed from the queue for good (never a delivered entry); false when there is no such pending or failed entry. */
  drop(key: string): Promise<boolean>;
  /** Earliest next attempt among pending entries, or null. */
  nextDue(): Promise<string | null>;
  /** Delivered entries of a ticket (export: acks/<NNN>.eml). */
  sent(ticket: string): Promise<OutboxEntry[]>;
  counts(): Promise<{ pending: number; failed: number; delivered: number }>;
}

export interface PendingKeyStore {
  list(): Promise<PendingKeyView[]>;
  get(fingerprint: string): Promise<PendingKeyView | null>;
  decide(fingerprint: string, decision: 'accepted' | 'rejected', at: Date): Promise<void>;
}

export interface ImapState {
  load(mailbox: string): Promise<{ uidValidity: string | null; uids: number[] }>;
  /** A new UIDVALIDITY voids every remembered UID (RFC 9051 §2.3.1.1). */
  setUidValidity(mailbox: string, uidValidity: string): Promise<void>;
  remember(mailbox: string, uid: number): Promise<void>;
  retainOnly(mailbox: string, uids: number[]): Promise<void>;
}
