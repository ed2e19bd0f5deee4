import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crashMessage, expectStoredOnce } from '../helpers/crash-checks.js';
import { startPgCluster, type PgCluster } from '../helpers/pg-cluster.js';
import { startServe, writeServeConfig } from '../helpers/serve-process.js';
import { smtpBurst } from '../helpers/smtp-burst.js';
import { startSink, type Sink } from '../helpers/smtp-sink.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * The durability promise end to end, on both engines: `intake serve`, the real built
 * CLI, is killed with SIGKILL in the middle of a burst of 300 messages from 20
 * concurrent SMTP clients, then started again. Every message that got `250` must be
 * stored exactly once, no ticket number given twice, and every ack delivered to the
 * loopback relay. The clients then do what MTAs do and send again whatever got no
 * `250`: in the end all 300 are stored, each once (a message received but whose `250`
 * was lost in the crash is recognised by its SHA-256 when it comes again).
 */
const COUNT = 300;
const CLIENTS = 20;
const messages = Array.from({ length: COUNT }, (_, i) => crashMessage(`crash-${String(i).padStart(3, '0')}`));
const token = (i: number) => `crash-${String(i).padStart(3, '0')}`;

let cluster: PgCluster | null = null;
let databases = 0;
const sinks: Sink[] = [];
beforeAll(async () => {
  cluster = await startPgCluster();
}, 60_000);
afterAll(async () => {
  for (const sink of sinks) await sink.close();
  await cluster?.stop();
});

const cases = [
  { engine: 'sqlite', killAfter: 30, thread: false },
  { engine: 'sqlite', killAfter: 150, thread: false },
  { engine: 'sqlite', killAfter: 270, thread: false },
  // store.thread: the SQLite store in its own thread, killed with the process.
  { engine: 'sqlite', killAfter: 150, thread: true },
  { engine: 'postgresql', killAfter: 100, thread: false },
  { engine: 'postgresql', killAfter: 250, thread: false },
] as const;

describe('intake serve killed with SIGKILL during a burst', () => {
  it.each(cases)('$engine (store thread: $thread), after $killAfter accepted messages: every 250 stored once, no ticket twice, each ack delivered', async ({ engine, killAfter, thread }) => {
    const dir = await tempDir();
    const sink = await startSink();
    sinks.push(sink);
    const url = engine === 'postgresql' ? await cluster!.createDatabase(`crash_${++databases}`) : null;
    const config = await writeServeConfig(dir, {
      log: { level: 'info', file: 'data/logs/intake.log' },
      ack: { maxPerSenderPerDay: 1000 },
      outbound: { mode: 'smtp', host: '127.0.0.1', port: sink.port, retryInitialSeconds: 0.5, retryMaxSeconds: 1, pollSeconds: 0.5, leaseSeconds: 2 },
      ...(url ? { store: { engine: 'postgresql', url } } : { store: { thread } }),
    });

    const first = startServe(dir, config);
    const burst = await smtpBurst(await first.smtpPort(), messages, messages.map((_, i) => i), {
      clients: CLIENTS,
      onAccepted: (count) => {
        if (count === killAfter) first.child.kill('SIGKILL');
      },
    });
    await first.exited;
    expect(burst.accepted.size).toBeGreaterThanOrEqual(killAfter);
    expect(burst.accepted.size).toBeLessThan(COUNT);

    // Restart: recovery runs before the port opens; then the "MTAs" retry.
    const second = startServe(dir, config);
    const retry = await smtpBurst(await second.smtpPort(), messages, [...burst.notAccepted], { clients: CLIENTS });
    expect(retry.notAccepted.size).toBe(0);
    await sink.waitFor(() => new Set(sink.messages.map((m) => /^Message-ID: <([^>]+)>/im.exec(m.raw.toString('latin1'))?.[1])).size >= COUNT, 120_000);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    await expectStoredOnce(url ?? path.join(dir, 'data'), { accepted: [...burst.accepted].map(token), total: COUNT }, sink, 1);
  }, 300_000);
});
