import { describe, expect, it } from 'vitest';
import { formatMailbox, headerLines, replyIds, strictMessageId } from '../../src/compose/mail-headers.js';
import { readHeaders } from '../../src/model/raw-headers.js';

describe('outgoing header fields', () => {
  it('quotes an ASCII team name and encodes any other (RFC 2047), the address IDNA-encoded', () => {
    expect(formatMailbox('XYZ "CERT"', 'cert@xyz.example')).toBe('"XYZ \\"CERT\\"" <cert@xyz.example>');
    const encoded = formatMailbox('Ünïcode-CERT', 'cert@bücher.example');
    expect(encoded).toMatch(/^=\?UTF-8\?Q\?.*\?= <cert@xn--bcher-kva\.example>$/);
    expect(encoded).toMatch(/^[\x20-\x7e]+$/);
  });

  it.each([
    ['<a@b.example>', '<a@b.example>'],
    ['<a.b+c@[192.0.2.1]>', '<a.b+c@[192.0.2.1]>'],
    ['a@b.example', null],
    ['<a@b.example> (comment)', null],
    ['<a..b@example>', null],
    ['<a@b@c>', null],
    ['<a b@example>', null],
    ['<a@example>\r\nBcc: x@y', null],
    [`<${'x'.repeat(240)}@example.org>`, null],
  ])('strictMessageId(%j) is %j', (input, expected) => {
    expect(strictMessageId(input)).toBe(expected);
  });

  it('builds In-Reply-To/References from the parent, newest last, at most 10', () => {
    const refs = Array.from({ length: 12 }, (_, i) => `<r${i}@x.example>`).join(' ');
    const ids = replyIds(readHeaders(Buffer.from(`Message-ID: <p@x.example>\r\nReferences: ${refs} <p@x.example>\r\n\r\n`)));
    expect(ids.inReplyTo).toBe('<p@x.example>');
    expect(ids.references).toHaveLength(10);
    expect(ids.references.at(-1)).toBe('<p@x.example>');
    expect(ids.references[0]).toBe('<r3@x.example>');
    expect(replyIds(readHeaders(Buffer.from('Subject: none\r\n\r\n')))).toEqual({ inReplyTo: null, references: [] });
  });

  it('carries the RFC 3834 fields and our loop header', () => {
    const lines = headerLines({
      from: '"XYZ-CERT" <cert@xyz.example>',
      to: 'a@bücher.example',
      subject: 'Auto: [XYZ-2026-00001] report received',
      date: new Date('2026-11-23T10:00:00Z'),
      messageId: 'ack.1@xyz.example',
      inReplyTo: null,
      references: [],
      autoSubmitted: 'auto-replied',
      loopName: 'XYZ-CERT',
    });
    expect(lines).toEqual([
      'From: "XYZ-CERT" <cert@xyz.example>',
      'To: <a@xn--bcher-kva.example>',
      'Subject: Auto: [XYZ-2026-00001] report received',
      'Date: Mon, 23 Nov 2026 10:00:00 +0000',
      'Message-ID: <ack.1@xyz.example>',
      'Auto-Submitted: auto-replied',
      'X-Auto-Response-Suppress: All',
      'X-CSIRT-Intake-Loop: XYZ-CERT',
      'MIME-Version: 1.0',
    ]);
  });
});
