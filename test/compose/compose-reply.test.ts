import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as openpgp from 'openpgp';
import { describe, expect, it } from 'vitest';
import { composeReply, replySubject, replyTextProblems, type ReplyRequest } from '../../src/compose/compose-reply.js';
import { readTeamKey } from '../../src/keys/team-key.js';
import { readHeaders } from '../../src/model/raw-headers.js';
import { decryptWith, expectSignedByTeam, fixtureKey } from '../helpers/ack-checks.js';
import { run } from '../helpers/openpgp-tools.js';
import { encryptedPayload, topHeader } from '../helpers/pgp-mime.js';
import { FIXTURES } from '../helpers/pipeline.js';
import { tempDir } from '../helpers/temp-dir.js';

const PARENT = Buffer.from(
  [
    'From: Alice <alice@example.org>',
    'To: cert@xyz.example',
    'Subject: Re: [XYZ-2026-00042] scan from 198.51.100.7',
    'Message-ID: <second.report@example.org>',
    'References: <first.report@example.org> <ack.XYZ-2026-00042.001.abc@xyz.example>',
    '',
    'body',
  ].join('\r\n'),
);

async function request(over: Partial<ReplyRequest> = {}): Promise<ReplyRequest> {
  const team = await readTeamKey(path.join(FIXTURES, 'keys', 'team.sec.asc'), null);
  return {
    ticket: 'XYZ-2026-00042',
    text: 'Hello Alice,\n\nwe blocked 198.51.100.7 at 10:40 UTC.\nFrom now on we watch the range.\n\n-- \nXYZ-CERT\n',
    to: 'alice@example.org',
    subject: null,
    ticketSubject: 'scan from 198.51.100.7',
    parentHeaders: readHeaders(PARENT),
    messageId: 'reply.XYZ-2026-00042.1.0123456789abcdef@xyz.example',
    teamName: 'XYZ-CERT',
    fromAddress: 'cert@xyz.example',
    team,
    encryptTo: null,
    requireEncryption: false,
    // gpg and sqop refuse signatures from the future; the fixture keys date from 2025.
    date: new Date(Date.now() - 120_000),
    ...over,
  };
}

const teamIdentity = async () => {
  const team = await readTeamKey(path.join(FIXTURES, 'keys', 'team.sec.asc'), null);
  return { fingerprint: team.fingerprint, publicKey: team.publicKey.armor() };
};

describe('operator reply composer', () => {
  it('threads the reply: tag in the Subject, In-Reply-To and References to the reporter’s last message, no Auto-Submitted', async () => {
    const reply = await composeReply(await request());
    if (reply.kind !== 'composed') throw new Error('refused');
    expect(topHeader(reply.raw, 'subject')).toBe('Re: [XYZ-2026-00042] scan from 198.51.100.7');
    expect(topHeader(reply.raw, 'in-reply-to')).toBe('<second.report@example.org>');
    expect(topHeader(reply.raw, 'references')?.split(/\s+/)).toEqual([
      '<first.report@example.org>',
      '<ack.XYZ-2026-00042.001.abc@xyz.example>',
      '<second.report@example.org>',
    ]);
    expect(topHeader(reply.raw, 'message-id')).toBe('<reply.XYZ-2026-00042.1.0123456789abcdef@xyz.example>');
    expect(topHeader(reply.raw, 'to')).toBe('<alice@example.org>');
    expect(topHeader(reply.raw, 'auto-submitted')).toBeNull();
    expect(reply.encrypted).toBe(false);
  });

  it('signs only the operator’s text: gpg and sqop verify it and the signed text is exactly that text', async () => {
    const r = await request();
    const reply = await composeReply(r);
    if (reply.kind !== 'composed') throw new Error('refused');
    expect(await expectSignedByTeam(reply.raw, await teamIdentity())).toBe(r.text);
  });

  it('encrypts to the reporter’s curated key: gpg and sqop decrypt it with her key, and the signature inside verifies', async () => {
    const alice = fixtureKey('alice');
    const encryptTo = await openpgp.readKey({ armoredKey: alice.publicKey });
    const r = await request({ encryptTo, requireEncryption: true });
    const reply = await composeReply(r);
    if (reply.kind !== 'composed') throw new Error('refused');
    expect(reply.encrypted).toBe(true);
    expect(reply.raw.toString()).not.toContain('198.51.100.7 at 10:40');

    const byGpg = await decryptWith(reply.raw, alice);
    expect(await expectSignedByTeam(byGpg, await teamIdentity())).toBe(r.text);

    const dir = await tempDir('intake-sqop-');
    await writeFile(path.join(dir, 'alice.sec.asc'), alice.secretKey);
    const bySqop = await run('sqop', ['decrypt', path.join(dir, 'alice.sec.asc')], encryptedPayload(reply.raw));
    expect(bySqop.code, bySqop.stderr).toBe(0);
    expect(bySqop.stdout.equals(byGpg)).toBe(true);
  });

  it('with --require-encryption and no usable key, refuses instead of sending in clear', async () => {
    expect(await composeReply(await request({ requireEncryption: true }))).toEqual({ kind: 'refused', reason: 'no-usable-key' });
  });

  it('refuses bodies that are not plain text', () => {
    expect(replyTextProblems(Buffer.from('fine\ttext\r\nline two\n'))).toEqual([]);
    expect(replyTextProblems(Buffer.alloc(0))).toContain('the reply is empty');
    expect(replyTextProblems(Buffer.from('a\u0000b'))[0]).toMatch(/control characters/);
    expect(replyTextProblems(Buffer.from('red \u001b[31m text'))[0]).toMatch(/control characters/);
    expect(replyTextProblems(Buffer.from('bidi \u202e txt'))[0]).toMatch(/control characters/);
    expect(replyTextProblems(Buffer.from([0x66, 0xff, 0xfe]))).toContain('the reply is not UTF-8 text');
  });

  it('builds the Subject from the ticket’s without controls, old tags or Re: chains', () => {
    expect(replySubject('XYZ-2026-00042', null, 'RE: Fwd: [xyz-2026-00042] hi\r\nBcc: x@evil\u202e')).toBe('Re: [XYZ-2026-00042] hi Bcc: x@evil');
    expect(replySubject('XYZ-2026-00042', null, null)).toBe('Re: [XYZ-2026-00042]');
    expect(replySubject('XYZ-2026-00042', 'Blocked now', 'whatever')).toBe('[XYZ-2026-00042] Blocked now');
    expect(replySubject('XYZ-2026-00042', 'Update on [XYZ-2026-00042]', null)).toBe('Update on [XYZ-2026-00042]');
  });
});
