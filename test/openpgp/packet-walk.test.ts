import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as openpgp from 'openpgp';
import { describe, expect, it } from 'vitest';
import { packetBody, walkPackets } from '../../src/openpgp/packet-walk.js';
import { onePassIssuer, signatureIssuer } from '../../src/openpgp/signature-packet.js';
import { signatureIssuersIn } from '../../src/openpgp/unjudged-signatures.js';
import { FIXTURES } from '../helpers/pipeline.js';

/** The armored signature block of a fixture (the last one in the file). */
async function signatureBlock(fixture: string): Promise<Uint8Array> {
  const text = readFileSync(path.join(FIXTURES, 'mail', fixture), 'latin1');
  const start = text.lastIndexOf('-----BEGIN PGP SIGNATURE-----');
  const end = text.indexOf('-----END PGP SIGNATURE-----', start) + '-----END PGP SIGNATURE-----'.length;
  const armor = text.slice(start, end).replace(/\r\n/g, '\n');
  return (await openpgp.unarmor(armor)).data as Uint8Array;
}

const bobFingerprint = () => {
  const armored = readFileSync(path.join(FIXTURES, 'keys', 'constituents', 'bob.asc'), 'utf8');
  return openpgp.readKey({ armoredKey: armored }).then((k) => k.getFingerprint().toUpperCase());
};

