import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { INTAKE_MAIN, report, round } from './bench-lib.js';
import { encryptedReport, gpgDecrypt, KEYS_DIR, reportEntity } from './openpgp-lib.js';

/**
 * Issue 10 figure: `intake ingest` of 500 PGP/MIME signed+encrypted ~4 KB report files in
 * one process (the built CLI, as an operator or a batch import runs it: no OpenPGP
 * workers, every message committed durably to the SQLite store and its signed+encrypted
 * ack written to the pickup directory), against `gpg --decrypt` spawned per message on
 * the same ciphertexts in the same run. Target ≥ 1.5×.
 */
const COUNT = Number(process.env.BENCH_COUNT ?? 500);

const corpus = await Promise.all(Array.from({ length: COUNT }, (_, n) => encryptedReport('cv25519', n, reportEntity(n))));
const dir = await mkdtemp(path.join(os.tmpdir(), 'intake-bench-files-'));
const files: string[] = [];
for (const [n, c] of corpus.entries()) {
  files.push(path.join(dir, `m${n}.eml`));
  await writeFile(files[n]!, c.message);
}
const config = path.join(dir, 'config.yaml');
await writeFile(config, YAML.stringify({
  team: { name: 'XYZ-CERT', ticketPrefix: 'XYZ', addresses: ['cert@xyz.example'], ackFrom: 'cert@xyz.example', timezone: 'Europe/Berlin' },
  pgp: { privateKeyFile: path.join(KEYS_DIR, 'team.sec.asc'), keyringDir: path.join(KEYS_DIR, 'constituents') },
  smtp: { enabled: false },
  log: { level: 'warn', file: null },
  ack: { maxPerSenderPerDay: COUNT + 1 },
}));

const gpgSerial = await gpgDecrypt('cv25519', corpus.map((c) => c.armored), 1);
const started = performance.now();
const stdout = await new Promise<string>((resolve, reject) =>
  execFile(process.execPath, [INTAKE_MAIN, 'ingest', '--config', config, '--sender', 'alice@example.org', ...files], { cwd: dir, maxBuffer: 64 * 1024 * 1024 }, (error, out) => (error ? reject(error) : resolve(out))),
);
const seconds = (performance.now() - started) / 1000;
const statuses = stdout.trim().split('\n').map((l) => (JSON.parse(l) as { status: string }).status);
if (statuses.filter((s) => s === 'new').length !== COUNT) throw new Error(`not every file was stored: ${statuses.slice(0, 5).join(',')}`);
await rm(dir, { recursive: true, force: true });

report({
  section: 'ingest-files',
  messages: COUNT,
  node: process.version,
  loadAverage: os.loadavg().map((l) => round(l, 1)),
  ingestPerSecond: round(COUNT / seconds),
  gpgSerialPerSecond: round(COUNT / gpgSerial),
  ratioVsGpgSerial: round(gpgSerial / seconds, 2),
  target: 1.5,
});
