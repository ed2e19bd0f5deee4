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
 * 250 at half the saturated rate while the pipeline runs.
 */
const COUNT = Number(process.env.BENCH_COUNT ?? 200);
const CLIENTS = 8;
const CORES = Math.max(1, Math.min(os.availableParallelism(), 4));
const corpus = await Promise.all(Array.from({ length: COUNT }, (_, n) => encryptedReport('cv25519', n, reportEntity(n))));
const messages = corpus.map((c) => c.message);

const gpgSerial = await gpgDecrypt('cv25519', corpus.map((c) => c.armored), 1);
const gpgParallel = await gpgDecrypt('cv25519', corpus.map((c) => c.armored), CORES);

const sqlite = await run(1, null);
const cluster = await startBenchCluster().catch(() => null);
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
const traced = hasStrace ? await run(1, null, { strace: true, count: Math.min(COUNT, 100) }) : null;

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
  sqliteStageMeansMs: sqlite.stages,
  sqliteP50MsTo250: sqlite.p50,
  sqliteP99MsTo250: sqlite.p99,
  peakRssMiB: peakRssMiB(),
});

async function run(nodes: number, store: Record<string, unknown> | null, options: { strace?: boolean; count?: number } = {}) {
  const count = options.count ?? COUNT;
  const relay = await startRelay();
  const started: ServeNode[] = [];
  for (let i = 0; i < nodes; i++) started.push(await startNode(relay.port, { ...(store ? { store } : {}), ackLimit: count + 1, strace: options.strace ?? false }));
  process.stderr.write(`serve-encrypted: ${nodes} node(s), ${store ? 'postgresql' : 'sqlite'}${options.strace ? ', strace' : ''}, ${count} messages\n`);
  const t0 = performance.now();
  const latencies = await sendAll(started.map((n) => n.port), messages.slice(0, count), CLIENTS, 'alice@example.org');
  while (relay.delivered < count) await new Promise((r) => setTimeout(r, 20));
  const seconds = (performance.now() - t0) / 1000;
  const stages = stageMeans(started);
  for (const node of started) await node.stop();
  const syncs = options.strace ? syncCalls(await started[0]!.straceSummary()) : null;
  for (const node of started) await removeNode(node);
  await relay.close();
  const sorted = [...latencies].sort((a, b) => a - b);
  const pct = (p: number) => round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0);
  return { seconds, stages, syncs, count, p50: pct(50), p99: pct(99) };
}
