import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { describe, expect, it } from 'vitest';
import { SqliteEngine } from '../../src/store/sqlite-engine.js';
import { sqlitePath } from '../../src/store/open-store.js';
import { pendingReceipts, scanArchive, waitFor } from '../helpers/archive-scan.js';
import { fillQueue } from '../helpers/fill-queue.js';
import { expectNoReportTextIn } from '../helpers/pipeline.js';
import { startSmtpApp, swaks, type SmtpTestApp } from '../helpers/smtp-app.js';
import { SmtpSession } from '../helpers/smtp-session.js';
import { makeTestCertificate } from '../helpers/tls-cert.js';

const message = (token: string, body = 'The host 192.0.2.10 has been scanning our network since Monday.') =>
  [
    'From: Alice <alice@example.org>',
    'To: cert@xyz.example',
    `Subject: Scanning report ${token}`,
    `Message-ID: <${token}@example.org>`,
    '',
    body,
    `token ${token}`,
    '',
  ].join('\r\n');

/** Waits for the pipeline, then returns what was archived. */
async function archived(t: SmtpTestApp) {
  await t.app.queue.drain();
  return scanArchive(t.config.archive.dir);
}

function errorLines(t: SmtpTestApp) {
  return t.logs.lines.filter((l) => Number(l.level) >= 50);
}

describe('SMTP listener: recipients and envelope', () => {
  it('accepts mail for a team alias in any case (swaks) and records the envelope in message.json', async () => {
    const t = await startSmtpApp();
    const body = path.join(t.dir, 'mail.eml');
    await writeFile(body, message('swaks-ok'));
    const result = await swaks(t.port, ['--from', 'reporter@example.org', '--to', 'CERT@XYZ.Example', '--data', body]);
    expect(result.exitCode, result.output).toBe(0);
    expect(result.replies.some((r) => /^250 2\.6\.0 OK: queued as \d+$/.test(r))).toBe(true);

    const [only, ...rest] = await archived(t);
    expect(rest).toEqual([]);
    expect(only?.raw.toString()).toContain('token swaks-ok');
    expect(only?.record.transport).toMatchObject({
      kind: 'smtp',
      mailFrom: 'reporter@example.org',
      rcptTo: ['CERT@XYZ.Example'],
      remoteAddress: '127.0.0.1',
      tls: false,
    });
    expect(errorLines(t)).toEqual([]);
    await expectNoReportTextIn(t.logs.text(), only!.raw);
  });

  it('refuses a recipient that is not a team address with 550 5.1.1 and stores nothing (swaks)', async () => {
    const t = await startSmtpApp();
    const result = await swaks(t.port, ['--from', 'reporter@example.org', '--to', 'someone@xyz.example']);
    expect(result.exitCode).not.toBe(0);
    expect(result.replies).toContain('550 5.1.1 No such recipient here');
    expect(await archived(t)).toEqual([]);
    expect(await pendingReceipts(t.config.archive.dir)).toBe(0);
    expect(t.app.counters.get('smtp.rejected.recipient')).toBe(1);
  });

  it('keeps only the accepted recipients of a mixed envelope (nodemailer)', async () => {
    const t = await startSmtpApp();
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: t.port, secure: false, ignoreTLS: true });
    const info = await transport.sendMail({
      envelope: { from: 'reporter@example.org', to: ['cert@xyz.example', 'nobody@elsewhere.example'] },
      raw: message('mixed'),
    });
    expect(info.response).toMatch(/^250 /);
    expect(info.accepted).toEqual(['cert@xyz.example']);
    expect(info.rejected).toEqual(['nobody@elsewhere.example']);
    const [only] = await archived(t);
    expect(only?.record.transport.rcptTo).toEqual(['cert@xyz.example']);
  });

  it("records the null sender <> as mailFrom ''", async () => {
    const t = await startSmtpApp();
    const session = await SmtpSession.connect(t.port);
    expect((await session.startData('', 'cert@xyz.example')).code).toBe(354);
    session.write(`${message('null-sender')}.\r\n`);
    expect((await session.reply()).code).toBe(250);
    const [only] = await archived(t);
    expect(only?.record.transport.mailFrom).toBe('');
    session.destroy();
  });

  it('offers no AUTH and no STARTTLS without a certificate', async () => {
    const t = await startSmtpApp();
    const session = await SmtpSession.connect(t.port);
    await session.reply();
    const ehlo = await session.command('EHLO client.example');
    expect(ehlo.text).toMatch(/SIZE 26214400/);
    expect(ehlo.text).not.toMatch(/AUTH|STARTTLS/);
    expect((await session.command('AUTH PLAIN AGFsaWNlAHNlY3JldA==')).code).toBeGreaterThanOrEqual(500);
    session.destroy();
  });
});

