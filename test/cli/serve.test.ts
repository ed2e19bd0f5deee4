import { readdir, readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { describe, expect, it } from 'vitest';
import os from 'node:os';
import { fileTransport } from '../../src/model/transport.js';
import { SqliteEngine } from '../../src/store/sqlite-engine.js';
import { SqlStore } from '../../src/store/sql-store.js';
import { pendingReceipts, scanArchive } from '../helpers/archive-scan.js';
import { startServe, writeServeConfig } from '../helpers/serve-process.js';
import { SmtpSession } from '../helpers/smtp-session.js';
import { tempDir } from '../helpers/temp-dir.js';

const message = (token: string) =>
  `From: alice@example.org\r\nTo: cert@xyz.example\r\nSubject: report ${token}\r\nMessage-ID: <${token}@example.org>\r\n\r\nbody ${token}\r\n`;

describe('intake serve', () => {
  it('takes mail over SMTP, logs a health line, and on SIGTERM finishes and exits 0', async () => {
    const dir = await tempDir();
    const config = await writeServeConfig(dir, { log: { level: 'debug', file: 'data/logs/intake.log', healthIntervalSeconds: 0.2 }, store: { thread: true } });
    const serve = startServe(dir, config);
    const port = await serve.smtpPort();
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port, ignoreTLS: true });
    const info = await transport.sendMail({ envelope: { from: 'alice@example.org', to: ['cert@xyz.example'] }, raw: message('served') });
    expect(info.response).toMatch(/^250 /);

    const health = await serve.waitForLine((l) => l.msg === 'health' && (l.counts as Record<string, number>)['outcome.new'] === 1, 'a health line counting the message');
    expect(health).toMatchObject({ level: 20, queueDepth: 0, received: 0, counts: { 'smtp.accepted': 1, 'outcome.new': 1 } });
    // store.thread: the SQLite store runs in a thread of its own (store/store-thread.ts), named as /proc shows it.
    const tasks = await readdir(`/proc/${serve.child.pid}/task`);
    const names = await Promise.all(tasks.map((t) => readFile(`/proc/${serve.child.pid}/task/${t}/comm`, 'utf8').then((n) => n.trim(), () => '')));
    expect(names).toContain('intake-store');

    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    expect(serve.lines.map((l) => l.msg)).toContain('intake serve stopped');
    expect((await scanArchive(path.join(dir, 'data'))).map((m) => m.record.headers.messageId)).toEqual(['<served@example.org>']);
    expect(serve.lines.filter((l) => Number(l.level) >= 50)).toEqual([]);
  });

  it('processes what an earlier run left received but unprocessed before it opens the SMTP port', async () => {
    const dir = await tempDir();
    // As a killed earlier run of this node leaves it: received, leased to that process for minutes.
    const file = path.join(dir, 'data', 'intake.sqlite');
    const earlier = await SqlStore.open(await SqliteEngine.open({ file }), file);
    const owner = `${os.hostname()}:${path.join(dir, 'data')}#99999.dead`;
    await earlier.receive(Buffer.from(message('left-over')), fileTransport('alice@example.org', ['cert@xyz.example']), new Date(), { owner, now: new Date(), ms: 600_000 });
    await earlier.close();
    const serve = startServe(dir, await writeServeConfig(dir));
    await serve.smtpPort();
    const order = serve.lines.map((l) => l.msg);
    expect(order.indexOf('received messages recovered')).toBeGreaterThan(-1);
    expect(order.indexOf('received messages recovered')).toBeLessThan(order.indexOf('smtp listener started'));
    expect(await pendingReceipts(path.join(dir, 'data'))).toBe(0);
    expect((await scanArchive(path.join(dir, 'data'))).map((m) => m.record.headers.messageId)).toEqual(['<left-over@example.org>']);
    serve.child.kill('SIGINT');
    expect(await serve.exited).toBe(0);
  });

  it('exits at once on a second signal while the first waits for a session in DATA', async () => {
    const dir = await tempDir();
    const serve = startServe(dir, await writeServeConfig(dir, { smtp: { enabled: true, host: '127.0.0.1', port: 0, closeTimeoutSeconds: 300 } }));
    const session = await SmtpSession.connect(await serve.smtpPort());
    expect((await session.startData('alice@example.org', 'cert@xyz.example')).code).toBe(354);
    session.write('From: alice@example.org\r\n');
    serve.child.kill('SIGTERM');
    await serve.waitForLine((l) => String(l.msg).startsWith('stopping'), 'the first signal to be seen');
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(75);
    session.destroy();
  });

  it('keeps running with no transport enabled (retries and outbox only) until SIGTERM', async () => {
    const dir = await tempDir();
    const serve = startServe(dir, await writeServeConfig(dir, { smtp: { enabled: false } }));
    const started = await serve.waitForLine((l) => l.msg === 'intake serve started', 'the start');
    expect(started.components).toEqual(['outbox-sender', 'pipeline', 'health', 'receipt-recovery']);
    // The pinned runtime (DESIGN §1), whatever `node` the machine has first on PATH.
    expect(started.node).toBe(process.version);
    expect(Number(/^v(\d+)/.exec(String(started.node))![1])).toBeGreaterThanOrEqual(24);
    expect(started.version).toMatch(/^\d+\.\d+\.\d+/);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(serve.child.exitCode).toBeNull();
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
  });

  it('fails to start with exit 1 and says why when the SMTP port is taken', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as net.AddressInfo;
    try {
      const dir = await tempDir();
      const serve = startServe(dir, await writeServeConfig(dir, { smtp: { enabled: true, host: '127.0.0.1', port } }));
      expect(await serve.exited).toBe(1);
      const line = serve.lines.find((l) => l.msg === 'intake serve cannot start');
      expect(String(line?.err)).toMatch(/EADDRINUSE/);
    } finally {
      blocker.close();
    }
  });
});
