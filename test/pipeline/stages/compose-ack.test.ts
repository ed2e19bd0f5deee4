import { describe, expect, it } from 'vitest';
import { fileTransport } from '../../../src/model/transport.js';
import { readHeaders, headerValues } from '../../../src/model/raw-headers.js';
import { decryptWith, expectSignedByTeam, fixtureKey, fixturePgp, recentClock, teamOf } from '../../helpers/ack-checks.js';
import { topHeader } from '../../helpers/pgp-mime.js';
import { createTestApp, runPipelineOn, type TestApp } from '../../helpers/pipeline.js';

/**
 * What an acknowledgement is (DESIGN §7, issue 4): PGP/MIME signed by the team key —
 * verified here by the real gpg and sqop — encrypted (signed inside) to the envelope
 * sender's currently valid curated key, addressed to the envelope sender only, with the
 * RFC 3834 header fields and nothing of the report.
 */
// The fixture keyring (fixtures/keys/constituents) knows alice (valid), carol (expired
// 2026-01-01), dave (revoked) and bob (RSA-3072); reporter@example.org has no key.
const alice = fixtureKey('alice');
const bob = fixtureKey('bob');

async function app(overrides: Parameters<typeof createTestApp>[0] = {}, team: 'team' | 'team-rsa' = 'team'): Promise<TestApp> {
  return createTestApp({ ...overrides, pgp: fixturePgp(team) }, { clock: recentClock() });
}

function report(extra: string[] = [], subject = 'Phishing site impersonating our bank'): Buffer {
  return Buffer.from(
    [
      'From: Mallory <mallory@example.net>',
      'Reply-To: replies@example.net',
      'Sender: sender@example.com',
      'Cc: cc@example.com',
      'To: cert@xyz.example',
      `Subject: ${subject}`,
      'Message-ID: <report-1@example.org>',
      ...extra,
      '',
      'The phishing page at https://bank.example.invalid/login asks for passwords.',
      '',
    ].join('\r\n'),
  );
}

async function ackOf(t: TestApp, ticket: string, seq = 1, kind = 'ack'): Promise<Buffer> {
  const item = await t.app.store.outbox.get(`${ticket}.${String(seq).padStart(3, '0')}.${kind}`);
  expect(item, `outbox entry ${kind} for ${ticket}/${seq}`).not.toBeNull();
  return item!.raw!;
}

const envelope = (sender: string) => ({ transport: fileTransport(sender, ['cert@xyz.example']) });

