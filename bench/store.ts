import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileTransport } from '../src/model/transport.js';
import { SERVE_MESSAGE_WAIT_MS, SqliteEngine } from '../src/store/sqlite-engine.js';
import { SqlStore } from '../src/store/sql-store.js';
import { ThreadStore } from '../src/store/store-thread.js';
import type { CommitRequest, IntakeStore } from '../src/store/store.js';
import { benchRecord, plainReport, report, round } from './bench-lib.js';
import { startBenchCluster } from './pg-bench-cluster.js';
import { PgEngine } from '../src/store/pg-engine.js';

/**
 * Issue 10 figure: the store alone, as `intake serve` uses it — receive, place and commit
 * of a 4 KB report with a 2 KB record, its ack queued, a Message-ID and a ciphertext
 * lookup — with `IN_FLIGHT` messages at once (group commit on SQLite; a pool of
 * connections on PostgreSQL). Target: ≥ 1,000 msg/s on SQLite. The same on SQLite in the
 * store's own thread, as `intake serve` runs it (store/store-thread.ts), with the CPU the
 * calling thread spends per message either way (process.threadCpuUsage): what is left
 * on the event loop that answers SMTP.
 */
const COUNT = Number(process.env.BENCH_COUNT ?? 2000);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 8);

const messages = Array.from({ length: COUNT }, (_, n) => plainReport(n));
const ack = Buffer.alloc(2048, 'a');

const dir = await mkdtemp(path.join(os.tmpdir(), 'intake-bench-store-'));
const file = path.join(dir, 'intake.sqlite');
const sqlite = await SqlStore.open(await SqliteEngine.open({ file, messageWaitMs: SERVE_MESSAGE_WAIT_MS }), file);
const inThread = await run(sqlite);
const sqliteSeconds = inThread.seconds;
const groupCommit = (sqlite.sql as SqliteEngine).stats;
await sqlite.close();
const threadFile = path.join(dir, 'thread.sqlite');
const threaded = await ThreadStore.open({ file: threadFile, messageWaitMs: SERVE_MESSAGE_WAIT_MS });
const ownThread = await run(threaded);
const threadCommit = await threaded.stats();
await threaded.close();

const cluster = process.env.BENCH_PG === '0' ? null : await startBenchCluster().catch(() => null);
let pgSeconds: number | null = null;
if (cluster) {
  const pg = await SqlStore.open(new PgEngine({ url: cluster.url, max: 4 }), cluster.url);
  pgSeconds = (await run(pg)).seconds;
  await pg.close();
  await cluster.stop();
}
await rm(dir, { recursive: true, force: true });

report({
  section: 'store',
  messages: COUNT,
  inFlight: IN_FLIGHT,
  sqliteMessagesPerSecond: round(COUNT / sqliteSeconds),
  sqliteTarget: 1000,
  sqliteRatioToTarget: round(COUNT / sqliteSeconds / 1000, 2),
  sqliteTransactionsPerMessage: round(groupCommit.transactions / COUNT, 2),
  sqliteJobsPerTransaction: round(groupCommit.jobs / groupCommit.transactions, 2),
  sqliteCallerCpuMsPerMessage: round(inThread.callerCpuMs / COUNT, 3),
  sqliteThreadMessagesPerSecond: round(COUNT / ownThread.seconds),
  sqliteThreadRatioToTarget: round(COUNT / ownThread.seconds / 1000, 2),
  sqliteThreadTransactionsPerMessage: round(threadCommit.transactions / COUNT, 2),
  sqliteThreadCallerCpuMsPerMessage: round(ownThread.callerCpuMs / COUNT, 3),
  postgresqlMessagesPerSecond: pgSeconds === null ? null : round(COUNT / pgSeconds),
});

async function run(store: IntakeStore): Promise<{ seconds: number; callerCpuMs: number }> {
  const started = performance.now();
  const cpu = process.threadCpuUsage();
  let next = 0;
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (next < messages.length) await one(store, next++);
  }));
  const used = process.threadCpuUsage(cpu);
  return { seconds: (performance.now() - started) / 1000, callerCpuMs: (used.user + used.system) / 1000 };
}

async function one(store: IntakeStore, n: number): Promise<void> {
  const now = new Date();
  const received = await store.receive(messages[n]!, fileTransport(`reporter${n % 50}@example.org`, ['cert@xyz.example']), now, { owner: 'bench', now, ms: 60_000 });
  const placed = await store.place({
    sha256: received.sha256, receiptId: received.receiptId, receivedAt: now, ticket: null, prefix: 'XYZ', year: 2026,
    threading: { kind: 'new', senderKnown: true }, quota: { key: `k${n % 50}`, day: '2026-11-23', max: 1_000_000 },
  });
  if (placed.kind !== 'placed') throw new Error('not placed');
  const { ticket, seq } = placed.placement;
  const record = benchRecord(ticket, seq, received.sha256, now);
  const request: CommitRequest = {
    sha256: received.sha256, receiptId: received.receiptId, ticket, seq, record: record as never, decrypted: null, attachments: [],
    messageIds: [`bench-${n}@example.org`, `ack.${ticket}@xyz.example`], ciphertexts: [received.sha256],
    outgoing: [{ key: `${ticket}.001.ack`, kind: 'ack', recipient: 'reporter@example.org', messageId: `ack.${ticket}@xyz.example`, encrypted: true, raw: ack, compose: null, lastError: null }],
    pendingKeys: [], fold: { sender: record.from.address, rereadReporterKey: false }, mode: 'first', now,
  };
  const result = await store.commit(request);
  if (result.kind !== 'committed') throw new Error('not committed');
}
