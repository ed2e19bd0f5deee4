import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { scanArchive } from '../helpers/archive-scan.js';
import { startSmtpApp } from '../helpers/smtp-app.js';
import { SmtpSession } from '../helpers/smtp-session.js';

const message = (token: string) =>
  `From: alice@example.org\r\nTo: cert@xyz.example\r\nSubject: report ${token}\r\nMessage-ID: <${token}@example.org>\r\n\r\nbody ${token}\r\n`;

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

describe('SMTP listener shutdown', () => {
  it('stops accepting, says 421 to idle sessions, and finishes a message that is in DATA', async () => {
    const t = await startSmtpApp({ closeTimeoutSeconds: 30 });
    const idle = await SmtpSession.connect(t.port);
    await idle.reply();
    await idle.command('EHLO idle.example');

    const sending = await SmtpSession.connect(t.port);
    expect((await sending.startData('alice@example.org', 'cert@xyz.example')).code).toBe(354);
    const text = message('in-flight');
    sending.write(text.slice(0, 40));

    const stopped = t.app.stop();
    expect((await idle.reply()).code).toBe(421);
    expect(await idle.closed()).toBe(true);
    expect(await refused(t.port)).toBe(true);

    sending.write(`${text.slice(40)}.\r\n`);
    expect((await sending.reply()).code).toBe(250);
    // Answered, then told the server is going away — not kept open until closeTimeout.
    expect((await sending.reply()).code).toBe(421);
    expect(await sending.closed()).toBe(true);
    await stopped;
    const archived = await scanArchive(t.config.archive.dir);
    expect(archived.map((m) => m.record.headers.messageId)).toEqual(['<in-flight@example.org>']);
  }, 20_000);

  it('after closeTimeout cuts a session still in DATA with 421 and keeps nothing of it', async () => {
    const t = await startSmtpApp({ closeTimeoutSeconds: 0.5 });
    const sending = await SmtpSession.connect(t.port);
    expect((await sending.startData('alice@example.org', 'cert@xyz.example')).code).toBe(354);
    sending.write('From: alice@example.org\r\nSubject: never finished\r\n\r\nhalf');
    await t.app.stop();
    expect((await sending.reply()).code).toBe(421);
    expect(await scanArchive(t.config.archive.dir)).toEqual([]);
    sending.destroy();
  });
});
