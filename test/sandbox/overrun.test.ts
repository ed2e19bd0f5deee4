import { describe, expect, it } from 'vitest';
import { createTestApp, runPipelineOn } from '../helpers/pipeline.js';

/**
 * DESIGN §10: untrusted parsing runs in sandbox workers with an enforced budget. A message
 * over it has its worker terminated and replaced, is archived as `overrun` (raw kept,
 * ticket flagged, an error line for the operator) and is not retried; the next message
 * is parsed by the fresh worker.
 */
const normal = (n: number) =>
  Buffer.from(`From: Alice <alice@example.org>\r\nTo: cert@xyz.example\r\nSubject: scan ${n}\r\nMessage-ID: <normal-${n}@example.org>\r\n\r\nScanning from 192.0.2.${n} since Monday.\r\n`);

/** A legitimate but heavy message: a 24 MB quoted-printable body (mailparser needs seconds for it). */
function heavy(type = 'text/plain'): Buffer {
  const line = type === 'text/html' ? '<p>=41=42=43=44=45=46=47=48=49=4A=4B=4C=4D=4E=4F=50=51=52=53=54=55</p>=\r\n' : '=41=42=43=44=45=46=47=48=49=4A=4B=4C=4D=4E=4F=50=51=52=53=54=55=56=57=58=\r\n';
  const head = `From: Mallory <mallory@example.net>\r\nTo: cert@xyz.example\r\nSubject: heavy\r\nContent-Type: ${type}\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n`;
  return Buffer.from(head + line.repeat(Math.floor((24 * 1024 * 1024) / line.length)));
}

describe('sandbox budget', () => {
  it('a message over processing.timeoutSeconds is stopped, archived as overrun and flagged; the next one goes through', { timeout: 120_000 }, async () => {
    const t = await createTestApp({ processing: { workers: 1, timeoutSeconds: 0.5 } });
    try {
      const started = performance.now();
      const run = await runPipelineOn(t, heavy(), { expectErrors: true });
      expect(performance.now() - started).toBeLessThan(30_000);
      expect(run.outcome).toMatchObject({ kind: 'archived', status: 'new' });
      expect(run.record!.parse).toMatchObject({ status: 'overrun' });
      expect(run.record!.parse.error).toMatch(/processing\.timeoutSeconds/);
      expect(run.ticket!.flags).toContain('overrun');
      const logged = t.logs.lines.find((l) => l.msg === 'message overran its processing budget; sandbox worker terminated and replaced');
      expect(logged).toMatchObject({ level: 50, limit: 'time', task: 'parse-mime', sha256: run.record!.sha256 });
      // Nothing is left to retry, and the replacement worker parses the next message.
      expect(await t.app.store.pendingReceipts()).toBe(0);
      const next = await runPipelineOn(t, normal(1));
      expect(next.record!.parse.status).toBe('ok');
      expect(next.record!.indicators.ips).toContain('192.0.2.1');
    } finally {
      await t.app.stop();
    }
  });

  it('a message over processing.workerMemoryMiB is overrun too, and the worker is replaced', { timeout: 120_000 }, async () => {
    const t = await createTestApp({ processing: { workers: 1, workerMemoryMiB: 64 } });
    try {
      // Two million blank lines: the report reader keeps an object per line, far over 64 MiB.
      const lines = Buffer.from(`From: Mallory <mallory@example.net>\r\nTo: cert@xyz.example\r\nSubject: lines\r\n\r\nx${'\r\n'.repeat(2_000_000)}x\r\n`);
      const run = await runPipelineOn(t, lines, { expectErrors: true });
      expect(run.record!.parse).toMatchObject({ status: 'overrun' });
      expect(run.record!.parse.error).toMatch(/processing\.workerMemoryMiB/);
      expect(t.logs.lines.some((l) => l.limit === 'memory' && Number(l.level) === 50)).toBe(true);
      expect((await runPipelineOn(t, normal(2))).record!.parse.status).toBe('ok');
    } finally {
      await t.app.stop();
    }
  });

  it('other messages keep flowing while one worker is busy with a heavy message', { timeout: 120_000 }, async () => {
    const t = await createTestApp({ processing: { workers: 2 } });
    try {
      const slow = t.app.ingest(heavy(), { kind: 'file', mailFrom: 'mallory@example.net', rcptTo: ['cert@xyz.example'], remoteAddress: null, imapUid: null });
      const started = performance.now();
      for (let n = 10; n < 15; n++) expect((await runPipelineOn(t, normal(n))).record!.parse.status).toBe('ok');
      const fastMs = performance.now() - started;
      const heavyOutcome = await slow;
      expect(heavyOutcome.kind).toBe('archived');
      // The five normal reports did not wait for the heavy one.
      expect(fastMs).toBeLessThan(performance.now() - started);
    } finally {
      await t.app.stop();
    }
  });
});
