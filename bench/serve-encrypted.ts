import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { peakRssMiB, report, round } from './bench-lib.js';
import { encryptedReport, gpgDecrypt, reportEntity } from './openpgp-lib.js';
import { startBenchCluster } from './pg-bench-cluster.js';
import { removeNode, sendAll, stageMeans, startNode, startRelay, syncCalls, type ServeNode } from './serve-process.js';

/**
 * Issue 10 figures, end to end through `intake serve` (the built CLI, OpenPGP workers
 * `auto`): PGP/MIME signed+encrypted ~4 KB reports sent over SMTP by 8 clients, each
 * decrypted, verified, understood, ticketed and committed, and answered with an
 * acknowledgement signed and encrypted to the reporter's curated key and delivered to a
 * loopback relay — timed from the first MAIL FROM to the last ack at the relay. Against
 * `gpg --decrypt` spawned per message on the same ciphertexts in the same run (one at a
 * time, and one per core). Also: the same with `store.engine: postgresql` and two nodes;
 * fsync + fdatasync calls per message in serve (strace -f -c, when installed); time to
 * 250 at half the saturated rate while the pipeline runs; and the SQLite runs again with
 * store.thread (the store in its own thread).
 */
const COUNT = Number(process.env.BENCH_COUNT ?? 200);
/** Messages of the paced phase (half the saturated rate), after the saturated one on the same node. */
const PACED = Number(process.env.BENCH_PACED ?? 100);
const CLIENTS = 8;
const CORES = Math.max(1, Math.min(os.availableParallelism(), 4));
const corpus = await Promise.all(Array.from({ length: COUNT }, (_, n) => encryptedReport('cv25519', n, reportEntity(n))));
const messages = corpus.map((c) => c.message);
const pacedMessages = await Promise.all(Array.from({ length: PACED }, async (_, n) => (await encryptedReport('cv25519', COUNT + n, reportEntity(COUNT + n))).message));

const gpgSerial = await gpgDecrypt('cv25519', corpus.map((c) => c.armored), 1);
const gpgParallel = await gpgDecrypt('cv25519', corpus.map((c) => c.armored), CORES);

