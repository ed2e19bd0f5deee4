import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { ABANDONED_LIMIT } from '../../src/pipeline/process-received.js';
import { runCli, writeCliConfig } from '../helpers/cli.js';
import { createTestApp, runPipelineOn } from '../helpers/pipeline.js';
import { tempDir } from '../helpers/temp-dir.js';

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

  it('a message over processing.workerMemoryMiB ends as overrun, even where V8 aborts the whole process', { timeout: 180_000 }, async () => {
    // In `intake ingest` processes, as an MTA pipe runs them: V8 may end the worker
    // (ERR_WORKER_OUT_OF_MEMORY, the usual case) or, for this allocation shape, abort the
    // whole process despite the worker's limit (nodejs/node#47224). The MTA then retries;
    // the third delivery whose earlier holders died is stored unparsed. Either way it ends
    // as overrun, and a normal report afterwards is parsed.
    const dir = await tempDir();
    await writeCliConfig(dir, { processing: { workers: 1, workerMemoryMiB: 64, timeoutSeconds: 10 } });
    // Two million blank lines: the report reader keeps an object per line, far over 64 MiB.
    const lines = Buffer.from(`From: Mallory <mallory@example.net>\r\nTo: cert@xyz.example\r\nSubject: lines\r\n\r\nx${'\r\n'.repeat(2_000_000)}x\r\n`);
    const ingest = (input: Buffer) => runCli(['ingest', '--config', path.join(dir, 'config.yaml'), '--sender', 'mallory@example.net', '-'], { cwd: dir, input });
    const aborted: string[] = [];
    let stored: { ticket: string } | null = null;
    for (let delivery = 1; delivery <= ABANDONED_LIMIT + 1 && !stored; delivery++) {
      const run = await ingest(lines);
      if (run.code === 0) stored = JSON.parse(run.stdout.trim()) as { ticket: string };
      else {
        aborted.push(`${run.code ?? run.signal}`);
        // The dead process's lease (2 x processing.timeoutSeconds) runs out before the MTA's retry.
        await new Promise((resolve) => setTimeout(resolve, 20_500));
      }
    }
    expect(stored, `every delivery aborted: ${aborted.join(', ')}`).not.toBeNull();
    const shown = await runCli(['tickets', 'show', stored!.ticket, '--json', '--config', path.join(dir, 'config.yaml')], { cwd: dir });
    const ticket = JSON.parse(shown.stdout) as { ticket: { flags: string[] }; messages: Array<{ parse: { status: string; error: string } }> };
    expect(ticket.ticket.flags).toContain('overrun');
    expect(ticket.messages[0]!.parse.status).toBe('overrun');
    expect(ticket.messages[0]!.parse.error).toMatch(aborted.length === 0 ? /processing\.workerMemoryMiB/ : /processing\.workerMemoryMiB|did not finish \d+ times/);
    const next = await ingest(normal(2));
    expect(next.code, next.stderr).toBe(0);
    expect(JSON.parse(next.stdout.trim())).toMatchObject({ status: 'new' });
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
