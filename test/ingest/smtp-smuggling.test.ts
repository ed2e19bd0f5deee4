import { describe, expect, it } from 'vitest';
import { findBareLineEnding } from '../../src/ingest/line-endings.js';
import { pendingReceipts, scanArchive } from '../helpers/archive-scan.js';
import { startSmtpApp, type SmtpTestApp } from '../helpers/smtp-app.js';
import { SmtpSession } from '../helpers/smtp-session.js';

/**
 * SMTP smuggling (SEC Consult, December 2023; hannob/smtpsmug): a message whose body
 * holds a non-standard end-of-data sequence followed by a second SMTP transaction. A
 * receiver that ends DATA there sees a second, spoofed message. Here only
 * `<CR><LF>.<CR><LF>` ends DATA, so one DATA is always one message — or, with the
 * default bare-line-ending policy, one refusal.
 */
const SMUGGLED = [
  'MAIL FROM:<ceo@victim.example>',
  'RCPT TO:<cert@xyz.example>',
  'DATA',
  'From: CEO <ceo@victim.example>',
  'Subject: smuggled second message',
  '',
  'Please wire the money.',
].join('\r\n');

const END_OF_DATA_VARIANTS = {
  'LF . LF': '\n.\n',
  'LF . CRLF': '\n.\r\n',
  'CRLF . LF': '\r\n.\n',
  'CR . CRLF': '\r.\r\n',
  'CRLF . CR': '\r\n.\r',
} as const;

function smugglingPayload(variant: string): string {
  const first = 'From: Mallory <mallory@example.net>\r\nTo: cert@xyz.example\r\nSubject: harmless first message\r\nMessage-ID: <first@example.net>\r\n\r\nhello';
  return `${first}${variant}${SMUGGLED}\r\n.\r\n`;
}

/** Sends one DATA payload; returns every reply up to the 221 that answers our QUIT. */
async function deliver(t: SmtpTestApp, payload: string): Promise<number[]> {
  const session = await SmtpSession.connect(t.port);
  expect((await session.startData('mallory@example.net', 'cert@xyz.example')).code).toBe(354);
  session.write(payload);
  session.write('QUIT\r\n');
  const codes: number[] = [];
  for (let code = 0; code !== 221; ) {
    code = (await session.reply()).code;
    codes.push(code);
  }
  session.destroy();
  await t.app.queue.drain();
  return codes;
}

describe('SMTP smuggling and bare line endings', () => {
  for (const [name, variant] of Object.entries(END_OF_DATA_VARIANTS)) {
    it(`policy reject: "${name}" inside DATA gives one 554 and no message`, async () => {
      const t = await startSmtpApp();
      expect(await deliver(t, smugglingPayload(variant))).toEqual([554, 221]);
      expect(await scanArchive(t.config.archive.dir)).toEqual([]);
      expect(await pendingReceipts(t.config.archive.dir)).toBe(0);
    });

    it(`policy accept: "${name}" inside DATA gives one 250 and one ticket holding the smuggled text`, async () => {
      const t = await startSmtpApp({ bareLineEndings: 'accept' });
      expect(await deliver(t, smugglingPayload(variant))).toEqual([250, 221]);
      const archived = await scanArchive(t.config.archive.dir);
      expect(archived).toHaveLength(1);
      expect(archived[0]?.record.headers.messageId).toBe('<first@example.net>');
      expect(archived[0]?.record.transport.bareLineEndings).toBe(true);
      // Kept exactly as received: the smuggled transaction is body text of the one message.
      expect(archived[0]?.raw.toString('latin1')).toBe(smugglingPayload(variant).slice(0, -3));
    });
  }

  it('policy reject also refuses an innocent LF-only message (the documented cost of the policy)', async () => {
    const t = await startSmtpApp();
    const lfOnly = 'From: alice@example.org\nTo: cert@xyz.example\nSubject: unix line endings\n\nbody\n';
    expect(await deliver(t, `${lfOnly}\r\n.\r\n`)).toEqual([554, 221]);
    expect(t.app.counters.get('smtp.rejected.bare-line-ending')).toBe(1);
  });

  it('a well-formed message that talks about "\\r\\n.\\r\\n" stays one message', async () => {
    const t = await startSmtpApp();
    // Dot-stuffing (RFC 5321 §4.5.2): a line starting with "." is sent as "..".
    const body = 'From: alice@example.org\r\nSubject: dots\r\nMessage-ID: <dots@example.org>\r\n\r\nline\r\n..\r\n..MAIL FROM:<x@y>\r\nend\r\n';
    expect(await deliver(t, `${body}.\r\n`)).toEqual([250, 221]);
    const [only] = await scanArchive(t.config.archive.dir);
    expect(only?.raw.toString()).toBe(body.replace(/\r\n\.\./g, '\r\n.'));
  });
});

describe('findBareLineEnding', () => {
  it.each([
    ['', -1],
    ['a\r\nb\r\n', -1],
    ['a\nb', 1],
    ['a\r\nb\n', 4],
    ['a\rb\r\n', 1],
    ['a\r\n\r', 3],
    ['\r\r\n', 0],
    ['a\r\n\n', 3],
  ])('%j → %i', (input, expected) => {
    expect(findBareLineEnding(Buffer.from(input, 'latin1'))).toBe(expected);
  });
});
