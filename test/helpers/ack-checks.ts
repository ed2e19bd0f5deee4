import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import { generateTeamKey, type TeamKeyAlgorithm } from '../../src/keys/team-key.js';
import { gpgDecrypt, gpgVerify, sqopVerify, type TestKey } from './openpgp-tools.js';
import { encryptedPayload, signedText, splitSigned } from './pgp-mime.js';
import type { TestApp } from './pipeline.js';

/** RFC 4880 §9.4 hash algorithm ids, as gpg's VALIDSIG status line gives them. */
const HASH_NAMES: Record<string, string> = { '2': 'sha1', '8': 'sha256', '9': 'sha384', '10': 'sha512', '11': 'sha224' };

export interface TeamIdentity {
  fingerprint: string;
  publicKey: string;
}

export function teamOf(t: TestApp): TeamIdentity {
  return { fingerprint: t.app.context.keys.team.fingerprint, publicKey: t.app.context.keys.team.publicKey.armor() };
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

/** Team keys made once per test file, dated 2026-01-01 so any test clock is later. */
export async function makeTeamKey(algorithm: TeamKeyAlgorithm = 'curve25519'): Promise<string> {
  const { armoredPrivate } = await generateTeamKey({
    name: 'XYZ-CERT',
    email: 'cert@xyz.example',
    passphrase: null,
    algorithm,
    date: new Date('2026-01-01T00:00:00Z'),
  });
  return armoredPrivate;
}

/** A `prepare` hook for createTestApp: the team key and curated keyring files. */
export function seedKeys(teamKey: string, constituents: TestKey[] = []) {
  return async (dir: string): Promise<void> => {
    await mkdir(path.join(dir, 'keys', 'constituents'), { recursive: true });
    await writeFile(path.join(dir, 'keys', 'team.sec.asc'), teamKey, { mode: 0o600 });
    for (const key of constituents) {
      await writeFile(path.join(dir, 'keys', 'constituents', `${key.fingerprint}.asc`), key.publicKey);
    }
  };
}

/** A clock a little behind the real one: gpg and sqop refuse signatures from the future. */
export function recentClock(): string {
  return new Date(Date.now() - 120_000).toISOString();
}
