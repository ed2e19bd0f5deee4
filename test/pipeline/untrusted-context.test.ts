import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { initialDraft } from '../../src/model/draft.js';
import { fileTransport, type TransportInfo } from '../../src/model/transport.js';
import { networkOf, quotaKey } from '../../src/pipeline/stages/ack-wanted.js';
import { fixturePgp, recentClock } from '../helpers/ack-checks.js';
import { gpgEncrypt } from '../helpers/openpgp-tools.js';
import { createTestApp, FIXTURES, runPipelineOn } from '../helpers/pipeline.js';

/**
 * Issue 11 item 4: nothing inside a replayed ciphertext threads a message or reaches its
 * ack; a sender is known the way the ticket's reporter was; the on-duty notice does not
 * depend on the sender's ack quota, and a forger cannot use up a reporter's quota.
 */
const smtp = (mailFrom: string, remoteAddress: string): TransportInfo => ({ kind: 'smtp', mailFrom, rcptTo: ['cert@xyz.example'], remoteAddress, imapUid: null });
const mail = (headers: string[], body: string) => Buffer.from(`${[...headers, 'To: cert@xyz.example', ''].join('\r\n')}\r\n${body}\r\n`);

async function pgpMimeEncrypted(from: string, subject: string, inner: string): Promise<Buffer> {
  const armored = (await gpgEncrypt(Buffer.from(inner), await readFile(path.join(FIXTURES, 'keys/team.pub.asc'), 'utf8'))).replace(/\r?\n/g, '\r\n');
  return Buffer.from(
    [`From: ${from}`, 'To: cert@xyz.example', `Subject: ${subject}`, `Message-ID: <${Math.random().toString(36).slice(2)}@example.org>`, 'MIME-Version: 1.0',
      'Content-Type: multipart/encrypted; boundary="enc"; protocol="application/pgp-encrypted"', '',
      '--enc', 'Content-Type: application/pgp-encrypted', '', 'Version: 1', '', '--enc', 'Content-Type: application/octet-stream', '', armored, '--enc--', ''].join('\r\n'),
  );
}

describe('replayed ciphertext', () => {
  it('its protected Subject never threads the replay, and the replay ack names only its own ticket', async () => {
    const t = await createTestApp({ pgp: fixturePgp() }, { clock: recentClock() });
    const opened = await runPipelineOn(t, mail(['From: Alice <alice@example.org>', 'Subject: scanning', 'Message-ID: <first@example.org>'], 'Scanning from 192.0.2.7.'), { transport: smtp('alice@example.org', '198.51.100.10') });
    const tag = `[${opened.outcome.kind === 'archived' ? opened.outcome.ticket : ''}]`;
    // The victim's follow-up: encrypted, the ticket tag only in the protected Subject (Thunderbird).
    const inner = `Content-Type: text/plain; charset=utf-8; protected-headers="v1"\r\nSubject: Re: scanning ${tag}\r\n\r\nThe attacker is 192.0.2.99; our password is hunter2.\r\n`;
    const followUp = await pgpMimeEncrypted('Alice <alice@example.org>', '...', inner);
    const threaded = await runPipelineOn(t, followUp, { transport: smtp('alice@example.org', '198.51.100.10') });
    expect(threaded.record!.threading).toMatchObject({ kind: 'tag' });
    expect(threaded.outcome).toMatchObject({ ticket: tag.slice(1, -1), status: 'followup' });

    // A stranger re-sends the same ciphertext under their own From and Subject.
    const body = followUp.toString('latin1');
    const replay = Buffer.from(body.replace('From: Alice <alice@example.org>', 'From: Mallory <mallory@example.net>').replace(/Message-ID: <[^>]+>/, 'Message-ID: <replay@example.net>'), 'latin1');
    const replayed = await runPipelineOn(t, replay, { transport: smtp('mallory@example.net', '203.0.113.5') });
    expect(replayed.record!.encryption.replayOf).toMatchObject({ ticket: tag.slice(1, -1) });
    expect(replayed.record!.threading.kind).toBe('new');
    expect(replayed.record!.headers.innerSubject ?? null).toBeNull();
    expect(replayed.outcome).toMatchObject({ status: 'new' });
    const acks = (await t.app.store.outbox.list({ failed: false })).map((e) => e.raw!.toString('latin1'));
    const replayAck = acks.find((a) => a.includes('replay@example.net'));
    expect(replayAck).toBeDefined();
    expect(replayAck).not.toContain(tag.slice(1, -1));
    expect(replayAck).not.toContain('hunter2');
  });
});

