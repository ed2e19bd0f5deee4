import { describe, expect, it } from 'vitest';
import { scanArchive } from '../helpers/archive-scan.js';
import { startSmtpApp } from '../helpers/smtp-app.js';
import { SmtpSession } from '../helpers/smtp-session.js';

/** RFC 5321 §4.1.1.11: an ESMTP parameter we do not implement is answered 555 (5.5.4). */
describe('SMTP listener: MAIL FROM and RCPT TO parameters', () => {
  it('accepts the parameters of the extensions it advertises (SIZE, BODY, SMTPUTF8)', async () => {
    const t = await startSmtpApp();
    const session = await SmtpSession.connect(t.port);
    await session.reply();
    expect((await session.command('EHLO client.example')).text).toMatch(/8BITMIME[\s\S]*SMTPUTF8|SMTPUTF8[\s\S]*8BITMIME/);
    expect((await session.command('MAIL FROM:<alice@example.org> SIZE=1000 BODY=8BITMIME SMTPUTF8')).code).toBe(250);
    expect((await session.command('RCPT TO:<cert@xyz.example>')).code).toBe(250);
    expect((await session.command('DATA')).code).toBe(354);
    session.write('From: alice@example.org\r\nSubject: params\r\n\r\nreport\r\n.\r\n');
    expect((await session.reply()).code).toBe(250);
    await t.app.queue.drain();
    expect(await scanArchive(t.config.archive.dir)).toHaveLength(1);
    session.destroy();
  });

  it.each([
    ['MAIL FROM:<alice@example.org> RET=HDRS', 'RET'],
    ['MAIL FROM:<alice@example.org> ENVID=abc', 'ENVID'],
    ['MAIL FROM:<alice@example.org> X-FANCY=1', 'X-FANCY'],
    ['MAIL FROM:<alice@example.org> AUTH=<>', 'AUTH'],
  ])('answers %s with 555 5.5.4 and the session goes on', async (command, name) => {
    const t = await startSmtpApp();
    const session = await SmtpSession.connect(t.port);
    await session.reply();
    await session.command('EHLO client.example');
    const refused = await session.command(command);
    expect(refused.code).toBe(555);
    expect(refused.text).toContain('5.5.4');
    expect(refused.text).toContain(name);
    expect((await session.command('MAIL FROM:<alice@example.org>')).code).toBe(250);
    session.destroy();
  });

  it.each([['NOTIFY=NEVER'], ['ORCPT=rfc822;cert@xyz.example'], ['X-PRIORITY=9']])('answers RCPT TO with %s with 555', async (parameter) => {
    const t = await startSmtpApp();
    const session = await SmtpSession.connect(t.port);
    await session.reply();
    await session.command('EHLO client.example');
    await session.command('MAIL FROM:<alice@example.org>');
    const refused = await session.command(`RCPT TO:<cert@xyz.example> ${parameter}`);
    expect(refused.code).toBe(555);
    expect((await session.command('RCPT TO:<cert@xyz.example>')).code).toBe(250);
    session.destroy();
  });
});