describe('SMTP listener: size limit', () => {
  it('refuses a declared SIZE over the limit with 552 before any data is sent', async () => {
    const t = await startSmtpApp({ maxMessageBytes: 4096 });
    const session = await SmtpSession.connect(t.port);
    await session.reply();
    await session.command('EHLO client.example');
    const mail = await session.command('MAIL FROM:<reporter@example.org> SIZE=5000');
    expect(mail.code).toBe(552);
    expect(mail.text).toMatch(/^5\.3\.4 /);
    session.destroy();
  });

  it('refuses an undeclared oversize message with 552, keeps nothing, and the session goes on', async () => {
    const t = await startSmtpApp({ maxMessageBytes: 4096 });
    const session = await SmtpSession.connect(t.port);
    expect((await session.startData('reporter@example.org', 'cert@xyz.example')).code).toBe(354);
    session.write(`${message('too-big', `${'y'.repeat(76)}\r\n`.repeat(80))}.\r\n`);
    const refused = await session.reply();
    expect(refused.code).toBe(552);
    expect(await pendingReceipts(t.config.archive.dir)).toBe(0);
    // The same connection can still deliver a message of allowed size.
    expect((await session.command('MAIL FROM:<reporter@example.org>')).code).toBe(250);
    expect((await session.command('RCPT TO:<cert@xyz.example>')).code).toBe(250);
    expect((await session.command('DATA')).code).toBe(354);
    session.write(`${message('small')}.\r\n`);
    expect((await session.reply()).code).toBe(250);
    const all = await archived(t);
    expect(all.map((m) => m.record.headers.messageId)).toEqual(['<small@example.org>']);
    expect(t.app.counters.get('smtp.rejected.size')).toBe(1);
    session.destroy();
  });
});

describe('SMTP listener: slow and idle clients', () => {
  it('drops a sender that stalls in DATA after socketTimeout, keeping nothing', async () => {
    const t = await startSmtpApp({ socketTimeoutSeconds: 0.5 });
    const session = await SmtpSession.connect(t.port);
    expect((await session.startData('reporter@example.org', 'cert@xyz.example')).code).toBe(354);
    session.write('From: alice@example.org\r\nSubject: half a message\r\n\r\nthe first line\r\n');
    const timeout = await session.reply();
    expect(timeout.code).toBe(421);
    expect(await session.closed()).toBe(true);
    expect(await pendingReceipts(t.config.archive.dir)).toBe(0);
    expect(await archived(t)).toEqual([]);
  });

  it('drops a sender that trickles bytes past dataTimeout, keeping nothing', async () => {
    const t = await startSmtpApp({ socketTimeoutSeconds: 30, dataTimeoutSeconds: 1 });
    const session = await SmtpSession.connect(t.port);
    expect((await session.startData('reporter@example.org', 'cert@xyz.example')).code).toBe(354);
    const trickle = setInterval(() => session.write('x'), 100);
    try {
      const timeout = await session.reply();
      expect(timeout.code).toBe(421);
      expect(await session.closed()).toBe(true);
    } finally {
      clearInterval(trickle);
    }
    expect(await pendingReceipts(t.config.archive.dir)).toBe(0);
    expect(t.app.counters.get('smtp.aborted.timeout')).toBe(1);
  });

  it('refuses 500 idle connections beyond maxClients and still takes a normal client’s message', async () => {
    const t = await startSmtpApp({ maxClients: 20, socketTimeoutSeconds: 4 });
    // socketTimeout leaves time to open all 500 before the first slot holders are reaped.
    const idle = await Promise.all(Array.from({ length: 500 }, () => SmtpSession.connect(t.port)));
    const greetings = await Promise.all(idle.map((s) => s.reply().then((r) => r.code, () => 0)));
    expect(greetings.filter((c) => c === 220).length).toBeLessThanOrEqual(20);
    expect(greetings.filter((c) => c === 421).length).toBeGreaterThanOrEqual(480);

    // The attackers never hang up; the listener reaps its idle slot holders, and an
    // ordinary client retrying like an MTA gets its message in.
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: t.port, ignoreTLS: true });
    let response = '';
    for (let attempt = 0; attempt < 100 && !response.startsWith('250'); attempt++) {
      response = await transport
        .sendMail({ envelope: { from: 'reporter@example.org', to: ['cert@xyz.example'] }, raw: message('normal-client') })
        .then((info) => info.response, (error: Error) => `${error.message}`);
      if (!response.startsWith('250')) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(response).toMatch(/^250 /);
    expect((await archived(t)).map((m) => m.record.headers.messageId)).toEqual(['<normal-client@example.org>']);
    for (const s of idle) s.destroy();
  });

  it('closes a connection whose command line is longer than maxCommandLength', async () => {
    const t = await startSmtpApp({ maxCommandLength: 1024 });
    const session = await SmtpSession.connect(t.port);
    await session.reply();
    session.write(`EHLO ${'a'.repeat(1024 * 1024)}\r\n`);
    const reply = await session.reply();
    expect(reply.code).toBe(421);
    expect(await session.closed()).toBe(true);
  });
});

