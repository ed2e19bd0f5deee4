import { execFile } from 'node:child_process';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { describe, expect, it } from 'vitest';
import { failInserts, pendingReceipts, scanArchive } from '../helpers/archive-scan.js';
import { fillQueue } from '../helpers/fill-queue.js';
import { startLmtpApp, swaksLmtp, type LmtpTestApp } from '../helpers/lmtp-app.js';
import { createTestApp, expectNoReportTextIn } from '../helpers/pipeline.js';
import { SmtpSession } from '../helpers/smtp-session.js';
import { tempDir } from '../helpers/temp-dir.js';

const message = (token: string) =>
  ['From: Alice <alice@example.org>', 'To: cert@xyz.example', `Subject: Scanning report ${token}`, `Message-ID: <${token}@example.org>`, '', `The host 192.0.2.10 is scanning us. token ${token}`, ''].join('\r\n');

async function archived(t: LmtpTestApp) {
  await t.app.queue.drain();
  return scanArchive(t.config.archive.dir);
}

/** LHLO, MAIL, the RCPTs (their replies), DATA and the per-recipient replies to the final dot. */
async function deliver(session: SmtpSession, mailFrom: string, rcpts: string[], body: string) {
  await session.reply();
  await session.command('LHLO client.example');
  const mail = await session.command(`MAIL FROM:${mailFrom}`);
  const rcptReplies = [];
  for (const rcpt of rcpts) rcptReplies.push(await session.command(`RCPT TO:<${rcpt}>`));
  const accepted = rcptReplies.filter((r) => r.code === 250).length;
  if (mail.code !== 250 || accepted === 0) return { mail, rcptReplies, dataReplies: [] };
  expect((await session.command('DATA')).code).toBe(354);
  session.write(`${body}.\r\n`);
  const dataReplies = [];
  for (let i = 0; i < accepted; i++) dataReplies.push(await session.reply(60_000));
  return { mail, rcptReplies, dataReplies };
}

