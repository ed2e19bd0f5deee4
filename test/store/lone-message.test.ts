import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MessageRecord } from '../../src/model/message-record.js';
import { fileTransport } from '../../src/model/transport.js';
import { SqliteEngine } from '../../src/store/sqlite-engine.js';
import { SqlStore } from '../../src/store/sql-store.js';
import type { CommitRequest, PlaceRequest } from '../../src/store/store.js';
import { seedRecord } from '../helpers/store-seed.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * intake serve's placements and commits wait for company (SqliteOptions.messageWaitMs)
 * only when other messages are in flight (PlaceRequest.company): a lone message — an
 * MTA's pipe handing one over and waiting for the verdict — is committed at once. The
 * wait here is a minute, so a write that waited would outlast the test's timeout.
 */
const T0 = new Date('2026-11-23T10:00:00Z');

function record(ticket: string, seq: number, sha256: string): MessageRecord {
  const seeded = seedRecord(ticket, seq, sha256, { body: 'report', from: 'a@example.org', receivedAt: T0.toISOString() });
  return { ...seeded, ack: { status: 'queued', sent: false, messageId: null, sentAt: null, file: null, error: null, suppressedReason: null, encrypted: false, onDuty: null } };
}

describe('a lone message does not wait for company', () => {
  it('receive, place and commit without company complete at once where the engine waits a minute for it', async () => {
    const file = path.join(await tempDir('intake-lone-', 'file'), 'intake.sqlite');
    const store = await SqlStore.open(await SqliteEngine.open({ file, messageWaitMs: 60_000 }), file);
    try {
      const started = Date.now();
      const received = await store.receive(Buffer.from('a lone report'), fileTransport('a@example.org', []), T0, { owner: 'me', now: T0, ms: 60_000 });
      const place: PlaceRequest = { company: false, sha256: received.sha256, receiptId: received.receiptId, receivedAt: T0, ticket: null, prefix: 'XYZ', year: 2026, threading: { kind: 'new', senderKnown: true }, quota: null };
      const placed = await store.place(place);
      if (placed.kind !== 'placed') throw new Error(`not placed: ${placed.kind}`);
      const { ticket, seq } = placed.placement;
      const commit: CommitRequest = {
        company: false,
        sha256: received.sha256,
        receiptId: received.receiptId,
        ticket,
        seq,
        record: record(ticket, seq, received.sha256),
        decrypted: null,
        attachments: [],
        messageIds: [],
        ciphertexts: [],
        outgoing: [],
        pendingKeys: [],
        fold: { sender: 'a@example.org', rereadReporterKey: false },
        mode: 'first',
        now: T0,
      };
      expect(await store.commit(commit)).toMatchObject({ kind: 'committed' });
      // Far below the minute either write would have waited.
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      await store.close();
    }
  });
});
