import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, startCli, writeCliConfig } from '../helpers/cli.js';
import { waitFor } from '../helpers/archive-scan.js';
import { startSink, type Sink } from '../helpers/smtp-sink.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * `intake outbox list|retry|drop` with the real CLI and a running `intake serve`
 * delivering to a loopback relay: what waits, what failed and why, a retry after the
 * cause is fixed, a drop; a delivered ack leaves nothing in the queue, and a failed one
 * is counted in `intake stats`.
 */
const sinks: Sink[] = [];
afterEach(async () => {
  for (const sink of sinks.splice(0)) await sink.close();
});

const report = (n: number) => `From: reporter${n}@example.org\r\nTo: cert@xyz.example\r\nSubject: scan ${n}\r\nMessage-ID: <ob-${n}@example.org>\r\n\r\nHost 192.0.2.${n} scans us.\r\n`;

describe('intake outbox', () => {
  it('lists, drops, shows a failure with its error, retries it after the fix; delivered acks leave the queue', async () => {
    const sink = await startSink({ rejectRecipients: true });
    sinks.push(sink);
    const dir = await tempDir();
    const config = await writeCliConfig(dir, {
      outbound: { mode: 'smtp', host: '127.0.0.1', port: sink.port, pollSeconds: 0.2, retryInitialSeconds: 0.2, retryMaxSeconds: 0.5 },
    });
    const cli = (args: string[]) => runCli(['--config', config, ...args], { cwd: dir });
    for (const n of [1, 2]) {
      await writeFile(path.join(dir, `m${n}.eml`), report(n));
      expect((await cli(['ingest', '--sender', `reporter${n}@example.org`, `m${n}.eml`])).code).toBe(0);
    }
    const listed = (await cli(['outbox', 'list', '--json'])).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(listed.map((e) => [e.key, e.recipient, e.attempts, e.lastError])).toEqual([
      ['XYZ-2026-00001.001.ack', 'reporter1@example.org', 0, null],
      ['XYZ-2026-00002.001.ack', 'reporter2@example.org', 0, null],
    ]);
    expect((await cli(['outbox', 'list'])).stdout).toMatch(/^XYZ-2026-00001\.001\.ack {2}to reporter1@example\.org {2}attempts=0 {2}next /m);

    expect(JSON.parse((await cli(['outbox', 'drop', 'XYZ-2026-00002.001.ack'])).stdout)).toEqual({ dropped: 'XYZ-2026-00002.001.ack' });
    expect((await cli(['outbox', 'drop', 'XYZ-2026-00002.001.ack'])).code).toBe(66);
    expect((await cli(['outbox', 'drop', '../etc/passwd'])).code).toBe(64);
    expect((await cli(['outbox', 'retry'])).code).toBe(64);

    const serve = startCli(['serve', '--config', config], { cwd: dir });
    let out = '';
    serve.stdout!.on('data', (c) => (out += c));
    try {
      await waitFor(async () => (await cli(['outbox', 'list', '--failed'])).stdout.includes('XYZ-2026-00001.001.ack'), 'the ack to fail', 60_000);
      const failed = JSON.parse((await cli(['outbox', 'list', '--failed', '--json'])).stdout.trim());
      expect(failed).toMatchObject({ key: 'XYZ-2026-00001.001.ack', attempts: 1, nextAttemptAt: null });
      expect(failed.lastError).toMatch(/550/);
      expect(out).toContain('ack delivery refused; given up');
      const stats = JSON.parse((await cli(['stats', '--json'])).stdout);
      expect(stats.outbox).toEqual({ pending: 0, failed: 1, delivered: 0 });
      expect(stats.acknowledgements.failed).toBe(1);

      sink.options.rejectRecipients = false;
      expect(JSON.parse((await cli(['outbox', 'retry', '--all-failed'])).stdout)).toEqual({ retried: 1 });
      await sink.waitFor(() => sink.messages.length === 1, 60_000);
      await waitFor(async () => (await cli(['outbox', 'list', '--json'])).stdout.trim() === '', 'the queue to empty', 30_000);
      expect((await cli(['outbox', 'list'])).stderr).toContain('the queue is empty');
      const after = JSON.parse((await cli(['stats', '--json'])).stdout);
      expect(after.outbox).toEqual({ pending: 0, failed: 0, delivered: 1 });
      expect(sink.messages.map((m) => m.rcptTo[0]!.address)).toEqual(['reporter1@example.org']);
    } finally {
      serve.kill('SIGTERM');
      await new Promise((resolve) => serve.once('close', resolve));
    }
  }, 120_000);
});
