import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fileTransport } from '../../src/model/transport.js';
import { decryptWith, expectSignedByTeam, fixtureKey, fixturePgp, recentClock, teamOf } from '../helpers/ack-checks.js';
import { gpgEncrypt } from '../helpers/openpgp-tools.js';
import { splitSigned } from '../helpers/pgp-mime.js';
import { createTestApp, runPipelineOn, type TestApp } from '../helpers/pipeline.js';

/**
 * No acknowledgement carries anything of the report (docs/research/security.md §2, T-SIGN-
 * ORACLE and REPLY): unique markers in the Subject (with CR/LF and bidi controls), the
 * body (with an inline "BEGIN PGP SIGNED MESSAGE" block), attachment names and encrypted
 * content never appear in an ack — signed, encrypted, or the on-duty notification — and
 * the ack of a report that cannot be decrypted equals the ack of one that can, apart
 * from ticket id, time, Message-ID, boundaries and signature bytes.
 */
// alice has a curated key (her acks are encrypted); mallory's key is not the team's.
const alice = fixtureKey('alice');
const stranger = fixtureKey('mallory', 'unknown');

const markers: string[] = [];
function marker(): string {
  const value = `MRK${randomBytes(6).toString('hex').toUpperCase()}`;
  markers.push(value);
  return value;
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const RLO = '\u202e';

function mime(headers: string[], body: string[]): Buffer {
  return Buffer.from([...headers, '', ...body, ''].join('\r\n'));
}

function hostileReports(): Buffer[] {
  const base = ['From: "Alice ' + marker() + '" <alice@example.org>', 'To: cert@xyz.example', 'Message-ID: <hostile@example.org>'];
  return [
    mime([...base, `Subject: =?utf-8?b?${b64(`${marker()}\r\nBcc: evil@example.net ${RLO}${marker()}`)}?=`], ['plain body']),
    mime([...base, `Subject: URGENT ${marker()} CSIRT confirms host 192.0.2.1 is clean`], [
      `Body ${marker()} with bidi ${RLO}${marker()}\u2066 and CR\rinside`,
      '-----BEGIN PGP SIGNED MESSAGE-----',
      'Hash: SHA256',
      '',
      `CSIRT confirms ${marker()} host 192.0.2.1 is clean`,
      '-----BEGIN PGP SIGNATURE-----',
      '',
      'iHUEARYIAB0WIQQAAAAAAAAAAAAAAAAAAAAAAAAAAAUCaUAAAAAACgkQAAAAAAAA',
      '-----END PGP SIGNATURE-----',
    ]),
    mime([...base, 'Subject: attachments', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b1"'], [
      '--b1',
      'Content-Type: text/plain',
      '',
      'see attached',
      '--b1',
      `Content-Type: application/octet-stream; name="${marker()}.exe"`,
      `Content-Disposition: attachment; filename*=utf-8''${encodeURIComponent(`${RLO}${marker()}.txt`)}`,
      'Content-Transfer-Encoding: base64',
      '',
      b64(`attachment content ${marker()}`),
      '--b1--',
    ]),
  ];
}

async function encryptedReport(publicKey: string, subject: string, secret: string): Promise<Buffer> {
  const inner = `Content-Type: text/plain; charset=utf-8\r\n\r\nEncrypted ${secret} report: host 198.51.100.9 exfiltrates data.\r\n`;
  const armored = (await gpgEncrypt(inner, publicKey)).replace(/\r?\n/g, '\r\n');
  return mime(
    [
      'From: reporter@example.org',
      'To: cert@xyz.example',
      `Subject: ${subject}`,
      'Message-ID: <same-id@example.org>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="enc"',
    ],
    ['--enc', 'Content-Type: application/pgp-encrypted', '', 'Version: 1', '', '--enc', 'Content-Type: application/octet-stream', '', armored, '--enc--'],
  );
}

async function app(): Promise<TestApp> {
  return createTestApp({ team: { onDutyAddress: 'duty@xyz.example' }, pgp: fixturePgp() }, { clock: recentClock() });
}

const envelope = (sender: string) => ({ transport: fileTransport(sender, ['cert@xyz.example']) });

async function allOutgoing(t: TestApp): Promise<Buffer[]> {
  const raws: Buffer[] = [];
  for (const entry of await t.app.store.outbox.list({ failed: false })) raws.push(entry.raw!);
  return raws;
}

function expectNoMarker(text: string, where: string): void {
  for (const m of markers) expect(text.toUpperCase().includes(m), `${m} leaked into ${where}`).toBe(false);
  expect(text.includes(RLO), `bidi control in ${where}`).toBe(false);
  expect(/BEGIN PGP SIGNED MESSAGE|192\.0\.2\.1|198\.51\.100\.9|evil@example\.net/i.test(text), `report text in ${where}`).toBe(false);
}

describe('acknowledgements leak nothing of the report', () => {
  it('carries no marker from Subject, body, attachment names or encrypted content', async () => {
    const t = await app();
    const reports = [...hostileReports(), await encryptedReport(teamOf(t).publicKey, `Subject ${marker()}`, marker())];
    let n = 0;
    for (const raw of reports) {
      // Both signed-only and encrypted acks: the reporter's key is in the curated keyring.
      await runPipelineOn(t, raw, envelope(n++ % 2 === 0 ? 'alice@example.org' : 'other@example.org'));
    }
    const outgoing = await allOutgoing(t);
    expect(outgoing.length).toBe(reports.length + 1); // one on-duty notification: one Subject was URGENT
    for (const raw of outgoing) {
      expectNoMarker(raw.toString('latin1'), 'the ack as sent');
      const signedRaw = /^Content-Type: multipart\/encrypted/im.test(raw.toString()) ? await decryptWith(raw, alice) : raw;
      if (signedRaw !== raw) expectNoMarker(signedRaw.toString('latin1'), 'the decrypted ack');
      expectNoMarker(await expectSignedByTeam(signedRaw, teamOf(t)), 'the signed text');
    }
  });

  it('acks a report that fails to decrypt exactly like one that decrypts', async () => {
    const t = await app();
    const good = await encryptedReport(teamOf(t).publicKey, 'Report', marker());
    const wrongKey = await encryptedReport(stranger.publicKey, 'Report', marker());
    // A flipped byte in the ciphertext (T-EFAIL-MG): integrity protection must refuse it.
    const corrupted = await encryptedReport(teamOf(t).publicKey, 'Report', marker());
    const at = corrupted.indexOf('\r\n\r\n', corrupted.indexOf('-----BEGIN PGP MESSAGE-----')) + 40;
    corrupted[at] = corrupted[at] === 0x41 ? 0x42 : 0x41;
    const runs = [];
    for (const raw of [good, wrongKey, corrupted]) runs.push(await runPipelineOn(t, raw, envelope('other@example.org')));
    expect(runs.map((r) => r.record!.encryption.status)).toEqual(['decrypted', 'failed', 'failed']);
    const acks = await allOutgoing(t);
    expect(acks).toHaveLength(3);
    const normalised: string[] = [];
    for (const [i, ack] of acks.entries()) {
      await expectSignedByTeam(ack, teamOf(t));
      const { ticket, ack: record } = runs[i]!.record!;
      normalised.push(
        ack
          .toString()
          .replace(splitSigned(ack).signature, '<signature>')
          .replaceAll(record.messageId!, '<message-id>')
          .replaceAll(ticket, '<ticket>')
          .replace(/=_sig_[0-9a-f]+/g, '<boundary>'),
      );
      // The signed part itself differs only in the ticket id.
      expect(splitSigned(ack).signed.toString().replaceAll(ticket, 'T')).toBe(splitSigned(acks[0]!).signed.toString().replaceAll(runs[0]!.record!.ticket, 'T'));
    }
    expect(new Set(runs.map((r) => r.record!.ticket)).size).toBe(3);
    expect(normalised[1]).toBe(normalised[0]);
    expect(normalised[2]).toBe(normalised[0]);
  });
});
