import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as openpgp from 'openpgp';
import { afterAll, describe, expect, it } from 'vitest';
// The fixture generators' own wrappers over the installed gnupg1 and MIME composition.
import { message, pgpMimeEncrypted, pgpMimeSigned, textPart } from '../../scripts/fixtures/openpgp-lib/mime.mjs';
import { Gpg1 } from '../../scripts/fixtures/realworld-lib/tools.mjs';
import { FIXTURES, runPipelineOn } from '../helpers/pipeline.js';
import { pgpTestApp, reporterTransport } from './pgp-fixtures.js';

/**
 * GnuPG 1.4 (Debian gnupg1) signing now, as an old constituent setup does: with
 * --force-v3-sigs its signatures are version 3, which openpgp.js does not judge — they
 * must come out `invalid` with their reason and issuer, never as "not signed"; the same
 * gpg1 without that option makes v4 signatures that verify.
 */
const gpg1 = new Gpg1();
gpg1.import(readFileSync(path.join(FIXTURES, 'keys', 'secret', 'bob.sec.asc')));
gpg1.import(readFileSync(path.join(FIXTURES, 'keys', 'team-rsa.pub.asc')));
const bob = await openpgp.readKey({ armoredKey: readFileSync(path.join(FIXTURES, 'keys', 'constituents', 'bob.asc'), 'utf8') });
const bobFingerprint = bob.getFingerprint().toUpperCase();
afterAll(() => gpg1.cleanup());

const headers = ['From: Bob Reporter <bob@example.net>', 'To: cert@xyz.example', 'Subject: interop gnupg1', 'Message-ID: <gnupg1@example.net>'];
const body = 'scanning from 198.51.100.77 against relay1.example.net\n';
const expected = () => ({ teamKey: 'team-rsa' as const, receivedAt: new Date(Date.now() + 60_000).toISOString() });

describe('interop with the installed gnupg1 (GnuPG 1.4)', () => {
  for (const v3 of [true, false]) {
    const sign = v3 ? ['--force-v3-sigs'] : [];
    const verdict = v3 ? { status: 'invalid', reason: 'unsupported-signature-version' } : { status: 'valid', reason: null };
    it(`${v3 ? 'v3 (--force-v3-sigs)' : 'v4'}: clear-signed, PGP/MIME signed and signed+encrypted`, async () => {
      const t = await pgpTestApp(expected());
      const clear = gpg1.run([...sign, '-u', bobFingerprint, '--clearsign'], { input: Buffer.from(body) }).toString();
      const signed = pgpMimeSigned(textPart(body), (bytes: Buffer) => gpg1.run([...sign, '-u', bobFingerprint, '--armor', '--detach-sign'], { input: bytes }));
      const sealed = gpg1.run([...sign, '-u', bobFingerprint, '-r', 'cert@xyz.example', '--armor', '--sign', '--encrypt'], { input: Buffer.from(textPart(body)) });
      const messages = [textPart(clear), signed, pgpMimeEncrypted(sealed)];
      for (const [index, root] of messages.entries()) {
        const raw = message([...headers.slice(0, 3), `Message-ID: <gnupg1-${v3}-${index}@example.net>`], root);
        const run = await runPipelineOn(t, raw, { transport: reporterTransport });
        expect(run.record!.signature).toMatchObject({ status: verdict.status, coverage: 'whole', signers: [{ fingerprint: bobFingerprint, keyId: bobFingerprint.slice(-16), ...verdict }] });
        if (index === 2) expect(run.record!.encryption).toMatchObject({ status: 'decrypted', format: 'pgp-mime' });
      }
    });
  }
});
