import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { round } from './bench-lib.js';
import { KEYS_DIR, SETUP, type Algo } from './openpgp-lib.js';

/**
 * Shared by the per-process sections (startup, pipe): the installed-style `intake`
 * launcher (bin/intake, as an MTA calls it), wall time of whole processes, and
 * `gpg --decrypt` spawned per message as the baseline.
 */
export const INTAKE_BIN = path.resolve(import.meta.dirname, '../../bin/intake');
export const RUNS = Number(process.env.BENCH_RUNS ?? 40);

export interface ProcessRun {
  ms: number;
  /** User + system CPU time of the process, when GNU time is installed (/usr/bin/time); else null. */
  cpuMs: number | null;
  code: number | null;
  stdout: string;
  stderr: string;
}

const GNU_TIME = '/usr/bin/time';
const haveGnuTime = existsSync(GNU_TIME);

/**
 * Runs a command to its exit, feeding `input` on stdin; wall time from spawn to exit.
 * With GNU time, also its CPU time (written to a file, so the command's own stderr is
 * untouched): on a loaded machine wall time says more about the neighbours than about
 * the process, its CPU time much less so.
 */
export async function timeProcess(command: string, args: string[], input: string | Buffer, options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<ProcessRun> {
  const cpuFile = haveGnuTime ? path.join(os.tmpdir(), `intake-bench-cpu-${process.pid}-${Math.random()}`) : null;
  const [file, argv] = cpuFile ? [GNU_TIME, ['-f', '%U %S', '-o', cpuFile, command, ...args]] : [command, args];
  const run = await new Promise<Omit<ProcessRun, 'cpuMs'>>((resolve, reject) => {
    const started = performance.now();
    const child = spawn(file, argv, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ ms: performance.now() - started, code, stdout, stderr }));
    child.stdin.end(input);
  });
  let cpuMs: number | null = null;
  if (cpuFile) {
    const [user, system] = (await readFile(cpuFile, 'utf8').catch(() => '')).trim().split('\n').pop()!.split(' ').map(Number);
    if (Number.isFinite(user) && Number.isFinite(system)) cpuMs = (user! + system!) * 1000;
    await rm(cpuFile, { force: true });
  }
  return { ...run, cpuMs };
}

export function quantiles(ms: number[]): { medianMs: number; p90Ms: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  return { medianMs: round(at(0.5)), p90Ms: round(at(0.9)) };
}

/** A workspace for the CLI: configuration file, archive and log in a temp dir, the fixture keys of `algo`. */
export async function cliWorkspace(algo: Algo, overrides: Record<string, unknown> = {}): Promise<{ dir: string; config: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'intake-bench-cli-'));
  const document = {
    team: { name: 'XYZ-CERT', ticketPrefix: 'XYZ', addresses: ['cert@xyz.example'], ackFrom: 'cert@xyz.example', timezone: 'Europe/Berlin' },
    pgp: { privateKeyFile: path.join(KEYS_DIR, `${SETUP[algo].team}.sec.asc`), keyringDir: path.join(KEYS_DIR, 'constituents') },
    archive: { dir: path.join(dir, 'data') },
    smtp: { enabled: false },
    // Every message is acknowledged (signed and encrypted), as a team's queue would be.
    ack: { maxPerSenderPerDay: 100_000 },
    log: { level: 'info', file: path.join(dir, 'data', 'logs', 'intake.log') },
    ...overrides,
  };
  const config = path.join(dir, 'config.yaml');
  await writeFile(config, YAML.stringify(document));
  return { dir, config, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A GnuPG home with the team's secret key and the reporter's public key: `gpg --decrypt` per message. */
export async function gpgDecryptor(algo: Algo): Promise<{ decrypt(armored: string): Promise<number>; cleanup(): Promise<void> }> {
  const home = await mkdtemp(path.join(os.tmpdir(), 'intake-bench-gpg-'));
  const gpg = ['--homedir', home, '--batch', '--quiet', '--no-tty', '--trust-model', 'always'];
  execFileSync('gpg', [...gpg, '--import', path.join(KEYS_DIR, `${SETUP[algo].team}.sec.asc`), path.join(KEYS_DIR, 'constituents', `${SETUP[algo].reporter}.asc`)], { stdio: 'ignore' });
  const decrypt = async (armored: string): Promise<number> => {
    const run = await timeProcess('gpg', [...gpg, '--decrypt'], armored);
    if (run.code !== 0) throw new Error(`gpg --decrypt exited ${run.code}: ${run.stderr.slice(0, 200)}`);
    return run.ms;
  };
  return {
    decrypt,
    cleanup: async () => {
      execFileSync('gpgconf', ['--homedir', home, '--kill', 'gpg-agent'], { stdio: 'ignore' });
      await rm(home, { recursive: true, force: true });
    },
  };
}
