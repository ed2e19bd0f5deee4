import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach } from 'vitest';
import YAML from 'yaml';
import { ensureTeamKeyFor } from './team-key.js';
import { TEST_TEAM } from './test-config.js';

/**
 * `intake serve` as operators run it: the built CLI (`node dist/intake/main.js`, built by
 * the test command) in a child process, with a configuration file in `dir`. Its stdout
 * log lines are parsed as they come, so a test can wait for "smtp listener started" and
 * read the port it bound (port 0: the system picks a free one).
 */
export const MAIN = path.resolve(import.meta.dirname, '../../dist/intake/main.js');

const children = new Set<ChildProcess>();

export interface ServeProcess {
  child: ChildProcess;
  lines: Array<Record<string, unknown>>;
  exited: Promise<number | null>;
  waitForLine(test: (line: Record<string, unknown>) => boolean, what: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** The SMTP port from the "smtp listener started" line. */
  smtpPort(): Promise<number>;
  /** What the process wrote to stderr so far. */
  stderr(): string;
}

/** `teamKey: false` leaves pgp.privateKeyFile alone; by default a team key is generated there when missing. */
export async function writeServeConfig(dir: string, overrides: Record<string, unknown> = {}, options: { teamKey?: boolean } = {}): Promise<string> {
  const file = path.join(dir, 'config.yaml');
  const document = {
    team: TEST_TEAM,
    archive: { dir: 'data' },
    smtp: { enabled: true, host: '127.0.0.1', port: 0 },
    log: { level: 'debug', file: 'data/logs/intake.log' },
    ...overrides,
  };
  await writeFile(file, YAML.stringify(document));
  if (options.teamKey !== false) await ensureTeamKeyFor(file, document, dir);
  return file;
}

export function startServe(dir: string, configFile: string): ServeProcess {
  const child = spawn(process.execPath, [MAIN, 'serve', '--config', configFile], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const lines: Array<Record<string, unknown>> = [];
  const listeners = new Set<() => void>();
  let pending = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    pending += chunk;
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    for (const part of parts.filter(Boolean)) {
      try {
        lines.push(JSON.parse(part) as Record<string, unknown>);
      } catch {
        lines.push({ msg: 'non-json output', text: part });
      }
    }
    for (const notify of listeners) notify();
  });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += String(chunk)));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      children.delete(child);
      for (const notify of listeners) notify();
      resolve(code);
    }),
  );

  const waitForLine: ServeProcess['waitForLine'] = (test, what, timeoutMs = 60_000) =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const found = lines.find(test);
        if (found) return finish(() => resolve(found));
        if (child.exitCode !== null || child.signalCode !== null) {
          finish(() => reject(new Error(`intake serve exited before ${what}; stderr: ${stderr}`)));
        }
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`timed out waiting for ${what}`))), timeoutMs);
      const finish = (settle: () => void): void => {
        clearTimeout(timer);
        listeners.delete(check);
        settle();
      };
      listeners.add(check);
      check();
    });

  return {
    child,
    lines,
    exited,
    waitForLine,
    smtpPort: async () => Number((await waitForLine((l) => l.msg === 'smtp listener started', 'the SMTP listener')).port),
    stderr: () => stderr,
  };
}

afterEach(() => {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
});
