import { execFile } from 'node:child_process';
import { constants, createPublicKey, publicEncrypt, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import * as openpgp from 'openpgp';
import { describe, expect, it } from 'vitest';
import { hardenedOpenpgpConfig } from '../../src/openpgp/openpgp-config.js';
import { rsaImplicitRejection } from '../../src/openpgp/rsa-implicit-rejection.js';
import { FIXTURES, runPipelineOn } from '../helpers/pipeline.js';
import { testConfig } from '../helpers/test-config.js';
import { pgpTestApp, reporterTransport } from './pgp-fixtures.js';

/**
 * An RSA team key on this runtime (docs/research/rsa-decryption.md): where PKCS#1 v1.5
 * decryption rejects implicitly, openpgp.js's native path is used, and a PKESK whose
 * padding is wrong is indistinguishable from one whose padding is right but whose
 * session key is wrong — the Bleichenbacher oracle is closed. Elsewhere the
 * constant-time option stays on.
 */
const opensslAtLeast32 = (() => {
  const [major, minor] = process.versions.openssl.split('.').map(Number);
  return major! > 3 || (major === 3 && minor! >= 2);
})();

const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
/** openpgp.js serialises a read message as its own array stream; this waits for the text. */
const armorOf = (message: openpgp.Message<Uint8Array>) =>
  (message.armor() as unknown as { readToEnd(join: (chunks: string[]) => string): Promise<string> }).readToEnd((chunks) => chunks.join(''));
const key = async (file: string) => readFile(path.join(FIXTURES, 'keys', file), 'utf8');

/** A signed+encrypted PGP/MIME report to the RSA team key, and variants of its PKESK and SEIPD. */
async function variants() {
  const team = await openpgp.readKey({ armoredKey: await key('team-rsa.pub.asc') });
  const bob = await openpgp.readPrivateKey({ armoredKey: await key('secret/bob.sec.asc') });
  const armored = await openpgp.encrypt({
    message: await openpgp.createMessage({ text: 'Content-Type: text/plain\r\n\r\nRSA report 198.51.100.7\r\n', format: 'utf8' }),
    encryptionKeys: team,
    signingKeys: bob,
    date: new Date('2026-11-23T09:59:00Z'),
  });
  const encryptionKey = (await team.getEncryptionKey()).keyPacket;
  const { n, e } = encryptionKey.publicParams as { n: Uint8Array; e: Uint8Array };
  const rsa = createPublicKey({ key: { kty: 'RSA', n: b64url(n), e: b64url(e) }, format: 'jwk' });

  /** The same message with the RSA value of its PKESK replaced. */
  const withPkesk = async (c: Uint8Array) => {
    const message = await openpgp.readMessage({ armoredMessage: armored });
    const pkesk = message.packets.filterByTag(openpgp.enums.packet.publicKeyEncryptedSessionKey)[0] as unknown as { encrypted: { c: Uint8Array } };
    pkesk.encrypted = { c };
    return armorOf(message);
  };
  // A valid PKCS#1 v1.5 block around a session key whose checksum is wrong (RFC 9580 §5.1.3).
  const sessionKey = randomBytes(32);
  const badChecksum = publicEncrypt({ key: rsa, padding: constants.RSA_PKCS1_PADDING }, Buffer.concat([Buffer.from([9]), sessionKey, Buffer.from([0, 0])]));
  // One bit flipped near the end: inside the SEIPD packet, the last one (its MDC fails).
  const seipd = () => {
    const bytes = Buffer.from(armored.replace(/-----[^-]+-----|^=.*$/gm, '').replace(/\s+/g, ''), 'base64');
    bytes[bytes.length - 5]! ^= 0x01;
    return `-----BEGIN PGP MESSAGE-----\n\n${bytes.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END PGP MESSAGE-----\n`;
  };
  return {
    genuine: armored,
    badPadding: await withPkesk(new Uint8Array([1])), // decrypts to 00…01: never a valid block
    badChecksum: await withPkesk(new Uint8Array(badChecksum)),
    badIntegrity: seipd(),
  };
}

function pgpMime(armored: string, token: string): Buffer {
  return Buffer.from(
    [
      'From: Bob Reporter <bob@example.net>', 'To: cert@xyz.example', `Subject: RSA ${token}`, `Message-ID: <rsa-${token}@example.net>`, 'MIME-Version: 1.0',
      'Content-Type: multipart/encrypted; boundary="b"; protocol="application/pgp-encrypted"', '',
      '--b', 'Content-Type: application/pgp-encrypted', '', 'Version: 1', '',
      '--b', 'Content-Type: application/octet-stream', '', armored.replace(/\r?\n/g, '\r\n'), '--b--', '',
    ].join('\r\n'),
  );
}

describe('RSA PKCS#1 v1.5 decryption of the team key', () => {
  it('probes implicit rejection: present with OpenSSL >= 3.2 (Node >= 24), and picks the path from it', () => {
    expect(rsaImplicitRejection()).toBe(opensslAtLeast32);
    const config = testConfig('/tmp');
    expect(hardenedOpenpgpConfig(config, true).constantTimePKCS1Decryption).toBe(!opensslAtLeast32);
    expect(hardenedOpenpgpConfig(config, false).constantTimePKCS1Decryption).toBe(false);
  });

  it.skipIf(!existsSync('/usr/bin/node'))('finds no implicit rejection on a runtime without it (the system Node 20 here, OpenSSL 3.0)', async () => {
    const probe = path.resolve(import.meta.dirname, '../../dist/src/openpgp/rsa-implicit-rejection.js');
    const { stdout } = await promisify(execFile)('/usr/bin/node', ['--input-type=module', '-e', `const m = await import(${JSON.stringify(probe)}); console.log(process.versions.openssl, m.rsaImplicitRejection())`]);
    const [openssl, found] = stdout.trim().split(' ');
    const [major, minor] = openssl!.split('.').map(Number);
    expect(found).toBe(String(major! > 3 || (major === 3 && minor! >= 2)));
  });

  it('gives a wrong padding, a wrong session key and a broken MDC the same outward verdict; the genuine one decrypts', async () => {
    const t = await pgpTestApp({ teamKey: 'team-rsa', receivedAt: '2026-11-23T10:00:00.000Z' });
    const messages = await variants();
    const records: Record<string, Awaited<ReturnType<typeof runPipelineOn>>['record']> = {};
    for (const [name, armored] of Object.entries(messages)) {
      records[name] = (await runPipelineOn(t, pgpMime(armored, name), { transport: reporterTransport, expectErrors: false })).record;
    }
    expect(records.genuine!.encryption).toMatchObject({ status: 'decrypted' });
    expect(records.genuine!.signature.status).toBe('valid');
    for (const name of ['badPadding', 'badChecksum', 'badIntegrity']) {
      expect(records[name]!.encryption.status, name).toBe('failed');
      // The acknowledgement does not depend on decryption (docs/research/security.md §2 rule 7).
      expect(records[name]!.ack.status, name).toBe(records.genuine!.ack.status);
    }
    // Not even the internal verdict tells a bad padding from a well-padded wrong key (the
    // ciphertexts' own hashes aside).
    const verdict = (name: string) => JSON.parse(JSON.stringify(records[name]!.encryption, (k, v: unknown) => (k === 'sha256' ? undefined : v)));
    expect(verdict('badPadding')).toEqual(verdict('badChecksum'));
    expect(verdict('badPadding')).toMatchObject({ status: 'failed', error: expect.any(String) });
  });
});
