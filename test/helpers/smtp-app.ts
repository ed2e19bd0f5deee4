import { execFile } from 'node:child_process';
import { afterEach } from 'vitest';
import type { Config } from '../../src/config/schema.js';
import type { SmtpListener } from '../../src/ingest/smtp-listener.js';
import { createTestApp, type TestApp } from './pipeline.js';
import { testConfig } from './test-config.js';

type Overrides = NonNullable<Parameters<typeof testConfig>[1]>;

export interface SmtpTestApp extends TestApp {
  port: number;
}

const running: TestApp[] = [];

/** A real app with its SMTP listener on 127.0.0.1 and a free port; stopped after the test. */
export async function startSmtpApp(smtp: Partial<Config['smtp']> = {}, overrides: Overrides = {}): Promise<SmtpTestApp> {
  const t = await createTestApp({ ...overrides, smtp: { enabled: true, host: '127.0.0.1', port: 0, ...smtp } });
  await t.app.start();
  running.push(t);
  const listener = t.app.components.get('smtp') as SmtpListener;
  return { ...t, port: listener.address().port };
}

afterEach(async () => {
  for (const t of running.splice(0)) await t.app.stop();
});

export interface SwaksResult {
  exitCode: number;
  /** The server's replies as swaks shows them (`<-  250 …`, `<** 550 …`). */
  replies: string[];
  output: string;
}

/** Runs the real swaks client against the listener. */
export function swaks(port: number, args: string[]): Promise<SwaksResult> {
  return new Promise((resolve) => {
    execFile('swaks', ['--server', `127.0.0.1:${port}`, '--timeout', '20', ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      const output = `${stdout}${stderr}`;
      const replies = output.split('\n').filter((l) => /^<(-|\*\*) /.test(l)).map((l) => l.replace(/^<(-|\*\*)\s+/, ''));
      const exitCode = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ exitCode, replies, output });
    });
  });
}
