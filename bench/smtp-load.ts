import type { SmtpListener } from '../src/ingest/smtp-listener.js';
import { benchWorkspace, peakRssMiB, plainReport, report, round } from './bench-lib.js';
import { LineClient } from './smtp-line-client.js';

/**
 * Issue 5 figure: 20 concurrent SMTP clients on loopback, each on one connection sending
 * 4 KB reports one after the other, while the pipeline processes them. Two phases:
 *
 * - `saturated`: the clients send as fast as they are answered. The pipeline is the
 *   bottleneck, so back-pressure holds replies (smtp.busyWaitSeconds) and the accepted
 *   rate is the sustained end-to-end rate; time to `250` includes that waiting.
 * - `paced`: the same clients offer half of the saturated rate, so the pipeline keeps up
 *   and time to `250` (MAIL FROM → 250 after DATA, including the fsync'd spool write) is
 *   the cost of accepting a message.
 */
const COUNT = Number(process.env.BENCH_COUNT ?? 1000);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 20);

const workspace = await benchWorkspace({ smtp: { enabled: true, host: '127.0.0.1', port: 0 } }, { daemon: true });
await workspace.app.start();
const { port } = (workspace.app.components.get('smtp') as SmtpListener).address();
const queue = workspace.app.queue;
const messages = Array.from({ length: 2 * COUNT }, (_, i) => plainReport(i));

const saturated = await phase(messages.slice(0, COUNT), 0);
const pacedRate = saturated.acceptedPerSecond / 2;
const paced = await phase(messages.slice(COUNT), (CLIENTS / pacedRate) * 1000);
await workspace.app.stop();
await workspace.cleanup();

report({
  section: 'smtp-load',
  messages: COUNT,
  clients: CLIENTS,
  bytesPerMessage: messages[0]?.length ?? 0,
  acceptedPerSecond: saturated.acceptedPerSecond,
  processedPerSecond: saturated.processedPerSecond,
  p50MsTo250: saturated.p50,
  p99MsTo250: saturated.p99,
  tempFailures451: saturated.tempFailures,
  pacedOfferedPerSecond: round(pacedRate),
  pacedAcceptedPerSecond: paced.acceptedPerSecond,
  pacedP50MsTo250: paced.p50,
  pacedP99MsTo250: paced.p99,
  pacedMaxQueueDepth: paced.maxQueueDepth,
  peakRssMiB: peakRssMiB(),
});

interface PhaseResult {
  acceptedPerSecond: number;
  processedPerSecond: number;
  p50: number;
  p99: number;
  tempFailures: number;
  maxQueueDepth: number;
}

/** Sends `batch` over CLIENTS connections; each client starts a message every `intervalMs` at most. */
async function phase(batch: Buffer[], intervalMs: number): Promise<PhaseResult> {
  const latencies: number[] = [];
  const counters = { next: 0, tempFailures: 0, maxQueueDepth: 0 };
  const started = performance.now();
  await Promise.all(Array.from({ length: CLIENTS }, () => client(batch, intervalMs, latencies, counters)));
  const acceptSeconds = (performance.now() - started) / 1000;
  await queue.drain();
  const allSeconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const percentile = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
  return {
    acceptedPerSecond: round(latencies.length / acceptSeconds),
    processedPerSecond: round(latencies.length / allSeconds),
    p50: round(percentile(50), 1),
    p99: round(percentile(99), 1),
    tempFailures: counters.tempFailures,
    maxQueueDepth: counters.maxQueueDepth,
  };
}

/** One sending MTA: one connection, messages one after another; a 451 means wait and resend. */
async function client(
  batch: Buffer[],
  intervalMs: number,
  latencies: number[],
  counters: { next: number; tempFailures: number; maxQueueDepth: number },
): Promise<void> {
  const session = await LineClient.connect(port);
  await session.reply();
  await session.command('EHLO bench.example');
  // Spread the paced clients over one interval instead of starting them together.
  if (intervalMs > 0) await sleep(Math.random() * intervalMs);
  for (let index = counters.next++; index < batch.length; index = counters.next++) {
    const due = performance.now() + intervalMs;
    for (;;) {
      const t0 = performance.now();
      const code = await transaction(session, batch[index]!);
      if (code === 250) {
        latencies.push(performance.now() - t0);
        counters.maxQueueDepth = Math.max(counters.maxQueueDepth, queue.depth);
        break;
      }
      if (code < 400 || code >= 500) throw new Error(`unexpected reply ${code}`);
      counters.tempFailures++;
      await session.command('RSET');
      await sleep(50);
    }
    await sleep(due - performance.now());
  }
  await session.command('QUIT');
  session.close();
}

async function transaction(session: LineClient, message: Buffer): Promise<number> {
  for (const command of ['MAIL FROM:<reporter@example.org>', 'RCPT TO:<cert@xyz.example>', 'DATA']) {
    const code = await session.command(command);
    if (code >= 400) return code;
  }
  session.write(Buffer.concat([message, Buffer.from('.\r\n')]));
  return session.reply();
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
