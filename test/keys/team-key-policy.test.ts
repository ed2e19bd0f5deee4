import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { judgeTeamKey } from '../../src/keys/judge-team-key.js';
import { loadTeamKey } from '../../src/keys/load-team-key.js';
import { readTeamKey } from '../../src/keys/team-key.js';
import { parseKeyLifetime } from '../../src/keys/key-lifetime.js';
import { hardenedOpenpgpConfig } from '../../src/openpgp/openpgp-config.js';
import { gpgTeamKey, type GpgTeamKeyKind } from '../helpers/gpg-team-keys.js';
import { tempDir } from '../helpers/temp-dir.js';
import { testConfig } from '../helpers/test-config.js';

async function judged(kind: GpgTeamKeyKind) {
  const dir = await tempDir();
  const file = path.join(dir, 'team.sec.asc');
  await writeFile(file, await gpgTeamKey(kind));
  const key = await readTeamKey(file, null);
  const config = testConfig(dir);
  return judgeTeamKey(key, new Date(), hardenedOpenpgpConfig(config, key.isRsa));
}

describe('the team key must be able to sign and decrypt under the hardened policy (issue 12 item 2a)', () => {
  it('accepts a GnuPG Ed25519/Cv25519 key, warning only that it has no passphrase', async () => {
    const { problems, warnings } = await judged('good');
    expect(problems).toEqual([]);
    expect(warnings).toEqual([expect.stringMatching(/^is not protected by a passphrase/)]);
  });

  it.each([
    ['dsa', /^is a DSA \+ ElGamal key, which the hardened OpenPGP policy refuses/],
    ['revoked', /^is revoked/],
    ['expired', /^expired on 202[01]-\d{2}-\d{2}: extend it \(gpg --quick-set-expire [0-9A-F]{40} 2y\)/],
    ['cannot-sign', /^has no key that may sign under the hardened policy/],
  ] as const)('refuses a %s key and names the reason', async (kind, reason) => {
    const { problems } = await judged(kind);
    expect(problems).toEqual([expect.stringMatching(reason)]);
  });

  it('warns about a key that expires within 30 days', async () => {
    const { problems, warnings } = await judged('expires-soon');
    expect(problems).toEqual([]);
    expect(warnings).toContainEqual(expect.stringMatching(/^expires on \d{4}-\d{2}-\d{2} \(in (9|10) day\(s\)\)/));
  });

  it('loadTeamKey refuses what judgeTeamKey refuses, naming file and fingerprint', async () => {
    const dir = await tempDir();
    const config = testConfig(dir, { pgp: { privateKeyFile: 'team.sec.asc' } });
    await writeFile(config.pgp.privateKeyFile, await gpgTeamKey('cannot-sign'));
    await expect(loadTeamKey(config, {}, new Date())).rejects.toThrow(
      new RegExp(`^the team key ${config.pgp.privateKeyFile} \\([0-9A-F]{40}\\) has no key that may sign`),
    );
  });

  it('a wrong passphrase names where the passphrase came from', async () => {
    const dir = await tempDir();
    const config = testConfig(dir, { pgp: { privateKeyFile: 'team.sec.asc', passphraseFile: 'pass' } });
    await writeFile(config.pgp.privateKeyFile, await gpgTeamKey('good', 'right'));
    await writeFile(path.join(dir, 'pass'), 'wrong\n');
    await expect(loadTeamKey(config, {}, new Date())).rejects.toThrow(`pgp.passphraseFile ${path.join(dir, 'pass')} does not unlock the team key`);
    await expect(loadTeamKey(config, { INTAKE_PGP_PASSPHRASE: 'also-wrong' }, new Date())).rejects.toThrow(
      `env INTAKE_PGP_PASSPHRASE (which overrides pgp.passphraseFile ${path.join(dir, 'pass')}) does not unlock`,
    );
    const { key, warnings } = await loadTeamKey(config, { INTAKE_PGP_PASSPHRASE: 'right' }, new Date());
    expect(key.passphraseProtected).toBe(true);
    expect(warnings).toEqual([]);
  });
});

describe('key lifetimes as GnuPG writes them', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  it.each([
    ['2y', 730 * 86400],
    ['18m', 540 * 86400],
    ['90d', 90 * 86400],
    ['4w', 28 * 86400],
    ['never', 0],
    ['0', 0],
    ['2027-01-01', 365 * 86400],
  ])('%s', (text, seconds) => expect(parseKeyLifetime(text, now)).toBe(seconds));
  it.each(['', '2x', '-1d', '2025-01-01', 'soon'])('refuses %j', (text) => expect(parseKeyLifetime(text, now)).toBeNull());
});