describe('compose-ack', () => {
  it('signs a fixed text with the team key, verified by gpg and sqop, sent to the envelope sender only', async () => {
    const t = await app();
    const run = await runPipelineOn(t, report(), envelope('reporter@example.org'));
    const ticket = run.record!.ticket;
    const raw = await ackOf(t, ticket);
    const headers = readHeaders(raw);

    expect(headerValues(headers, 'to')).toEqual(['<reporter@example.org>']);
    expect(headerValues(headers, 'cc')).toEqual([]);
    expect(headerValues(headers, 'bcc')).toEqual([]);
    expect(topHeader(raw, 'from')).toBe('"XYZ-CERT" <cert@xyz.example>');
    expect(topHeader(raw, 'subject')).toBe(`Auto: [${ticket}] report received`);
    expect(topHeader(raw, 'auto-submitted')).toBe('auto-replied');
    expect(topHeader(raw, 'x-auto-response-suppress')).toBe('All');
    expect(topHeader(raw, 'x-csirt-intake-loop')).toBe('XYZ-CERT');
    expect(topHeader(raw, 'in-reply-to')).toBe('<report-1@example.org>');
    expect(topHeader(raw, 'references')).toBe('<report-1@example.org>');
    expect(topHeader(raw, 'message-id')).toBe(`<${run.record!.ack.messageId}>`);
    expect(raw.toString('latin1')).toMatch(/^[\x00-\x7f]*$/);

    const text = await expectSignedByTeam(raw, teamOf(t));
    expect(text).toContain(`filed it under ticket\n${ticket} (received `);
    expect(text).toContain(t.app.context.keys.team.fingerprint.match(/.{4}/g)!.join(' '));
    expect(text).toContain('Mon-Fri 09:00-17:00 (Europe/Berlin)');
    expect(text).not.toContain('urgent');
    expect(run.record!.ack).toMatchObject({ status: 'queued', encrypted: false, suppressedReason: null });
  });

  it('threads: a reply to the ack (only its Message-ID in In-Reply-To) joins the ticket', async () => {
    const t = await app();
    const original = report().toString().replace('From: Mallory <mallory@example.net>', 'From: reporter@example.org');
    const first = await runPipelineOn(t, Buffer.from(original), envelope('reporter@example.org'));
    const reply = Buffer.from(
      `From: reporter@example.org\r\nTo: cert@xyz.example\r\nSubject: Re: more details\r\nIn-Reply-To: <${first.record!.ack.messageId}>\r\nMessage-ID: <reply-1@example.org>\r\n\r\nMore details.\r\n`,
    );
    const second = await runPipelineOn(t, reply, envelope('reporter@example.org'));
    expect(second.outcome).toMatchObject({ kind: 'archived', ticket: first.record!.ticket, status: 'followup' });
    expect(second.record!.threading).toEqual({ kind: 'references', senderKnown: true });
  });

  it('encrypts to the envelope sender\'s curated key, signed inside; gpg decrypts it with the reporter key', async () => {
    const t = await app();
    const run = await runPipelineOn(t, report(), envelope('Alice@Example.org'));
    const raw = await ackOf(t, run.record!.ticket);
    expect(topHeader(raw, 'content-type')).toMatch(/^multipart\/encrypted;\s+protocol="application\/pgp-encrypted"/);
    expect(raw.toString()).not.toContain('filed it under ticket');
    const inner = await decryptWith(raw, alice);
    const text = await expectSignedByTeam(inner, teamOf(t));
    expect(text).toContain(run.record!.ticket);
    expect(run.record!.ack).toMatchObject({ status: 'queued', encrypted: true });
  });

  it.each([
    ['an expired key', 'carol@example.org'],
    ['a revoked key', 'dave@example.org'],
    ['no key (only others have)', 'someone@example.org'],
  ])('signs only when the sender has %s', async (_name, sender) => {
    const t = await app();
    const run = await runPipelineOn(t, report(), envelope(sender));
    const raw = await ackOf(t, run.record!.ticket);
    expect(topHeader(raw, 'content-type')).toMatch(/^multipart\/signed/);
    await expectSignedByTeam(raw, teamOf(t));
    expect(run.record!.ack.encrypted).toBe(false);
  });

  it('copies only valid, bounded Message-IDs into In-Reply-To and References', async () => {
    const t = await app();
    const long = `<${'a'.repeat(300)}@example.org>`;
    const refs = Array.from({ length: 14 }, (_, i) => `<r${i}@example.org>`);
    const cases: Array<[string[], string | null, string | null]> = [
      [['Message-ID: <ok@example.org> (comment)'], null, null],
      [['Message-ID: ' + long], null, null],
      [['Message-ID: <two words@example.org>'], null, null],
      [['Message-ID: <a@b>', 'Message-ID: <c@d>'], null, null],
      [['Message-ID: <x@[192.0.2.1]>', `References: <bad ref> ${refs.join(' ')}`], '<x@[192.0.2.1]>', [...refs.slice(-9), '<x@[192.0.2.1]>'].join('\r\n ')],
    ];
    let n = 0;
    for (const [extra, inReplyTo, references] of cases) {
      const raw = Buffer.from(
        ['From: a@example.org', 'To: cert@xyz.example', `Subject: case ${n++}`, ...extra, '', 'text', ''].join('\r\n'),
      );
      const run = await runPipelineOn(t, raw, envelope('reporter@example.org'));
      const ack = await ackOf(t, run.record!.ticket);
      expect(topHeader(ack, 'in-reply-to'), extra.join(' | ')).toBe(inReplyTo);
      const rawRefs = /\r\nReferences: ((?:.|\r\n )*)\r\n/.exec(ack.toString())?.[1] ?? null;
      expect(rawRefs, extra.join(' | ')).toBe(references);
    }
  });

  it('adds the urgent line and a signed on-duty notification without report text', async () => {
    const t = await app({ team: { onDutyAddress: 'duty@xyz.example' } });
    const run = await runPipelineOn(t, report([], 'URGENT: ransomware spreading on 192.0.2.7'), envelope('reporter@example.org'));
    const ticket = run.record!.ticket;
    const ackText = await expectSignedByTeam(await ackOf(t, ticket), teamOf(t));
    expect(ackText).toContain('Your report was marked urgent; our on-duty handler has been notified.');

    const notice = await ackOf(t, ticket, 1, 'on-duty');
    expect(readHeaders(notice).filter((h) => /^(to|cc|bcc)$/i.test(h.name)).map((h) => h.value)).toEqual(['<duty@xyz.example>']);
    expect(topHeader(notice, 'subject')).toBe(`Auto: [${ticket}] urgent report received`);
    expect(topHeader(notice, 'auto-submitted')).toBe('auto-generated');
    expect(topHeader(notice, 'in-reply-to')).toBeNull();
    const text = await expectSignedByTeam(notice, teamOf(t));
    expect(text).toContain(`intake tickets show ${ticket}`);
    for (const marker of ['ransomware', '192.0.2.7', 'phishing', 'mallory']) {
      expect(notice.toString().toLowerCase()).not.toContain(marker);
    }
    expect(run.record!.ack.onDuty).toMatchObject({ status: 'queued', file: null });
  });

  it('notifies on-duty even with acks disabled, but never for machine mail', async () => {
    const t = await app({ team: { onDutyAddress: 'duty@xyz.example' }, ack: { enabled: false } });
    const human = await runPipelineOn(t, report([], 'urgent: data leak'), envelope('reporter@example.org'));
    expect(human.record!.ack).toMatchObject({ suppressedReason: 'disabled', status: 'suppressed' });
    expect(human.record!.ack.onDuty?.status).toBe('queued');
    const machine = await runPipelineOn(t, report(['Auto-Submitted: auto-generated'], 'urgent: disk full'), envelope('monitor@example.org'));
    expect(machine.record!.ack.onDuty).toBeNull();
    expect((await t.app.store.outbox.list({ failed: false })).map((e) => e.key)).toEqual([`${human.record!.ticket}.001.on-duty`]);
  });

  it('is verified by gpg and sqop with an RSA-3072 team key too', async () => {
    const t = await app({}, 'team-rsa');
    expect(t.app.context.keys.team.isRsa).toBe(true);
    const plain = await runPipelineOn(t, report(), envelope('other@example.org'));
    await expectSignedByTeam(await ackOf(t, plain.record!.ticket), teamOf(t));
    const encrypted = await runPipelineOn(t, report([], 'second'), envelope('bob@example.net'));
    await expectSignedByTeam(await decryptWith(await ackOf(t, encrypted.record!.ticket), bob), teamOf(t));
  });
});
