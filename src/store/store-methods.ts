import type { HandoffStore } from './handoff-queue.js';
import type { ImapState, IntakeStore, OutboxQueue, PendingKeyStore, StoreLookups, TicketReads } from './store.js';

/**
 * The store's operations as the store thread offers them (store-thread.ts): every
 * IntakeStore method, by name — `commit`, `outbox.claimDue` — with plain data in and out.
 * `satisfies` keeps each list equal to its interface: a method added to the store and
 * not listed here fails to compile.
 */
type Methods<T> = Record<{ [K in keyof T]: T[K] extends (...args: never[]) => unknown ? K : never }[keyof T], true>;

export const STORE_METHODS = {
  receive: true,
  claimReceipts: true,
  renewReceipts: true,
  receiptFailed: true,
  receiptDuplicate: true,
  nextReceiptDue: true,
  pendingReceipts: true,
  placementOf: true,
  place: true,
  commit: true,
} satisfies Omit<Methods<IntakeStore>, 'close'>;

export const STORE_GROUPS = {
  lookups: { ticketExists: true, ticketByMessageId: true, correspondents: true, reporter: true, firstCiphertext: true } satisfies Methods<StoreLookups>,
  tickets: { list: true, get: true, messages: true, message: true, raw: true, attachment: true, allMessages: true, replies: true } satisfies Methods<TicketReads>,
  outbox: {
    claimDue: true,
    renew: true,
    delivered: true,
    deferred: true,
    failed: true,
    list: true,
    get: true,
    retry: true,
    drop: true,
    nextDue: true,
    sent: true,
    counts: true,
  } satisfies Methods<OutboxQueue>,
  pendingKeys: { list: true, get: true, decide: true } satisfies Methods<PendingKeyStore>,
  imap: { load: true, setUidValidity: true, remember: true, retainOnly: true } satisfies Methods<ImapState>,
  handoff: {
    claimDue: true,
    progress: true,
    delivered: true,
    deferred: true,
    failed: true,
    nextDue: true,
    list: true,
    counts: true,
    registerTargets: true,
    fanOut: true,
    rtTicketOf: true,
    linkRtTicket: true,
  } satisfies Methods<HandoffStore>,
};

export type StoreGroup = keyof typeof STORE_GROUPS;

/** `commit`, or `outbox.claimDue`: whether the store thread offers it. */
export function isStoreMethod(method: string): boolean {
  const dot = method.indexOf('.');
  if (dot === -1) return Object.hasOwn(STORE_METHODS, method);
  const group = method.slice(0, dot);
  return Object.hasOwn(STORE_GROUPS, group) && Object.hasOwn(STORE_GROUPS[group as StoreGroup], method.slice(dot + 1));
}
