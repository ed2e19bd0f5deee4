import type { SmtpListener } from '../src/ingest/smtp-listener.js';
import { benchWorkspace, peakRssMiB, plainReport, report, round } from './bench-lib.js';
import { LineClient } from './smtp-line-client.js';

/**
 * Issue 5 figure: 20 concurrent SMTP clients on loopback, each on one connection sending
 * 4 KB reports one after the other, while the pipeline processes them. Reports messages
 * accepted per second, p50/p99 of the time from MAIL FROM to the `250` after DATA (which
 * includes the fsync'd spool write), how often back-pressure answered 451, and how long
 * the pipeline took to finish everything.
 */
const COUNT = Number(process.env.BENCH_COUNT ?? 1000);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 20);

const workspace = await benchWorkspace({ smtp: { enabled: true, host: '127.0.0.1', port: 0 } });
await workspace.app.start();
const { port } = (workspace.app.components.get('smtp') as SmtpListener).address();
const messages = Array.from({ length: COUNT }, (_, i) => plainReport(i));
const latencies: number[] = [];
let tempFailures = 0;
let next = 0;

const started = performance.now();
await Promise.all(Array.from({ length: CLIENTS }, () => client()));
const acceptSeconds = (performance.now() - started) / 1000;
await workspace.app.queue.drain();
const allSeconds = (performance.now() - started) / 1000;
const archived = workspace.app.counters.get('outcome.new');
await workspace.app.stop();
await workspace.cleanup();

latencies.sort((a, b) => a - b);
const percentile = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
report({
  section: 'smtp-load',
  messages: COUNT,
  clients: CLIENTS,
  bytesPerMessage: messages[0]?.length ?? 0,
  accepted: latencies.length,
  archived,
  acceptedPerSecond: round(latencies.length / acceptSeconds),
  p50MsTo250: round(percentile(50), 1),
  p99MsTo250: round(percentile(99), 1),
  tempFailures451: tempFailures,
  processedPerSecond: round(archived / allSeconds),
  peakRssMiB: peakRssMiB(),
});

/** One sending MTA: one connection, messages one after another, 451 → short wait, same message again. */
async function client(): Promise<void> {
  const session = await LineClient.connect(port);
  await session.reply();
  await session.command('EHLO bench.example');
  for (let index = next++; index < COUNT; index = next++) {
    for (;;) {
      const t0 = performance.now();
      const code = await transaction(session, messages[index]!);
      if (code === 250) {
        latencies.push(performance.now() - t0);
        break;
      }
      if (code < 400 || code >= 500) throw new Error(`unexpected reply ${code}`);
      tempFailures++;
      await session.command('RSET');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
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
