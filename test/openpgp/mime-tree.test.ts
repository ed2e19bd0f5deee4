import { describe, expect, it } from 'vitest';
import { buildMimeTree, decodeBody, partBytes, walk } from '../../src/openpgp/mime-tree.js';

const CRLF = '\r\n';

describe('raw MIME tree', () => {
  it('gives each part its exact bytes, the delimiter line break excluded (RFC 2046 §5.1.1)', async () => {
    const inner = ['Content-Type: multipart/mixed; boundary=IN', '', 'pre', '--IN', 'Content-Type: text/plain', '', 'hello', '', '--IN--', 'epilogue', ''].join(CRLF);
    const raw = Buffer.from(['From: a@b.example', 'Content-Type: multipart/signed; boundary="OUT"; protocol="application/pgp-signature"', '', '--OUT', inner, '--OUT', 'Content-Type: application/pgp-signature', '', 'SIG', '--OUT--', ''].join(CRLF));
    const root = await buildMimeTree(raw);
    const [signed, signature] = root.children;
    // The CRLF before "--OUT" belongs to the delimiter; inner's own last CRLF is content.
    expect(partBytes(signed!).toString()).toBe(inner);
    expect(decodeBody(signature!).toString()).toBe('SIG');
    expect(decodeBody(signed!.children[0]!).toString()).toBe(`hello${CRLF}`);
    expect([...walk(root)].map((p) => p.path)).toEqual(['', '1', '1.1', '2']);
  });

  it('finds the ends of 900 nested multiparts around a large body in one pass', async () => {
    const depth = 900;
    let entity = `Content-Type: text/plain${CRLF}${CRLF}${'x'.repeat(76)}${CRLF}`.repeat(1) + `${'filler line\r\n'.repeat(200_000)}`;
    for (let level = depth; level > 0; level--) entity = `Content-Type: multipart/mixed; boundary="b${level}"${CRLF}${CRLF}--b${level}${CRLF}${entity}${CRLF}--b${level}--${CRLF}`;
    const raw = Buffer.from(`From: a@b.example${CRLF}${entity}`);
    // limits.mimeDepth (default 32) refuses it; with the cap raised it is read in one pass.
    await expect(buildMimeTree(raw)).rejects.toMatchObject({ code: 'EMAXLEN', message: expect.stringMatching(/limits\.mimeDepth/) });
    const root = await buildMimeTree(raw, '', 0, { maxParts: 1000, maxDepth: 1000 });
    let part = root;
    for (let level = 1; level < depth; level++) {
      part = part.children[0]!;
      expect(partBytes(part).toString('latin1').endsWith(`--b${level + 1}--${CRLF}`)).toBe(true);
    }
    expect(decodeBody(part.children[0]!).length).toBeGreaterThan(2_000_000);
  });
});

describe('armor blocks', () => {
  it('finds at most a bounded number of blocks, each from BEGIN to its own END', async () => {
    const { findArmorBlocks, soleArmorBlock } = await import('../../src/openpgp/armor.js');
    const block = '-----BEGIN PGP MESSAGE-----\n\nAAAA\n-----END PGP MESSAGE-----\n';
    const many = block.repeat(100_000);
    const found = findArmorBlocks(many);
    expect(found).toHaveLength(20);
    expect(found[1]!.text).toBe(block.trimEnd());
    expect(soleArmorBlock(`\n\n${block}\n  \n`)?.kind).toBe('MESSAGE');
    expect(soleArmorBlock(`text ${block}`)).toBeNull();
    expect(soleArmorBlock(block + block)).toBeNull();
    const clear = '-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nhi\n-----BEGIN PGP SIGNATURE-----\n\nAA\n-----END PGP SIGNATURE-----';
    expect(findArmorBlocks(clear).map((b) => b.kind)).toEqual(['SIGNED MESSAGE']);
  });
});
