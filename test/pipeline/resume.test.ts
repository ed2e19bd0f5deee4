import { describe, expect, it } from 'vitest';
import { initialDraft } from '../../src/model/draft.js';
import { fileTransport } from '../../src/model/transport.js';
import { processReceived } from '../../src/pipeline/process-received.js';
import { runPipeline, STEPS } from '../../src/pipeline/run-pipeline.js';
import { effect } from '../../src/pipeline/stage.js';
import { createTestApp } from '../helpers/pipeline.js';

const raw = Buffer.from('From: alice@example.org\r\nTo: cert@xyz.example\r\nSubject: scan\r\n\r\nscan report\r\n');
const other = Buffer.from('From: bob@example.org\r\nTo: cert@xyz.example\r\nSubject: other\r\n\r\nanother report\r\n');

describe('resuming an interrupted message', () => {
  it('a failure after place keeps the receipt pending; the retry completes the same ticket and seq', async () => {
    const t = await createTestApp();
    const received = await t.app.accept(raw, fileTransport('alice@example.org', ['cert@xyz.example']));

    // Run up to and including place, then "crash" before the commit.
    const upToPlace = STEPS.slice(0, STEPS.findIndex((s) => s.name === 'place') + 1);
    const crashing = [...upToPlace, effect('crash', async () => Promise.reject(new Error('power cut')))];
    await expect(runPipeline(initialDraft(received), t.app.context, crashing)).rejects.toThrow('power cut');
    expect(await t.app.store.pendingReceipts()).toBe(1);
    expect(await t.app.store.placementOf(received.sha256)).toEqual({ ticket: 'XYZ-2026-00001', seq: 1, committed: false });

    // Another message placed meanwhile must not change where the interrupted one goes.
    expect(await t.app.ingest(other, fileTransport('bob@example.org', []))).toMatchObject({ ticket: 'XYZ-2026-00002', status: 'new' });
    const outcome = await processReceived(received, t.app.context);
    expect(outcome).toEqual({ kind: 'archived', ticket: 'XYZ-2026-00001', seq: 1, status: 'new' });
    expect(await t.app.store.pendingReceipts()).toBe(0);
    expect((await t.app.store.tickets.messages('XYZ-2026-00001')).map((m) => m.seq)).toEqual([1]);
    // The same bytes delivered again are a duplicate, and close their own receipt.
    expect(await t.app.ingest(raw, fileTransport('alice@example.org', []))).toMatchObject({ ticket: 'XYZ-2026-00001', status: 'duplicate' });
    expect(await t.app.store.pendingReceipts()).toBe(0);
  });

  it('a step that outlives the time budget fails temporarily (stage-timeout) and the message stays received', async () => {
    const t = await createTestApp({ processing: { timeoutSeconds: 1 } });
    const received = await t.app.accept(raw, fileTransport('alice@example.org', []));
    const hanging = [effect('hang', () => new Promise(() => undefined))];
    await expect(runPipeline(initialDraft(received), t.app.context, hanging)).rejects.toMatchObject({
      kind: 'temporary',
      code: 'stage-timeout',
    });
    expect(await t.app.store.pendingReceipts()).toBe(1);
  });

  it('a failed message is due again after a backoff, and recovery finishes it', async () => {
    const t = await createTestApp({ processing: { retryMinSeconds: 1, retryMaxSeconds: 1 } });
    const received = await t.app.accept(raw, fileTransport('alice@example.org', []));
    await t.app.recovery.failed(received, 'relay down');
    expect(await t.app.recoverReceived()).toBe(0);
    t.clock.advance(1500);
    expect(await t.app.recoverReceived()).toBe(1);
    expect(await t.app.store.pendingReceipts()).toBe(0);
  });
});
