import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import YAML from 'yaml';
import { HOSTILE_CASES } from './hostile-corpus.js';
import { KEYS_DIR } from './openpgp-lib.js';
import { report, round } from './bench-lib.js';

/**
 * Issue 11's table: each hostile class through `intake ingest` (a fresh process per
 * message, as an MTA pipe runs it), wall time and peak RSS. BENCH_INTAKE_MAIN points at
 * another build's dist/src/main.js to measure a baseline on the same machine in the same
 * run; BENCH_HOSTILE selects cases (comma-separated); BENCH_HOSTILE_LIMIT_SECONDS bounds
 * each run (a run killed at the limit is reported as such).
 */
const MAIN = process.env.BENCH_INTAKE_MAIN ?? path.resolve(import.meta.dirname, '../src/main.js');
const LIMIT_MS = Number(process.env.BENCH_HOSTILE_LIMIT_SECONDS ?? 120) * 1000;
const wanted = process.env.BENCH_HOSTILE?.split(',');
const probe = pathToFileURL(path.join(import.meta.dirname, 'rss-probe.js')).href;

const dir = await mkdtemp(path.join(os.tmpdir(), 'intake-bench-hostile-'));
const configFile = path.join(dir, 'intake.yaml');
await writeFile(
  configFile,
  YAML.stringify({
    team: { name: 'XYZ-CERT', ticketPrefix: 'XYZ', addresses: ['cert@xyz.example'], ackFrom: 'cert@xyz.example', timezone: 'Europe/Berlin' },
    pgp: { privateKeyFile: path.join(KEYS_DIR, 'team.sec.asc'), keyringDir: path.join(KEYS_DIR, 'constituents') },
    archive: { dir: path.join(dir, 'data') },
    smtp: { enabled: false },
    log: { level: 'warn', file: null },
  }),
);

for (const hostile of HOSTILE_CASES.filter((c) => !wanted || wanted.includes(c.name))) {
  const raw = await hostile.make();
  const file = path.join(dir, `${hostile.name}.eml`);
  await writeFile(file, raw);
  const run = await ingest(file);
  report({ section: 'hostile', case: hostile.name, shape: hostile.shape, bytes: raw.length, ...run });
}
await rm(dir, { recursive: true, force: true });

async function ingest(file: string): Promise<Record<string, unknown>> {
  const rssFile = `${file}.rss`;
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', probe, MAIN, 'ingest', '--config', configFile, '--sender', 'mallory@example.net', '--recipient', 'cert@xyz.example', file], {
    env: { ...process.env, BENCH_RSS_FILE: rssFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, LIMIT_MS);
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  clearTimeout(timer);
  const seconds = round((performance.now() - started) / 1000, 2);
  const maxRss = killed ? null : Number(await readFile(rssFile, 'utf8').catch(() => 'NaN'));
  const outcome = stdout.trim().split('\n').pop() ?? '';
  return {
    seconds,
    exit: killed ? `killed after ${LIMIT_MS / 1000} s` : code,
    peakRssMiB: maxRss === null ? null : round(maxRss / 1024),
    outcome: outcome.slice(0, 200),
    ...(code !== 0 && !killed ? { stderr: stderr.slice(-300) } : {}),
  };
}