// BENCH_SERVE_RUNS (e.g. "sqlite") runs only some of the runs: sqlite, thread, postgresql, strace.
const runs = new Set((process.env.BENCH_SERVE_RUNS ?? 'sqlite,thread,postgresql,strace').split(','));
const sqlite = await run(1, null, { paced: PACED > 0 });
// store.thread: the same, with the SQLite store in its own thread.
const threaded = runs.has('thread') ? await run(1, { thread: true }, { paced: PACED > 0 }) : null;
const cluster = runs.has('postgresql') ? await startBenchCluster().catch(() => null) : null;
const postgres = cluster ? await run(2, { engine: 'postgresql', url: await cluster.createDatabase('bench_two_nodes') }) : null;
await cluster?.stop();
const hasStrace = (() => {
  try {
    execFileSync('strace', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const traced = hasStrace && runs.has('strace') ? await run(1, null, { strace: true, count: Math.min(COUNT, 100) }) : null;
const threadTraced = hasStrace && runs.has('thread') && runs.has('strace') ? await run(1, { thread: true }, { strace: true, count: Math.min(COUNT, 100) }) : null;

report({
  section: 'serve-encrypted',
  messages: COUNT,
  clients: CLIENTS,
  node: process.version,
  loadAverage: os.loadavg().map((l) => round(l, 1)),
  gpgSerialPerSecond: round(COUNT / gpgSerial),
  gpgParallelPerSecond: round(COUNT / gpgParallel),
  sqliteServePerSecond: round(COUNT / sqlite.seconds),
  ratioSqliteVsGpgSerial: round(gpgSerial / sqlite.seconds, 2),
  ratioSqliteVsGpgParallel: round(gpgParallel / sqlite.seconds, 2),
  postgresqlTwoNodesPerSecond: postgres ? round(COUNT / postgres.seconds) : null,
  ratioPostgresqlVsGpgSerial: postgres ? round(gpgSerial / postgres.seconds, 2) : null,
  ratioPostgresqlVsGpgParallel: postgres ? round(gpgParallel / postgres.seconds, 2) : null,
  fsyncPerMessageInServe: traced?.syncs === null || traced === null ? null : round(traced.syncs / traced.count, 2),
  sqliteCpuMsPerMessage: sqlite.cpuMsPerMessage,
  sqliteCpuMsPerMessageByThread: sqlite.cpuMsPerMessageByThread,
  postgresqlCpuMsPerMessage: postgres?.cpuMsPerMessage ?? null,
  sqliteStageMeansMs: sqlite.stages,
  sqliteSaturatedP50MsTo250: sqlite.p50,
  sqliteSaturatedP99MsTo250: sqlite.p99,
  pacedOfferedPerSecond: sqlite.paced?.offered ?? null,
  pacedP50MsTo250: sqlite.paced?.p50 ?? null,
  pacedP99MsTo250: sqlite.paced?.p99 ?? null,
  pacedP99Target: 25,
  threadServePerSecond: threaded ? round(COUNT / threaded.seconds) : null,
  ratioThreadVsGpgSerial: threaded ? round(gpgSerial / threaded.seconds, 2) : null,
  threadCpuMsPerMessage: threaded?.cpuMsPerMessage ?? null,
  threadCpuMsPerMessageByThread: threaded?.cpuMsPerMessageByThread ?? null,
  threadFsyncPerMessageInServe: threadTraced?.syncs == null ? null : round(threadTraced.syncs / threadTraced.count, 2),
  threadSaturatedP99MsTo250: threaded?.p99 ?? null,
  threadPacedP50MsTo250: threaded?.paced?.p50 ?? null,
  threadPacedP99MsTo250: threaded?.paced?.p99 ?? null,
  peakRssMiB: peakRssMiB(),
});

async function run(nodes: number, store: Record<string, unknown> | null, options: { strace?: boolean; count?: number; paced?: boolean } = {}) {
  const count = options.count ?? COUNT;
  const relay = await startRelay();
  const started: ServeNode[] = [];
  const total = count + (options.paced ? pacedMessages.length : 0);
  for (let i = 0; i < nodes; i++) started.push(await startNode(relay.port, { ...(store ? { store } : {}), ackLimit: total + 1, strace: options.strace ?? false }));
  process.stderr.write(`serve-encrypted: ${nodes} node(s), ${store?.engine === 'postgresql' ? 'postgresql' : store?.thread ? 'sqlite in its own thread' : 'sqlite'}${options.strace ? ', strace' : ''}, ${count} messages\n`);
  const ports = started.map((n) => n.port);
  const cpu = async () => (await Promise.all(started.map((n) => n.cpuMs()))).reduce<number | null>((sum, ms) => (sum === null || ms === null ? null : sum + ms), 0);
  const threads = async () => {
    const sum: Record<string, number> = {};
    for (const byKind of await Promise.all(started.map((n) => n.threadCpuMs()))) for (const [k, ms] of Object.entries(byKind)) sum[k] = (sum[k] ?? 0) + ms;
    return sum;
  };
  const cpuBefore = await cpu();
  const threadsBefore = await threads();
  const t0 = performance.now();
  const latencies = await sendAll(ports, messages.slice(0, count), CLIENTS, 'alice@example.org');
  while (relay.delivered < count) await new Promise((r) => setTimeout(r, 20));
  const seconds = (performance.now() - t0) / 1000;
  const cpuAfter = await cpu();
  const threadsAfter = await threads();
  const cpuMsPerMessageByThread = Object.fromEntries(Object.entries(threadsAfter).map(([k, ms]) => [k, round((ms - (threadsBefore[k] ?? 0)) / count, 1)]));
  // Half the saturated rate, spread over the clients, while the pipeline works on what came before.
  let paced: { offered: number; p50: number; p99: number } | null = null;
  if (options.paced) {
    const offered = count / seconds / 2;
    const pacedLatencies = await sendAll(ports, pacedMessages, CLIENTS, 'alice@example.org', (CLIENTS / offered) * 1000);
    while (relay.delivered < total) await new Promise((r) => setTimeout(r, 20));
    paced = { offered: round(offered), ...percentiles(pacedLatencies) };
  }
  const stages = stageMeans(started);
  for (const node of started) await node.stop();
  const syncs = options.strace ? syncCalls(await started[0]!.straceSummary()) : null;
  for (const node of started) await removeNode(node);
  await relay.close();
  const cpuMsPerMessage = cpuBefore === null || cpuAfter === null ? null : round((cpuAfter - cpuBefore) / count, 1);
  return { seconds, stages, syncs, count: total, cpuMsPerMessage, cpuMsPerMessageByThread, paced, ...percentiles(latencies) };
}

function percentiles(latencies: number[]): { p50: number; p99: number } {
  const sorted = [...latencies].sort((a, b) => a - b);
  const pct = (p: number) => round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0);
  return { p50: pct(50), p99: pct(99) };
}
