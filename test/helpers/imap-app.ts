import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterEach } from 'vitest';
import { openApp, type App } from '../../src/app.js';
import type { Config } from '../../src/config/schema.js';
import { fixedClock } from './clock.js';
import { DOVECOT_PASSWORD, DOVECOT_USER, type Dovecot } from './dovecot.js';
import { logSink, type LogSink } from './log-sink.js';
import { tempDir } from './temp-dir.js';
import { testConfig } from './test-config.js';
import { ensureTeamKey } from './team-key.js';

export interface ImapTestApp {
  app: App;
  config: Config;
  logs: LogSink;
  dir: string;
}

const running: App[] = [];

/**
 * A real app whose IMAP watcher logs in to `dovecot` (SMTP off). Short reconnect delays;
 * the password comes from a file unless `env` provides INTAKE_IMAP_PASSWORD. Pass `dir`
 * to open a second app on the same archive (a restart).
 */
export async function imapTestApp(
  dovecot: Pick<Dovecot, 'port'>,
  imap: Partial<Config['imap']> = {},
  options: { dir?: string; env?: NodeJS.ProcessEnv; start?: boolean } = {},
): Promise<ImapTestApp> {
  const dir = options.dir ?? (await tempDir());
  const passwordFile = path.join(dir, 'imap-password');
  await writeFile(passwordFile, `${DOVECOT_PASSWORD}\n`, { mode: 0o600 });
  const config = testConfig(dir, {
    imap: {
      enabled: true,
      host: '127.0.0.1',
      port: dovecot.port,
      secure: false,
      user: DOVECOT_USER,
      passwordFile: options.env ? null : passwordFile,
      reconnectMinSeconds: 0.1,
      reconnectMaxSeconds: 0.5,
      pollSeconds: 300,
      socketTimeoutSeconds: 10,
      ...imap,
    },
  });
  const logs = logSink();
  const clock = fixedClock();
  await ensureTeamKey(config, clock.now());
  const app = await openApp({ config, logger: logs.logger, now: clock.now, env: options.env ?? {} });
  if (options.start !== false) {
    await app.start();
    running.push(app);
  }
  return { app, config, logs, dir };
}

afterEach(async () => {
  for (const app of running.splice(0)) await app.stop();
});

/** A separate IMAP client (the "mail server side" of the test): appends and counts. */
export async function mailboxClient(dovecot: Dovecot): Promise<ImapFlow> {
  const client = new ImapFlow({
    host: '127.0.0.1',
    port: dovecot.port,
    secure: false,
    auth: { user: DOVECOT_USER, pass: DOVECOT_PASSWORD },
    logger: false,
    disableAutoIdle: true,
  });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

export async function messageCount(client: ImapFlow, mailbox: string): Promise<number> {
  const status = await client.status(mailbox, { messages: true }).catch(() => false as const);
  return status ? (status.messages ?? 0) : 0;
}

export function report(token: string, extra = ''): string {
  return [
    'Return-Path: <reporter@example.org>',
    'From: Reporter <reporter@example.org>',
    'To: cert@xyz.example',
    `Subject: Incident ${token}`,
    `Message-ID: <${token}@example.org>`,
    '',
    `Scanning from 192.0.2.10, reference ${token}.${extra}`,
    '',
  ].join('\r\n');
}
