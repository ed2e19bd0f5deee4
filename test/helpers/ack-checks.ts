import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { gpgDecrypt, gpgVerify, sqopVerify, type TestKey } from './openpgp-tools.js';
import { encryptedPayload, signedText, splitSigned } from './pgp-mime.js';
import { FIXTURES, type TestApp } from './pipeline.js';

/** RFC 4880 §9.4 hash algorithm ids, as gpg's VALIDSIG status line gives them. */
const HASH_NAMES: Record<string, string> = { '2': 'sha1', '8': 'sha256', '9': 'sha384', '10': 'sha512', '11': 'sha224' };

export interface TeamIdentity {
  fingerprint: string;
  publicKey: string;
}

export function teamOf(t: TestApp): TeamIdentity {
  return { fingerprint: t.app.keys!.team.fingerprint, publicKey: t.app.keys!.team.publicKey.armor() };
}

/**
 * Asserts that `raw` is PGP/MIME multipart/signed by the team key, as judged by the real
 * `gpg --verify` and `sqop verify`, and that `micalg` names the hash the signature used.
 * Returns the decoded signed text.
 */
export async function expectSignedByTeam(raw: Buffer, team: TeamIdentity): Promise<string> {
  const { signed, signature, contentType } = splitSigned(raw);
  expect(contentType).toMatch(/protocol="application\/pgp-signature"/);
  const byGpg = await gpgVerify(signed, signature, team.publicKey);
  expect(byGpg.code, byGpg.stderr).toBe(0);
  expect(byGpg.stderr).toMatch(/\[GNUPG:\] GOODSIG/);
  const validsig = /\[GNUPG:\] VALIDSIG ([0-9A-F]{40}) (?:\S+ ){6}(\d+) /.exec(byGpg.stderr);
  expect(validsig?.[1]).toBe(team.fingerprint);
  expect(contentType).toContain(`micalg=pgp-${HASH_NAMES[validsig?.[2] ?? '']};`);
  const bySqop = await sqopVerify(signed, signature, team.publicKey);
  expect(bySqop.code, bySqop.stderr).toBe(0);
  expect(bySqop.stdout.toString()).toContain(team.fingerprint);
  return signedText(signed);
}

/** Decrypts a multipart/encrypted ack with gpg and the recipient's key; returns the inner entity. */
export async function decryptWith(raw: Buffer, key: TestKey): Promise<Buffer> {
  const result = await gpgDecrypt(encryptedPayload(raw), key.secretKey);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout;
}

/** The committed fixture keys (scripts/fixtures/openpgp-lib/keys.mjs, created 2025-01-01). */
export function fixturePgp(team: 'team' | 'team-rsa' = 'team') {
  return {
    privateKeyFile: path.join(FIXTURES, 'keys', `${team}.sec.asc`),
    keyringDir: path.join(FIXTURES, 'keys', 'constituents'),
  };
}

/** A fixture constituent (`alice`, `carol-expired`, …) with its secret key, for gpg. */
export function fixtureKey(name: string, ring: 'constituents' | 'unknown' = 'constituents'): TestKey {
  const publicKey = readFileSync(path.join(FIXTURES, 'keys', ring, `${name}.asc`), 'utf8');
  const secretKey = readFileSync(path.join(FIXTURES, 'keys', 'secret', `${name}.sec.asc`), 'utf8');
  return { publicKey, secretKey };
}

/** A clock a little behind the real one: gpg and sqop refuse signatures from the future. */
export function recentClock(): string {
  return new Date(Date.now() - 120_000).toISOString();
}
