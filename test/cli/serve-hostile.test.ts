import path from 'node:path';
import nodemailer from 'nodemailer';
import { describe, expect, it } from 'vitest';
import { scanArchive } from '../helpers/archive-scan.js';
import { startServe, writeServeConfig } from '../helpers/serve-process.js';
import { SmtpSession } from '../helpers/smtp-session.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * DESIGN §10 as `intake serve` runs it: hostile messages of each class of issue 11 arrive
 * between normal reports; the normal reports are all stored within seconds, a new SMTP
 * client still gets its greeting at once, and SIGTERM ends the process within
 * smtp.closeTimeoutSeconds plus a second even while a worker is busy with a heavy message.
 */
const normal = (n: number) =>
  `From: alice@example.org\r\nTo: cert@xyz.example\r\nSubject: report ${n}\r\nMessage-ID: <normal-${n}@example.org>\r\n\r\nScanning from 192.0.2.${n}.\r\n`;
const head = (subject: string, type = 'text/plain') => `From: mallory@example.net\r\nTo: cert@xyz.example\r\nSubject: ${subject}\r\nContent-Type: ${type}\r\n`;
const HOSTILE = [
  `${head('html', 'text/html')}\r\n${'<'.repeat(400_000)}`,
  `${head(`x${' '.repeat(117_000)}y`)}\r\nreport\r\n`,
  `${head('autocrypt')}Autocrypt: addr=mallory@example.net; keydata=${' '.repeat(150_000)}!\r\n\r\nreport\r\n`,
  `${head('report line')}\r\nScanning from 192.0.2.7${' '.repeat(200_000)}x\r\n`,
  `${head('delimiter', 'multipart/mixed; boundary="b"')}\r\n--b\r\n\r\nx\r\n--b${' '.repeat(150_000)}x\r\n`,
  `${head('deep', 'multipart/mixed; boundary="b0"')}\r\n${Array.from({ length: 60 }, (_, i) => `--b${i}\r\nContent-Type: multipart/mixed; boundary="b${i + 1}"\r\n\r\n`).join('')}`,
  `${head('headers')}${Array.from({ length: 5000 }, (_, i) => `X-H${i}: ${i}\r\n`).join('')}\r\nreport\r\n`,
];
/** Legitimate but heavy: seconds of mailparser work, so a worker is busy when SIGTERM comes. */
const heavy = () => `${head('heavy')}Content-Transfer-Encoding: quoted-printable\r\n\r\n${'=41=42=43=44=45=46=47=48=49=4A=4B=4C=4D=4E=4F=50=51=52=53=54=55=56=57=58=\r\n'.repeat(300_000)}`;

describe('intake serve under hostile mail', () => {
  it('keeps storing normal reports and greeting clients while hostile messages of each class arrive', { timeout: 180_000 }, async () => {
    const dir = await tempDir();
    const serve = startServe(dir, await writeServeConfig(dir, { log: { level: 'info', file: 'data/logs/intake.log' }, smtp: { enabled: true, host: '127.0.0.1', port: 0, maxMessageBytes: 26_214_400 } }));
    const port = await serve.smtpPort();
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port, ignoreTLS: true, pool: false });
    const send = (raw: string, from: string) => transport.sendMail({ envelope: { from, to: ['cert@xyz.example'] }, raw });
    const started = performance.now();
    const sends: Array<Promise<unknown>> = [];
    HOSTILE.forEach((raw, i) => {
      sends.push(send(raw, 'mallory@example.net'));
      sends.push(send(normal(i), 'alice@example.org'));
    });
    // While all that is processed, a new client is greeted at once.
    const greetedIn = performance.now();
    const session = await SmtpSession.connect(port);
    expect((await session.reply(5000)).code).toBe(220);
    const greetingMs = performance.now() - greetedIn;
    session.destroy();
    await Promise.all(sends);
    await serve.waitForLine(() => serve.lines.filter((l) => l.msg === 'report processed').length >= HOSTILE.length * 2, 'every message processed', 60_000);
    const seconds = (performance.now() - started) / 1000;
    const stored = await scanArchive(path.join(dir, 'data'));
    expect(stored.filter((m) => String(m.record.headers.messageId).startsWith('<normal-'))).toHaveLength(HOSTILE.length);
    expect(stored).toHaveLength(HOSTILE.length * 2);
    expect(greetingMs).toBeLessThan(2000);
    expect(seconds).toBeLessThan(60);
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
  });

  it('SIGTERM ends serve within closeTimeoutSeconds + 1 s while a sandbox worker is busy', { timeout: 120_000 }, async () => {
    const dir = await tempDir();
    const serve = startServe(dir, await writeServeConfig(dir, { smtp: { enabled: true, host: '127.0.0.1', port: 0, closeTimeoutSeconds: 2 } }));
    const port = await serve.smtpPort();
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port, ignoreTLS: true });
    await transport.sendMail({ envelope: { from: 'mallory@example.net', to: ['cert@xyz.example'] }, raw: heavy() });
    const stopped = performance.now();
    serve.child.kill('SIGTERM');
    const code = await serve.exited;
    const tookMs = performance.now() - stopped;
    expect(tookMs).toBeLessThan(3000);
    expect(code).toBe(0);
  });
});
