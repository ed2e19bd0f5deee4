import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as openpgp from 'openpgp';
import { afterAll, describe, expect, it } from 'vitest';
// The fixture generator's own wrappers over the installed gpg and sqop (JavaScript).
import { reportText } from '../../scripts/fixtures/openpgp-lib/common.mjs';
import { message, pgpMimeEncrypted, pgpMimeSigned, textPart } from '../../scripts/fixtures/openpgp-lib/mime.mjs';
import { makeSigner } from '../../scripts/fixtures/openpgp-lib/sign.mjs';
import { Gpg, Sqop } from '../../scripts/fixtures/openpgp-lib/tools.mjs';
import { FIXTURES, runPipelineOn } from '../helpers/pipeline.js';
import { pgpTestApp, reporterTransport, unwrapDraft } from './pgp-fixtures.js';

/**
 * Interop with the real tools installed now (not only the committed fixtures): gpg and
 * sqop make fresh messages with the fixture keys at test time, and the pipeline must
 * decrypt and verify each of them; a message with bare LF line ends (as an MTA pipe may
 * deliver it) must verify like its CRLF original.
 */
const key = (ring: string, name: string) => ({
  publicArmor: readFileSync(path.join(FIXTURES, 'keys', ring === 'team' ? `${name}.pub.asc` : `${ring}/${name}.asc`)),
  secretArmor: ring === 'team' ? readFileSync(path.join(FIXTURES, 'keys', `${name}.sec.asc`)) : readFileSync(path.join(FIXTURES, 'keys/secret', `${name}.sec.asc`)),
});
const gpg = new Gpg();
const sqop = new Sqop();
const keys: Record<string, { publicArmor: Buffer; secretArmor: Buffer; fingerprint: string }> = {};
for (const [ring, name] of [['constituents', 'alice'], ['team', 'team']] as const) {
  const material = key(ring, name);
  gpg.import(material.secretArmor);
  const fingerprint = (await openpgp.readKey({ armoredKey: material.publicArmor.toString() })).getFingerprint().toUpperCase();
  keys[name] = { ...material, fingerprint };
}
afterAll(() => {
  gpg.cleanup();
  sqop.cleanup();
});

describe('interop with the installed gpg and sqop', () => {
  const now = new Date();
  const expected = { teamKey: 'team' as const, receivedAt: new Date(now.getTime() + 60_000).toISOString() };
  const signer = makeSigner({ gpg, sqop, keys, at: new Date(now.getTime() - 60_000) });
  const headers = ['From: Alice Reporter <alice@example.org>', 'To: cert@xyz.example', 'Subject: interop', 'Message-ID: <interop@example.org>'];

  for (const tool of ['gpg', 'sqop'] as const) {
    it(`${tool}: PGP/MIME signed+encrypted and inline clear-signed`, async () => {
      const t = await pgpTestApp(expected);
      const sealed = message(headers, pgpMimeEncrypted(signer.encrypt(tool, Buffer.from(textPart(reportText(`LIVE-${tool}`))), { signer: 'alice' })));
      const run = await runPipelineOn(t, sealed, { transport: reporterTransport });
      expect(run.record).toMatchObject({ encryption: { status: 'decrypted', format: 'pgp-mime', wrapped: false }, signature: { status: 'valid', coverage: 'whole', fromMatchesSigner: true } });
      expect(run.record!.signature.signers.map((s) => s.fingerprint)).toEqual([keys.alice!.fingerprint]);
      expect((await unwrapDraft(t, sealed)).body.text).toContain(`LIVE-${tool}`);

      const clear = message([...headers.slice(0, 3), 'Message-ID: <clear@example.org>'], textPart(signer.clearsign(tool, 'alice', reportText(`CLEAR-${tool}`)).toString()));
      const clearRun = await runPipelineOn(t, clear, { transport: reporterTransport });
      expect(clearRun.record!.signature).toMatchObject({ status: 'valid', coverage: 'whole', fromMatchesSigner: true });
    });
  }

  it('verifies a PGP/MIME signature over a message delivered with bare LF line ends', async () => {
    const t = await pgpTestApp(expected);
    const signed = message(headers, pgpMimeSigned(textPart(reportText('LF')), (bytes: Buffer) => signer.detach('gpg', 'alice', bytes)));
    const lf = Buffer.from(signed.toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
    const run = await runPipelineOn(t, lf, { transport: reporterTransport });
    expect(run.record!.signature).toMatchObject({ status: 'valid', coverage: 'whole' });
    const tampered = Buffer.from(lf.toString('latin1').replace('SSH brute force', 'SSH brute-force'), 'latin1');
    expect((await runPipelineOn(t, tampered, { transport: reporterTransport })).record!.signature.status).toBe('invalid');
  });
});