describe('packet walk (RFC 9580 §4.2, RFC 4880 §4.2.1 legacy headers)', () => {
  it('reads the legacy-format version-3 signature GnuPG 1.4 wrote, with its issuer and time', async () => {
    const binary = await signatureBlock('realworld/v3sig-mime-signed-mutt-gnupg1.eml');
    const walk = walkPackets(binary);
    expect(walk.complete).toBe(true);
    expect(walk.packets.map((p) => p.tag)).toEqual([2]);
    expect(binary[0]! & 0x40).toBe(0); // legacy header
    const issuer = signatureIssuer(packetBody(binary, walk.packets[0]!)!)!;
    expect(issuer.version).toBe(3);
    expect(issuer.keyId).toBe((await bobFingerprint()).slice(-16));
    expect(issuer.created).toBeInstanceOf(Date);
  });

  it('reads a v4 signature from gpg 2 (new-format header, issuer subpackets)', async () => {
    const binary = await signatureBlock('openpgp/signed-mime-plain-rsa3072-gpg.eml');
    const [issuer] = signatureIssuersIn(binary);
    expect(issuer?.version).toBe(4);
    expect(issuer?.fingerprint).toBe(await bobFingerprint());
    expect(issuer?.keyId).toBe((await bobFingerprint()).slice(-16));
  });

  it('follows partial body lengths and stops on a truncated or non-OpenPGP input', () => {
    // Tag 11 (literal), partial chunks of 2 and 1 octets, then a final 3-octet length.
    const partial = Uint8Array.from([0xcb, 0xe1, 0x61, 0x62, 0xe0, 0x63, 0x03, 0x64, 0x65, 0x66]);
    expect(walkPackets(partial)).toEqual({ packets: [{ tag: 11, start: 0, bodyStart: 2, end: 10, partial: true }], complete: true });
    expect(walkPackets(partial.subarray(0, 8)).complete).toBe(false);
    expect(walkPackets(Buffer.from('%PDF-1.7 not a packet')).complete).toBe(false);
    // A PNG starts with 0x89 — a legacy tag-2 header — whose length runs past the end.
    expect(walkPackets(Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex')).complete).toBe(false);
  });

  it('reads the issuer of v3 and v6 one-pass signature headers', () => {
    const v3 = Uint8Array.from([3, 0, 8, 1, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 1]);
    expect(onePassIssuer(v3)).toEqual({ keyId: '1122334455667788', fingerprint: null });
    const fingerprint = Buffer.alloc(32, 0xab);
    const v6 = Uint8Array.from([6, 0, 10, 27, 2, 0xee, 0xee, ...fingerprint, 1]);
    expect(onePassIssuer(v6)).toEqual({ keyId: 'AB'.repeat(8), fingerprint: 'AB'.repeat(32) });
  });

  it('stops after its packet cap and stays linear in the input (10 k … 1 M octets)', () => {
    const many = Buffer.alloc(2 * 10_000, 0);
    for (let i = 0; i < many.length; i += 2) many[i] = 0xc2; // 10 000 empty tag-2 packets
    const capped = walkPackets(many);
    expect(capped.packets).toHaveLength(256);
    expect(capped.complete).toBe(false);
    // Worst shape for one packet: a chain of one-octet partial chunks (two input octets each).
    const chain = (size: number) => {
      const bytes = Buffer.alloc(size);
      bytes[0] = 0xcb;
      for (let i = 1; i < size - 1; i += 2) bytes[i] = 0xe0;
      bytes[size - 1 - ((size - 2) % 2)] = 0x00; // final zero-length chunk
      return bytes;
    };
    // Linear: one walk over 1 M octets costs about what ten walks over 100 k cost (a
    // quadratic walk would cost ten times more). Best of five interleaved rounds each, in
    // CPU time of this process, so other processes loading the machine do not count.
    const cpuMs = () => {
      const { user, system } = process.cpuUsage();
      return (user + system) / 1000;
    };
    const small = chain(100_001);
    const large = chain(1_000_001);
    let smallBest = Infinity;
    let largeBest = Infinity;
    for (let round = 0; round < 5; round++) {
      let started = cpuMs();
      for (let i = 0; i < 10; i++) walkPackets(small);
      smallBest = Math.min(smallBest, cpuMs() - started);
      started = cpuMs();
      walkPackets(large);
      largeBest = Math.min(largeBest, cpuMs() - started);
    }
    for (const size of [10_000, 100_000, 1_000_000]) expect(walkPackets(chain(size + 1)).packets).toHaveLength(1);
    expect(largeBest / Math.max(smallBest, 0.05)).toBeLessThan(4);
  });
});

describe('OpenPGP recognised by content (sniff-openpgp)', () => {
  it('tells binary messages, keys and signatures from other binary attachments', async () => {
    const { sniffOpenpgp } = await import('../../src/openpgp/sniff-openpgp.js');
    const key = await openpgp.readKey({ armoredKey: readFileSync(path.join(FIXTURES, 'keys', 'constituents', 'alice.asc'), 'utf8') });
    expect(sniffOpenpgp(key.write())).toBe('key');
    const message = await openpgp.encrypt({ message: await openpgp.createMessage({ binary: Buffer.from('x') }), encryptionKeys: key, format: 'binary' });
    expect(sniffOpenpgp(message as Uint8Array)).toBe('message');
    expect(sniffOpenpgp(await signatureBlock('realworld/v3sig-mime-signed-mutt-gnupg1.eml'))).toBe('signature');
    const png = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex'), Buffer.alloc(64)]);
    for (const other of [png, Buffer.from('%PDF-1.7\n%âãÏÓ\n'), Buffer.from('504b0304140000000800', 'hex'), Buffer.from('ffd8ffe000104a464946', 'hex'), Buffer.alloc(0)]) {
      expect(sniffOpenpgp(other)).toBeNull();
    }
  });
});

describe('bounded work on many signature packets', () => {
  it('a key with more packets than the walk cap is still a key; unjudged signatures are capped', async () => {
    const { sniffOpenpgp } = await import('../../src/openpgp/sniff-openpgp.js');
    const { MAX_UNJUDGED, signatureIssuersIn } = await import('../../src/openpgp/unjudged-signatures.js');
    const key = await openpgp.readKey({ armoredKey: readFileSync(path.join(FIXTURES, 'keys', 'constituents', 'alice.asc'), 'utf8') });
    // 400 copies of a legacy-header v3 signature packet after the key's own packets.
    const v3 = Buffer.from([0x88, 0x0f, 3, 5, 0, 0, 0, 0, 1, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]);
    const many = Buffer.concat([key.write(), ...Array.from({ length: 400 }, () => v3)]);
    expect(sniffOpenpgp(many)).toBe('key');
    const signatures = Buffer.concat(Array.from({ length: 1000 }, () => v3));
    expect(signatureIssuersIn(signatures)).toHaveLength(MAX_UNJUDGED);
  });
});
