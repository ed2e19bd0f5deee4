import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { MessageRecord } from '../src/model/message-record.js';
import { fileTransport } from '../src/model/transport.js';
import { classifyTerm } from '../src/search/classify-term.js';
import { PgEngine } from '../src/store/pg-engine.js';
import { searchTickets } from '../src/store/search-index.js';
import { SqliteEngine } from '../src/store/sqlite-engine.js';
import { SqlStore } from '../src/store/sql-store.js';
import { report, round } from './bench-lib.js';
import { startBenchCluster } from './pg-bench-cluster.js';

/**
 * Issue 14 figure: `intake search` over a store of `BENCH_COUNT` reports (each with a few
 * addresses, a domain, a CVE and 2 KB of words), per kind of term — an address, a /24,
 * a domain with its subdomains, a phrase — on SQLite and PostgreSQL, against the way the
 * new-user trial had to search (`grep -rl` over one message.json per report, the
 * file archive's layout), in the same run. Also the commit's cost with the index.
 */
const COUNT = Number(process.env.BENCH_COUNT ?? 5000);
const QUERIES = 20;
const run = promisify(execFile);
const WORDS = 'scan brute force login ssh telnet botnet phishing credential exfiltration lateral movement ransomware beacon'.split(' ');

function recordFor(n: number, ticket: string, sha256: string): { record: MessageRecord; text: string } {
  const ip = `198.51.${(n >> 8) & 255}.${n & 255}`;
  const text = Array.from({ length: 300 }, (_, i) => WORDS[(n * 7 + i) % WORDS.length]).join(' ') + ` host${n}.victim${n % 97}.example ${ip}`;
  const hosts = () => ({ ips: [], cidrs: [], domains: [] });
  const record = {
    ticket, seq: 1, sha256, receivedAt: new Date(Date.UTC(2026, 0, 1) + n * 60_000).toISOString(),
    transport: fileTransport(`reporter${n % 200}@example.org`, ['cert@xyz.example']),
    headers: { messageId: null, from: null, to: null, subject: `report ${n}`, date: null, subjectDecoded: `report ${n}` },
    from: { address: `reporter${n % 200}@example.org`, valid: true, count: 1, problem: null },
    signature: { status: 'none', coverage: 'none', signers: [], fromMatchesSigner: false },
    indicators: { ips: [ip, `203.0.113.${n % 250}`], cidrs: [], domains: [`host${n}.victim${n % 97}.example`], cves: [`CVE-2024-${1000 + (n % 500)}`], urls: [], hashes: { md5: [], sha1: [], sha256: [], sha512: [] }, declared: { affected: hosts(), sources: hosts() }, candidates: hosts() },
    classification: [], urgent: { flag: false, reason: null }, threading: { kind: 'new', senderKnown: true },
    parse: { status: 'ok', error: null }, encryption: { status: 'none', format: null, wrapped: false, error: null }, priority: { rank: 99, rule: 'default' },
  } as unknown as MessageRecord;
  return { record, text };
}

async function fill(store: SqlStore): Promise<number> {
  const started = performance.now();
  for (let n = 0; n < COUNT; n++) {
    const at = new Date(Date.UTC(2026, 0, 1) + n * 60_000);
    const received = await store.receive(Buffer.from(`report ${n}`), fileTransport('r@example.org', []), at, { owner: 'bench', now: at, ms: 60_000 });
    const placed = await store.place({ sha256: received.sha256, receiptId: received.receiptId, receivedAt: at, ticket: null, prefix: 'XYZ', year: 2026, threading: { kind: 'new', senderKnown: true }, quota: null });
    if (placed.kind !== 'placed') throw new Error('not placed');
    const { record, text } = recordFor(n, placed.placement.ticket, received.sha256);
    await store.commit({
      sha256: received.sha256, receiptId: received.receiptId, ticket: placed.placement.ticket, seq: 1, record, decrypted: null, attachments: [], messageIds: [], ciphertexts: [],
      outgoing: [], pendingKeys: [], fold: { sender: record.from.address, rereadReporterKey: false }, mode: 'first', now: at, searchText: text,
    });
  }
  return (performance.now() - started) / COUNT;
}

const TERMS: Record<string, (i: number) => string[]> = {
  address: (i) => [`198.51.${(i * 13) % 19}.${(i * 31) % 250}`],
  network: (i) => [`198.51.${(i * 7) % 19}.0/24`],
  domain: (i) => [`victim${i % 97}.example`],
  phrase: (i) => [`${WORDS[i % WORDS.length]} ${WORDS[(i + 1) % WORDS.length]}`, `CVE-2024-${1000 + i}`],
};

async function timeSearches(store: SqlStore): Promise<Record<string, number>> {
  const result: Record<string, number> = {};
  for (const [kind, terms] of Object.entries(TERMS)) {
    const times: number[] = [];
    for (let i = 0; i < QUERIES; i++) {
      const started = performance.now();
      await searchTickets(store.sql, terms(i).map((t) => classifyTerm(t, 'XYZ')), 100);
      times.push(performance.now() - started);
    }
    result[kind] = round(times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!, 2);
  }
  return result;
}

/** The trial's way: one message.json per report, `grep -rl` for the address. */
async function grepBaseline(dir: string): Promise<number> {
  for (let n = 0; n < COUNT; n++) {
    const folder = path.join(dir, 'tickets', `XYZ-2026-${String(n + 1).padStart(5, '0')}`, 'messages', '001');
    await mkdir(folder, { recursive: true });
    await writeFile(path.join(folder, 'message.json'), JSON.stringify(recordFor(n, 'x', 'y').record, null, 2));
  }
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    await run('grep', ['-rlF', TERMS.address!(i)[0]!, path.join(dir, 'tickets')]).catch(() => undefined);
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[2]!;
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'intake-bench-search-'));
const file = path.join(dir, 'intake.sqlite');
const sqlite = await SqlStore.open(await SqliteEngine.open({ file }), file);
const sqliteCommitMs = await fill(sqlite);
const sqliteMs = await timeSearches(sqlite);
await sqlite.close();
const grepMs = await grepBaseline(path.join(dir, 'files'));

const cluster = process.env.BENCH_PG === '0' ? null : await startBenchCluster().catch(() => null);
let pgMs: Record<string, number> | null = null;
let pgCommitMs: number | null = null;
if (cluster) {
  const pg = await SqlStore.open(new PgEngine({ url: cluster.url, max: 4 }), cluster.url);
  pgCommitMs = await fill(pg);
  pgMs = await timeSearches(pg);
  await pg.close();
  await cluster.stop();
}
await rm(dir, { recursive: true, force: true });

report({
  section: 'search',
  reports: COUNT,
  medianMsPerSearch: { sqlite: sqliteMs, postgresql: pgMs },
  grepMessageJsonMs: round(grepMs, 1),
  grepOverSqliteAddressSearch: round(grepMs / sqliteMs.address!, 0),
  commitMsPerReport: { sqlite: round(sqliteCommitMs, 2), postgresql: pgCommitMs === null ? null : round(pgCommitMs, 2) },
});