describe('SMTP listener: back-pressure and store failures', () => {
  it('holds the reply to MAIL FROM while the work queue is full and says 250 once it has room', async () => {
    const t = await startSmtpApp({ busyWaitSeconds: 120 });
    const { release, blockers } = fillQueue(t.app.queue);

    const session = await SmtpSession.connect(t.port);
    await session.reply();
    await session.command('EHLO client.example');
    session.write('MAIL FROM:<reporter@example.org>\r\n');
    let answered = false;
    const reply = session.reply().finally(() => (answered = true));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(answered).toBe(false);
    release();
    expect((await reply).code).toBe(250);
    await Promise.all(blockers);
    expect(t.app.counters.get('smtp.tempfail.busy')).toBe(0);
    session.destroy();
  });

  it('answers 451 when the work queue stays full for busyWaitSeconds, and 250 again once it has room', async () => {
    const t = await startSmtpApp({ busyWaitSeconds: 0.2 });
    const { release, blockers } = fillQueue(t.app.queue);

    const session = await SmtpSession.connect(t.port);
    await session.reply();
    await session.command('EHLO client.example');
    const busy = await session.command('MAIL FROM:<reporter@example.org>');
    expect(busy.code).toBe(451);
    release();
    await Promise.all(blockers);
    expect((await session.command('MAIL FROM:<reporter@example.org>')).code).toBe(250);
    expect(t.app.counters.get('smtp.tempfail.busy')).toBe(1);
    session.destroy();
  });

  it('keeps answering other sessions while another process holds the store, and answers 451 past store.lockWaitSeconds', async () => {
    const t = await startSmtpApp({}, { store: { lockWaitSeconds: 1.5 } });
    // Another process (an `intake ingest`, a backup) holding SQLite's write lock.
    const other = await SqliteEngine.open({ file: sqlitePath(t.config) });
    let release = (): void => undefined;
    let holding = false;
    const held = other.write(async (tx) => {
      await tx.run('INSERT INTO imap_seen (mailbox, uid) VALUES (?, ?)', ['lock-test', 1]);
      holding = true;
      await new Promise<void>((resolve) => (release = resolve));
    });
    await waitFor(() => holding, 'the other writer to hold the lock');
    const session = await SmtpSession.connect(t.port);
    expect((await session.startData('reporter@example.org', 'cert@xyz.example')).code).toBe(354);
    const started = Date.now();
    session.write(`${message('store-locked')}.\r\n`);
    const reply = session.reply();
    // While that DATA waits for the lock, a second session is served without delay.
    const second = await SmtpSession.connect(t.port);
    expect((await second.reply()).code).toBe(220);
    const greetedAfter = Date.now() - started;
    expect((await second.command('EHLO client.example')).code).toBe(250);
    expect((await second.command('NOOP')).code).toBe(250);
    expect(Date.now() - started).toBeLessThan(1200);
    expect(greetedAfter).toBeLessThan(1000);
    expect((await reply).code).toBe(451);
    expect(errorLines(t).map((l) => l.msg)).toEqual(['cannot write to the store; answered 451']);
    release();
    await held;
    await other.close();
    // The lock gone, the same message sent again (as the client's MTA would) is accepted and stored once.
    const again = await SmtpSession.connect(t.port);
    expect((await again.startData('reporter@example.org', 'cert@xyz.example')).code).toBe(354);
    again.write(`${message('store-locked')}.\r\n`);
    expect((await again.reply()).code).toBe(250);
    again.destroy();
    expect((await archived(t)).map((m) => m.record.headers.messageId)).toEqual(['<store-locked@example.org>']);
    session.destroy();
    second.destroy();
  });
});

describe('SMTP listener: STARTTLS', () => {
  it('upgrades with the configured certificate; swaks verifies it and the transport says tls', async () => {
    const t0 = await startSmtpApp();
    const cert = await makeTestCertificate(t0.dir);
    const t = await startSmtpApp({ tls: cert });
    const body = path.join(t.dir, 'mail.eml');
    await writeFile(body, message('over-tls'));
    const result = await swaks(t.port, [
      '--from', 'reporter@example.org', '--to', 'cert@xyz.example', '--data', body,
      '--tls', '--tls-verify', '--tls-ca-path', cert.certFile, '--tls-sni', 'localhost',
    ]);
    expect(result.exitCode, result.output).toBe(0);
    expect(result.output).toMatch(/TLS started/);
    const [only] = await archived(t);
    expect(only?.record.transport).toMatchObject({ kind: 'smtp', tls: true });
  });

  it('nodemailer with requireTLS delivers over the verified certificate', async () => {
    const t0 = await startSmtpApp();
    const cert = await makeTestCertificate(t0.dir);
    const t = await startSmtpApp({ tls: cert });
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: t.port,
      secure: false,
      requireTLS: true,
      tls: { ca: await readFile(cert.certFile), servername: 'localhost' },
    });
    const info = await transport.sendMail({ envelope: { from: 'reporter@example.org', to: ['cert@xyz.example'] }, raw: message('nodemailer-tls') });
    expect(info.response).toMatch(/^250 /);
    expect((await archived(t))[0]?.record.transport.tls).toBe(true);
  });
});
