import { describe, expect, it } from 'vitest';
import { fileTransport } from '../../src/model/transport.js';
import { ABANDONED_LIMIT } from '../../src/pipeline/process-received.js';
import { createTestApp } from '../helpers/pipeline.js';

/**
 * A message that takes its process down with it (V8 aborts the whole process for some
 * allocation shapes even under a worker's resourceLimits) must not keep a daemon in a
 * restart loop: each time a holder goes away, its receipt counts it, and at
 * ABANDONED_LIMIT the message is stored unparsed as `overrun`. A failure the process
 * survived (released for a retry) is not counted.
 */
const raw = Buffer.from('From: Mallory <mallory@example.net>\r\nTo: cert@xyz.example\r\nSubject: poison\r\nMessage-ID: <poison@example.net>\r\n\r\nScanning from 192.0.2.9.\r\n');

describe('a message its process does not survive', () => {
  it('counts the holders that went away, not a failure the process survived; below the limit the message is parsed', async () => {
    const t = await createTestApp({ processing: { retryMinSeconds: 1, retryMaxSeconds: 1 } });
    const now = () => t.clock.now();
    // Received by a process that then died; claimed by recovery twice more, each time by a process that died too.
    const received = await t.app.store.receive(raw, fileTransport('mallory@example.net', ['cert@xyz.example']), now(), { owner: 'dead-0', now: now(), ms: 1 });
    t.clock.advance(10);
    // A failure the process survived releases the receipt: not counted.
    await t.app.store.receiptFailed(received.receiptId, 'store busy', now());
    const counts: number[] = [];
    for (const owner of ['dead-1', 'dead-2']) {
      t.clock.advance(10);
      const [claimed] = await t.app.store.claimReceipts({ owner, now: now(), ms: 1 }, 10);
      counts.push(claimed!.abandoned ?? -1);
    }
    expect(counts).toEqual([0, 1]);
    t.clock.advance(10);
    // dead-1 and dead-2 went away holding it: recovery's claim sees 2, below the limit.
    expect(await t.app.recoverReceived()).toBe(1);
    const [ticket] = await t.app.store.tickets.list();
    const [record] = await t.app.store.tickets.messages(ticket!.id);
    expect(record!.parse.status).toBe('ok');
    expect(await t.app.store.pendingReceipts()).toBe(0);
  });

  it('at the limit: raw kept, ticket flagged overrun, an error line, nothing left to retry', async () => {
    const t = await createTestApp();
    const now = () => t.clock.now();
    await t.app.store.receive(raw, fileTransport('mallory@example.net', ['cert@xyz.example']), now(), { owner: 'dead-0', now: now(), ms: 1 });
    for (let n = 1; n < ABANDONED_LIMIT; n++) {
      t.clock.advance(10);
      await t.app.store.claimReceipts({ owner: `dead-${n}`, now: now(), ms: 1 }, 10);
    }
    t.clock.advance(10);
    expect(await t.app.recoverReceived()).toBe(1);
    const [ticket] = await t.app.store.tickets.list();
    const [record] = await t.app.store.tickets.messages(ticket!.id);
    expect(record!.parse).toMatchObject({ status: 'overrun' });
    expect(record!.parse.error).toMatch(new RegExp(`did not finish ${ABANDONED_LIMIT} times`));
    expect(ticket!.flags).toContain('overrun');
    expect((await t.app.store.tickets.raw(record!.sha256))!.equals(raw)).toBe(true);
    expect(t.logs.lines.find((l) => l.limit === 'abandoned')).toMatchObject({ level: 50, abandoned: ABANDONED_LIMIT });
    expect(await t.app.store.pendingReceipts()).toBe(0);
  });

  it('counts earlier deliveries of the same bytes whose process died holding them (an MTA retrying after an abort)', async () => {
    const t = await createTestApp();
    const now = () => t.clock.now();
    const transport = fileTransport('mallory@example.net', ['cert@xyz.example']);
    const deliveries: number[] = [];
    for (let n = 0; n < ABANDONED_LIMIT; n++) {
      deliveries.push((await t.app.store.receive(raw, transport, now(), { owner: `ingest-${n}`, now: now(), ms: 1 })).abandoned ?? -1);
      t.clock.advance(10);
    }
    expect(deliveries).toEqual([0, 1, 2]);
    const outcome = await t.app.ingest(raw, transport);
    expect(outcome).toMatchObject({ kind: 'archived', status: 'new' });
    const [ticket] = await t.app.store.tickets.list();
    expect((await t.app.store.tickets.messages(ticket!.id))[0]!.parse.status).toBe('overrun');
  });
});