describe('LMTP listener (RFC 2033)', () => {
  it('delivers over the Unix socket (swaks --protocol LMTP), answers after the pipeline with the ticket, records transport lmtp', async () => {
    const t = await startLmtpApp();
    const body = path.join(t.dir, 'mail.eml');
    await writeFile(body, message('lmtp-unix'));
    const result = await swaksLmtp(`unix:${t.socket}`, ['--from', 'reporter@example.org', '--to', 'cert@xyz.example', '--data', body]);
    expect(result.exitCode, result.output).toBe(0);
    expect(result.replies[0]).toMatch(/^220 .* LMTP/);
    expect(result.replies).toContain('250 2.6.0 stored as XYZ-2026-00001 seq 1 (new)');
    const [only, ...rest] = await archived(t);
    expect(rest).toEqual([]);
    expect(only?.raw.toString()).toContain('token lmtp-unix');
    expect(only?.record.transport).toMatchObject({ kind: 'lmtp', mailFrom: 'reporter@example.org', rcptTo: ['cert@xyz.example'], remoteAddress: null });
    await expectNoReportTextIn(t.logs.text(), only!.raw);
  });

  it('answers each recipient on its own: refused ones at RCPT, one 250 per accepted one after DATA', async () => {
    const t = await startLmtpApp({}, { team: { addresses: ['cert@xyz.example', 'abuse@xyz.example'] } });
    const session = await SmtpSession.connectUnix(t.socket);
    const { rcptReplies, dataReplies } = await deliver(session, '<reporter@example.org>', ['cert@xyz.example', 'nobody@xyz.example', 'abuse@xyz.example'], message('per-rcpt'));
    expect(rcptReplies.map((r) => r.code)).toEqual([250, 550, 250]);
    expect(rcptReplies[1]!.text).toContain('5.1.1');
    expect(dataReplies).toHaveLength(2);
    for (const r of dataReplies) expect(r).toEqual({ code: 250, text: '2.6.0 stored as XYZ-2026-00001 seq 1 (new)' });
    session.destroy();
    const [only] = await archived(t);
    expect(only?.record.transport.rcptTo).toEqual(['cert@xyz.example', 'abuse@xyz.example']);
    expect(t.app.counters.get('lmtp.rejected.recipient')).toBe(1);
  });

  it('over TCP (nodemailer lmtp: true): the same bytes give the same ticket again as a duplicate', async () => {
    const t = await startLmtpApp();
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: t.port, lmtp: true, ignoreTLS: true });
    const envelope = { from: 'reporter@example.org', to: ['cert@xyz.example'] };
    const first = await transport.sendMail({ envelope, raw: message('tcp') });
    expect(first.response).toBe('250 2.6.0 stored as XYZ-2026-00001 seq 1 (new)');
    const again = await transport.sendMail({ envelope, raw: message('tcp') });
    expect(again.response).toBe('250 2.6.0 stored as XYZ-2026-00001 seq 1 (duplicate)');
    const [only, ...rest] = await archived(t);
    expect(rest).toEqual([]);
    expect(only?.record.transport).toMatchObject({ kind: 'lmtp', remoteAddress: '127.0.0.1', heloName: expect.any(String) });
  });

  it('keeps the SMTP limits: 552 over the size limit and 554 for a bare LF, once per recipient, nothing stored', async () => {
    const t = await startLmtpApp({}, { smtp: { maxMessageBytes: 2048 }, team: { addresses: ['cert@xyz.example', 'abuse@xyz.example'] } });
    const big = await deliver(await SmtpSession.connectUnix(t.socket), '<r@example.org>', ['cert@xyz.example', 'abuse@xyz.example'], `${message('big')}${'x'.repeat(70)}\r\n`.repeat(40));
    expect(big.dataReplies.map((r) => r.code)).toEqual([552, 552]);
    const bare = await deliver(await SmtpSession.connectUnix(t.socket), '<r@example.org>', ['cert@xyz.example', 'abuse@xyz.example'], 'Subject: x\r\n\r\nline\nsmuggled\r\n');
    expect(bare.dataReplies.map((r) => r.code)).toEqual([554, 554]);
    expect(await archived(t)).toEqual([]);
    expect(await pendingReceipts(t.config.archive.dir)).toBe(0);
  });

  it('answers 250 "processing deferred" when the message is stored but the pipeline fails; it stays received in the store', async () => {
    const t = await startLmtpApp();
    // Receipts can be written, placements cannot: the raw bytes are stored, processing fails.
    await failInserts(t.config.archive.dir, 'message');
    const { dataReplies } = await deliver(await SmtpSession.connectUnix(t.socket), '<r@example.org>', ['cert@xyz.example'], message('deferred'));
    expect(dataReplies[0]!.code).toBe(250);
    expect(dataReplies[0]!.text).toMatch(/^2\.6\.0 stored, processing deferred: queued as \S+$/);
    expect(await pendingReceipts(t.config.archive.dir)).toBe(1);
  });

  it('answers 451 while the store cannot be written; the MTA keeps the message', async () => {
    const t = await startLmtpApp();
    await failInserts(t.config.archive.dir, 'receipt');
    const { dataReplies } = await deliver(await SmtpSession.connectUnix(t.socket), '<r@example.org>', ['cert@xyz.example'], message('no-spool'));
    expect(dataReplies.map((r) => r.code)).toEqual([451]);
    expect(t.app.counters.get('lmtp.tempfail.store')).toBe(1);
  });

  it('has the same back-pressure: 451 at MAIL FROM when the queue stays full for busyWaitSeconds, 250 once it has room', async () => {
    const t = await startLmtpApp({}, { smtp: { busyWaitSeconds: 0.2 } });
    const { release, blockers } = fillQueue(t.app.queue);
    const session = await SmtpSession.connectUnix(t.socket);
    await session.reply();
    await session.command('LHLO client.example');
    expect((await session.command('MAIL FROM:<reporter@example.org>')).code).toBe(451);
    release();
    await Promise.all(blockers);
    expect((await session.command('MAIL FROM:<reporter@example.org>')).code).toBe(250);
    expect(t.app.counters.get('lmtp.tempfail.busy')).toBe(1);
    session.destroy();
  });

  it('refuses the hand-off parameter anywhere but the Unix socket (555), and a malformed one (501)', async () => {
    const t = await startLmtpApp();
    const tcp = await SmtpSession.connect(t.port);
    await tcp.reply();
    await tcp.command('LHLO client.example');
    expect((await tcp.command('MAIL FROM:<r@example.org> X-INTAKE-INGEST')).code).toBe(555);
    tcp.destroy();
    const unix = await SmtpSession.connectUnix(t.socket);
    await unix.reply();
    await unix.command('LHLO client.example');
    expect((await unix.command('MAIL FROM:<r@example.org> X-INTAKE-INGEST=lf,bogus')).code).toBe(501);
    expect((await unix.command('MAIL FROM:<r@example.org> X-INTAKE-INGEST=lf')).code).toBe(250);
    unix.destroy();
  });

  it('greets at once and still refuses a connection over smtp.maxClients with 421', async () => {
    const t = await startLmtpApp({}, { smtp: { maxClients: 1 } });
    const first = await SmtpSession.connectUnix(t.socket);
    expect((await first.reply()).code).toBe(220);
    const second = await SmtpSession.connectUnix(t.socket);
    expect((await second.reply()).code).toBe(421);
    expect(await second.closed()).toBe(true);
    first.destroy();
  });

  it('says 500 to SMTP greetings: LMTP starts with LHLO', async () => {
    const t = await startLmtpApp();
    const session = await SmtpSession.connectUnix(t.socket);
    await session.reply();
    expect((await session.command('EHLO client.example')).code).toBe(500);
    session.destroy();
  });
});

