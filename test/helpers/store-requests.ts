import type { MessageRecord } from '../../src/model/message-record.js';
import type { CommitRequest, PlaceRequest } from '../../src/store/store.js';
import { seedRecord } from './store-seed.js';

/**
 * The store's two pipeline writes as a test asks for them: a placement of new bytes and
 * the commit of a placed message with a minimal record, both at STORE_T0, any field
 * overridden by the test.
 */
export const STORE_T0 = new Date('2026-11-23T10:00:00Z');

export function placeRequest(sha256: string, over: Partial<PlaceRequest> = {}): PlaceRequest {
  return { sha256, receiptId: null, receivedAt: STORE_T0, ticket: null, prefix: 'XYZ', year: 2026, threading: { kind: 'new', senderKnown: true }, quota: null, ...over };
}

export function storedRecord(ticket: string, seq: number, sha256: string): MessageRecord {
  const seeded = seedRecord(ticket, seq, sha256, { body: 'report', from: 'a@example.org', receivedAt: STORE_T0.toISOString() });
  return { ...seeded, ack: { status: 'queued', sent: false, messageId: null, sentAt: null, file: null, error: null, suppressedReason: null, encrypted: false, onDuty: null } };
}

export function commitRequest(p: { ticket: string; seq: number }, sha256: string, over: Partial<CommitRequest> = {}): CommitRequest {
  return {
    sha256,
    receiptId: null,
    ticket: p.ticket,
    seq: p.seq,
    record: storedRecord(p.ticket, p.seq, sha256),
    decrypted: null,
    attachments: [],
    messageIds: [],
    ciphertexts: [],
    outgoing: [],
    pendingKeys: [],
    fold: { sender: 'a@example.org', rereadReporterKey: false },
    mode: 'first',
    now: STORE_T0,
    ...over,
  };
}
