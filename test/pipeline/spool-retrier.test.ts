import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileTransport } from '../../src/model/transport.js';
import { spoolEntries, waitFor } from '../helpers/archive-scan.js';
import { createTestApp } from '../helpers/pipeline.js';

const raw = Buffer.from('From: alice@example.org\r\nTo: cert@xyz.example\r\nSubject: retry me please\r\nMessage-ID: <retry@example.org>\r\n\r\nThe host 192.0.2.10 scanned us again today.\r\n');

describe('retrying spooled messages whose processing failed', () => {
  it('keeps the message in the spool, retries with growing delays (logged), and archives it once it can', async () => {
    const t = await createTestApp({ processing: { retryMinSeconds: 0.05, retryMaxSeconds: 0.2 } });
    await t.app.start();
    try {
      // The archive cannot be written: every attempt fails, the spool keeps the message.
      const tickets = path.join(t.config.archive.dir, 'tickets');
      await mkdir(t.config.archive.dir, { recursive: true });
      await rm(tickets, { recursive: true, force: true });
      await writeFile(tickets, 'in the way');
      const first = await t.app.ingest(raw, fileTransport('alice@example.org', ['cert@xyz.example']));
      expect(first.kind).toBe('retry');
      await waitFor(() => t.logs.lines.filter((l) => l.msg === 'message kept in the spool; retry scheduled').length >= 3, 'three scheduled retries');
      const scheduled = t.logs.lines.filter((l) => l.msg === 'message kept in the spool; retry scheduled');
      expect(scheduled.slice(0, 3).map((l) => l.attempt)).toEqual([1, 2, 3]);
      expect(await spoolEntries(t.config.archive.dir)).toHaveLength(1);

      await rm(tickets);
      await waitFor(async () => (await spoolEntries(t.config.archive.dir)).length === 0, 'the retry to succeed');
      await t.app.queue.drain();
      expect(await t.app.archive.tickets.listIds()).toEqual(['XYZ-2026-00001']);
      expect(t.app.counters.get('outcome.new')).toBe(1);
      expect(t.app.counters.get('outcome.retry')).toBeGreaterThanOrEqual(3);
    } finally {
      await t.app.stop();
    }
  });

  it('leaves retries to the MTA when not serving (intake ingest): nothing is scheduled', async () => {
    const t = await createTestApp();
    const tickets = path.join(t.config.archive.dir, 'tickets');
    await mkdir(t.config.archive.dir, { recursive: true });
    await rm(tickets, { recursive: true, force: true });
    await writeFile(tickets, 'in the way');
    expect((await t.app.ingest(raw, fileTransport(null, []))).kind).toBe('retry');
    expect(t.logs.lines.filter((l) => l.msg === 'message kept in the spool; retry scheduled')).toEqual([]);
    await t.app.stop();
  });
});