describe('LMTP socket', () => {
  it('gets lmtp.socketMode and lmtp.socketGroup, and is gone after stop', async () => {
    const gid = Number((await getent('daemon')).split(':')[2]);
    const t = await startLmtpApp({ socketMode: '0660', socketGroup: 'daemon', host: null, port: null });
    const info = await stat(t.socket);
    expect(info.isSocket()).toBe(true);
    expect(info.mode & 0o777).toBe(0o660);
    expect(info.gid).toBe(gid);
    await t.app.stop();
    await expect(stat(t.socket)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('replaces a socket left by a killed daemon, refuses one that answers and a path that is no socket', async () => {
    const dir = await tempDir();
    const socket = path.join(dir, 'lmtp.sock');
    // A process that binds the socket and exits without closing it leaves the file behind.
    await new Promise<void>((resolve, reject) =>
      execFile(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(socket)}, () => process.exit(0))`], (e) => (e ? reject(e) : resolve())),
    );
    expect((await stat(socket)).isSocket()).toBe(true);
    const t = await createTestApp({ lmtp: { enabled: true, socket } });
    await t.app.start();
    const session = await SmtpSession.connectUnix(socket);
    expect((await session.reply()).code).toBe(220);
    session.destroy();

    const second = await createTestApp({ lmtp: { enabled: true, socket } });
    await expect(second.app.start()).rejects.toThrow(/in use by another process/);
    await t.app.stop();

    const file = path.join(dir, 'plain-file');
    await writeFile(file, 'x');
    const third = await createTestApp({ lmtp: { enabled: true, socket: file } });
    await expect(third.app.start()).rejects.toThrow(/is not a socket/);
  });

  it('is refused in the configuration without a socket or host and port', async () => {
    await expect(createTestApp({ lmtp: { enabled: true } })).rejects.toThrow(/lmtp\.socket: lmtp\.enabled needs a socket or a host and port/);
    await expect(createTestApp({ lmtp: { enabled: true, host: '127.0.0.1' } })).rejects.toThrow(/lmtp\.port: lmtp\.host and lmtp\.port go together/);
  });
});

function getent(group: string): Promise<string> {
  return new Promise((resolve, reject) => execFile('getent', ['group', group], (error, stdout) => (error ? reject(error) : resolve(stdout))));
}

