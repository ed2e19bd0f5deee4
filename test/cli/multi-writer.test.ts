import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { crashMessage, expectStoredOnce } from '../helpers/crash-checks.js';
import { startPgCluster, type PgCluster } from '../helpers/pg-cluster.js';
import { startServe, writeServeConfig } from '../helpers/serve-process.js';
import { smtpBurst } from '../helpers/smtp-burst.js';
import { startSink, type Sink } from '../helpers/smtp-sink.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * Several writers on one store (issue 10 item 4), with the real built CLI:
 * - three `intake ingest` processes (as an MTA starts them) racing over the same 300
 *   files beside a running `intake serve`, on SQLite and on PostgreSQL;
 * - two `intake serve` nodes on one PostgreSQL database, each with its own config, logs
 *   and listener, both sent the same 300 raw messages, one killed mid-burst and
 *   restarted.
 * Every message is stored once under one ticket, and each ack reaches the loopback relay
 * once whichever node or process stored it.
 */
const COUNT = 300;
const token = (i: number) => `multi-${String(i).padStart(3, '0')}`;
const messages = Array.from({ length: COUNT }, (_, i) => crashMessage(token(i)));

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

async function sinkForTest(): Promise<Sink> {
  const sink = await startSink();
  sinks.push(sink);
  return sink;
}

function nodeConfig(dir: string, sink: Sink, url: string | null, smtp = false) {
  return writeServeConfig(dir, {
    log: { level: 'info', file: 'data/logs/intake.log' },
    smtp: smtp ? { enabled: true, host: '127.0.0.1', port: 0 } : { enabled: false },
    ack: { maxPerSenderPerDay: 1000 },
    processing: { timeoutSeconds: 5, recoveryPollSeconds: 0.5 },
    outbound: { mode: 'smtp', host: '127.0.0.1', port: sink.port, retryInitialSeconds: 0.5, retryMaxSeconds: 1, pollSeconds: 0.5, leaseSeconds: 5 },
    ...(url ? { store: { engine: 'postgresql', url } } : {}),
  });
}

const ackIds = (sink: Sink) => new Set(sink.messages.map((m) => /^Message-ID: <([^>]+)>/im.exec(m.raw.toString('latin1'))?.[1]));

describe('three intake ingest processes racing beside intake serve', () => {
  it.each(['sqlite', 'postgresql'] as const)('%s: 300 files, each stored once, each ack delivered once', async (engine) => {
    const dir = await tempDir();
    const sink = await sinkForTest();
    const url = engine === 'postgresql' ? await cluster!.createDatabase(`race_${++databases}`) : null;
    const config = await nodeConfig(dir, sink, url);
    const files: string[] = [];
    for (let i = 0; i < COUNT; i++) {
      files.push(`m${String(i).padStart(3, '0')}.eml`);
      await writeFile(path.join(dir, files[i]!), messages[i]!);
    }
    const serve = startServe(dir, config);
    await serve.waitForLine((l) => l.msg === 'intake serve started', 'serve to start');
    // The same files in three different orders, as three MTA deliveries at once.
    const orders = [files, [...files].reverse(), [...files.slice(150), ...files.slice(0, 150)]];
    const runs = await Promise.all(orders.map((order) => runCli(['ingest', '--config', config, '--sender', 'reporter@example.org', ...order], { cwd: dir })));
    const statuses = new Map<string, number>();
    for (const run of runs) {
      expect(run.code, run.stderr).toBe(0);
      const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { status: string });
      expect(lines).toHaveLength(COUNT);
      for (const l of lines) statuses.set(l.status, (statuses.get(l.status) ?? 0) + 1);
    }
    expect(statuses.get('new')).toBe(COUNT);
    expect(statuses.get('duplicate')).toBe(2 * COUNT);
    await sink.waitFor(() => ackIds(sink).size >= COUNT, 120_000);
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    const { duplicateAcks } = await expectStoredOnce(url ?? path.join(dir, 'data'), { accepted: Array.from({ length: COUNT }, (_, i) => token(i)), total: COUNT }, sink, 0);
    expect(duplicateAcks).toBe(0);
  }, 300_000);
});

describe('two intake serve nodes on one PostgreSQL database', () => {
  it('both sent the same 300 messages, one killed mid-burst and restarted: each stored once, each ack delivered', async () => {
    const sink = await sinkForTest();
    const url = await cluster!.createDatabase(`nodes_${++databases}`);
    const [dirA, dirB] = [await tempDir(), await tempDir()];
    const [configA, configB] = [await nodeConfig(dirA, sink, url, true), await nodeConfig(dirB, sink, url, true)];
    const a = startServe(dirA, configA);
    const b = startServe(dirB, configB);
    const [portA, portB] = [await a.smtpPort(), await b.smtpPort()];
    const all = messages.map((_, i) => i);
    const [burstA, burstB] = await Promise.all([
      smtpBurst(portA, messages, all, { clients: 10, onAccepted: (n) => n === 120 && a.child.kill('SIGKILL') }),
      smtpBurst(portB, messages, [...all].reverse(), { clients: 10 }),
    ]);
    await a.exited;
    expect(burstA.accepted.size).toBeLessThan(COUNT);
    expect(burstB.notAccepted.size).toBe(0);

    // A comes back (its own config, logs and listener) and its "MTAs" retry.
    const again = startServe(dirA, configA);
    const retry = await smtpBurst(await again.smtpPort(), messages, [...burstA.notAccepted], { clients: 10 });
    expect(retry.notAccepted.size).toBe(0);
    await sink.waitFor(() => ackIds(sink).size >= COUNT, 120_000);
    for (const node of [again, b]) node.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
    expect(await b.exited).toBe(0);
    const accepted = [...new Set([...burstA.accepted, ...burstB.accepted])].map(token);
    await expectStoredOnce(url, { accepted, total: COUNT }, sink, 1);
  }, 300_000);
});
