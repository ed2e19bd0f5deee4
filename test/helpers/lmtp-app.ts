import { execFile } from 'node:child_process';
import path from 'node:path';
import { afterEach } from 'vitest';
import type { Config } from '../../src/config/schema.js';
import type { LmtpListener } from '../../src/ingest/lmtp-listener.js';
import { createTestApp, type TestApp } from './pipeline.js';
import type { SwaksResult } from './smtp-app.js';
import { testConfig } from './test-config.js';

type Overrides = NonNullable<Parameters<typeof testConfig>[1]>;

export interface LmtpTestApp extends TestApp {
  socket: string;
  port: number;
}

const running: TestApp[] = [];

/** A real app with its LMTP listener on a Unix socket in its temp dir and on 127.0.0.1 (a free port). */
export async function startLmtpApp(lmtp: Partial<Config['lmtp']> = {}, overrides: Overrides = {}): Promise<LmtpTestApp> {
  const t = await createTestApp({ ...overrides, lmtp: { enabled: true, socket: 'run/lmtp.sock', host: '127.0.0.1', port: 0, ...lmtp } });
  await t.app.start();
  running.push(t);
  const bound = (t.app.components.get('lmtp') as LmtpListener).boundEndpoints();
  const tcp = bound.find((e) => e.kind === 'tcp');
  return { ...t, socket: path.join(t.dir, 'run/lmtp.sock'), port: tcp?.kind === 'tcp' ? tcp.port : 0 };
}

afterEach(async () => {
  for (const t of running.splice(0)) await t.app.stop();
});

/** swaks speaking LMTP, to a Unix socket (`unix:PATH`) or to `HOST:PORT`. */
export function swaksLmtp(target: string, args: string[]): Promise<SwaksResult> {
  const where = target.startsWith('unix:') ? ['--socket', target.slice(5)] : ['--server', target];
  return new Promise((resolve) => {
    execFile('swaks', [...where, '--protocol', 'LMTP', '--timeout', '20', ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      const output = `${stdout}${stderr}`;
      const replies = output.split('\n').filter((l) => /^<(-|\*\*) /.test(l)).map((l) => l.replace(/^<(-|\*\*)\s+/, ''));
      const exitCode = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ exitCode, replies, output });
    });
  });
}
