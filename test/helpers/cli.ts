import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { ensureTeamKeyFor } from './team-key.js';
import { TEST_TEAM } from './test-config.js';

/** The built CLI; `npm test` builds before running vitest. */
export const CLI = path.resolve(import.meta.dirname, '../../dist/intake/main.js');

export function assertBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` (npm test does)`);
}

/** Writes a configuration file for CLI tests into `dir` and returns its path. */
/** `teamKey: false` leaves pgp.privateKeyFile alone; by default a team key is generated there when missing. */
export async function writeCliConfig(dir: string, overrides: Record<string, unknown> = {}, options: { teamKey?: boolean } = {}): Promise<string> {
  const file = path.join(dir, 'config.yaml');
  const document = {
    team: TEST_TEAM,
    smtp: { enabled: false },
    log: { level: 'info', file: 'data/logs/intake.log' },
    ...overrides,
  };
  await writeFile(file, YAML.stringify(document));
  if (options.teamKey !== false) await ensureTeamKeyFor(file, document, dir);
  return file;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `intake ARGS` in `cwd` to completion. */
export function runCli(args: string[], options: { cwd: string; input?: Buffer | string; env?: NodeJS.ProcessEnv }): Promise<CliResult> {
  assertBuilt();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** Starts `intake ARGS` and returns the child; the caller ends it. */
export function startCli(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): ChildProcess {
  assertBuilt();
  return spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
