import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileTransport } from '../../src/model/transport.js';
import { SqliteEngine } from '../../src/store/sqlite-engine.js';
import { SqlStore } from '../../src/store/sql-store.js';
import { commitRequest, placeRequest, STORE_T0 } from '../helpers/store-requests.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * intake serve's placements and commits wait for company (SqliteOptions.messageWaitMs)
 * only when other messages are in flight (PlaceRequest.company): a lone message — an
 * MTA's pipe handing one over and waiting for the verdict — is committed at once. The
 * wait here is a minute, so a write that waited would outlast the test's timeout.
 */
describe('a lone message does not wait for company', () => {
  it('receive, place and commit without company complete at once where the engine waits a minute for it', async () => {
    const file = path.join(await tempDir('intake-lone-', 'file'), 'intake.sqlite');
    const store = await SqlStore.open(await SqliteEngine.open({ file, messageWaitMs: 60_000 }), file);
    try {
      const started = Date.now();
      const received = await store.receive(Buffer.from('a lone report'), fileTransport('a@example.org', []), STORE_T0, { owner: 'me', now: STORE_T0, ms: 60_000 });
      const placed = await store.place(placeRequest(received.sha256, { company: false, receiptId: received.receiptId }));
      if (placed.kind !== 'placed') throw new Error(`not placed: ${placed.kind}`);
      const commit = commitRequest(placed.placement, received.sha256, { company: false, receiptId: received.receiptId });
      expect(await store.commit(commit)).toMatchObject({ kind: 'committed' });
      // Far below the minute either write would have waited.
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      await store.close();
    }
  });
});