describe('senderKnown', () => {
  it('a ticket whose reporter signed knows a follow-up by that key, not by a forged From', async () => {
    const fixture = 'mail/openpgp/signed-mime-plain-cv25519-gpg.eml';
    const expected = JSON.parse(await readFile(path.join(FIXTURES, fixture.replace(/\.eml$/, '.expected.json')), 'utf8')) as { receivedAt: string };
    const t = await createTestApp({ pgp: fixturePgp() }, { clock: expected.receivedAt });
    const signed = await readFile(path.join(FIXTURES, fixture));
    const first = await runPipelineOn(t, signed, { transport: fileTransport('alice@example.org', ['cert@xyz.example']) });
    expect(first.record!.signature.status).toBe('valid');
    const ticket = first.outcome.kind === 'archived' ? first.outcome.ticket : '';
    expect(first.ticket!.reporter.fingerprint).toBeTruthy();

    const forged = await runPipelineOn(t, mail(['From: Alice Reporter <alice@example.org>', `Subject: Re: [${ticket}] more`, 'Message-ID: <forged@example.net>'], 'Please send the logs to evil@example.net.'), { transport: fileTransport('alice@example.org', ['cert@xyz.example']) });
    expect(forged.record!.threading).toMatchObject({ kind: 'tag', senderKnown: false });

    // The same signed bytes under a new outer Subject (not covered by the signature) carrying the tag.
    const text = signed.toString('latin1');
    const resigned = Buffer.from(text.replace(/^Subject: .*$/m, `Subject: Re: [${ticket}] signed follow-up`).replace(/^Message-ID: <[^>]+>/m, 'Message-ID: <signed-followup@example.org>'), 'latin1');
    const known = await runPipelineOn(t, resigned, { transport: fileTransport('alice@example.org', ['cert@xyz.example']) });
    expect(known.record!.signature.status).toBe('valid');
    expect(known.record!.threading).toMatchObject({ kind: 'tag', senderKnown: true });
  });
});

describe('ack quota and on-duty notice', () => {
  it('the on-duty notice of an urgent report goes out even when the sender has no ack left', async () => {
    const t = await createTestApp({ ack: { maxPerSenderPerDay: 0 }, team: { onDutyAddress: 'duty@xyz.example' } });
    const run = await runPipelineOn(t, mail(['From: Alice <alice@example.org>', 'Subject: URGENT: ransomware on our file server', 'Message-ID: <urgent@example.org>'], 'Encrypted shares since 06:00.'), { transport: smtp('alice@example.org', '198.51.100.10') });
    expect(run.record!.urgent.flag).toBe(true);
    expect(run.record!.ack).toMatchObject({ suppressedReason: 'rate-limited' });
    expect(run.record!.ack.onDuty).toMatchObject({ status: 'queued' });
  });

  it('a forger from another network spends their own quota, not the reporter’s', async () => {
    const t = await createTestApp({ ack: { maxPerSenderPerDay: 2 } });
    for (let n = 0; n < 5; n++) {
      const forged = await runPipelineOn(t, mail(['From: Alice <alice@example.org>', `Subject: report ${n}`, `Message-ID: <forged-${n}@example.net>`], `forged ${n}`), { transport: smtp('alice@example.org', '203.0.113.5') });
      expect(forged.record!.ack.suppressedReason).toBe(n < 2 ? null : 'rate-limited');
    }
    const real = await runPipelineOn(t, mail(['From: Alice <alice@example.org>', 'Subject: the real report', 'Message-ID: <real@example.org>'], 'Scanning from 192.0.2.7.'), { transport: smtp('alice@example.org', '198.51.100.10') });
    expect(real.record!.ack.suppressedReason).toBeNull();
  });

  it('keys: the signing key for a signed report, else envelope sender and client network', () => {
    const draft = (transport: TransportInfo) => initialDraft({ receiptId: '1', raw: Buffer.alloc(0), sha256: 'x', receivedAt: new Date(0), transport });
    const a = quotaKey(draft(smtp('alice@example.org', '198.51.100.10')));
    expect(quotaKey(draft(smtp('ALICE@example.org', '198.51.100.200')))).toBe(a);
    expect(quotaKey(draft(smtp('alice@example.org', '203.0.113.5')))).not.toBe(a);
    expect(quotaKey(draft(fileTransport('alice@example.org', [])))).not.toBe(a);
    const signed = { ...draft(smtp('alice@example.org', '203.0.113.5')), signature: { status: 'valid' as const, coverage: 'whole' as const, fromMatchesSigner: true, signers: [{ fingerprint: 'ABCD', keyId: 'AB', status: 'valid' as const, reason: null, created: null, flags: [], userIds: [] }] } };
    expect(quotaKey(signed)).toBe(quotaKey({ ...signed, message: { ...signed.message, transport: smtp('bob@example.net', '192.0.2.1') } }));
    expect(networkOf('::ffff:198.51.100.7')).toBe('198.51.100.0/24');
    expect(networkOf('2001:db8:1:2::5')).toBe('2001:db8:1::/48');
    expect(networkOf(null)).toBeNull();
  });
});
