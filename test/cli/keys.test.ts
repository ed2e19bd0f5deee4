import { execFile } from 'node:child_process';
import { readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import * as openpgp from 'openpgp';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
// The fixture generators' wrappers over the installed gpg and gnupg1.
import { Gpg } from '../../scripts/fixtures/openpgp-lib/tools.mjs';
import { Gpg1 } from '../../scripts/fixtures/realworld-lib/tools.mjs';
import { TEST_TEAM } from '../helpers/test-config.js';
import { tempDir } from '../helpers/temp-dir.js';

const MAIN = path.resolve(import.meta.dirname, '../../dist/intake/main.js');

async function intake(dir: string, args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [MAIN, '--config', path.join(dir, 'c.yaml'), ...args], { cwd: dir, env: { PATH: process.env.PATH ?? '', ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('intake keys', () => {
  it('generates the team key once, imports, lists with usability, and accepts a pending key', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'c.yaml'), YAML.stringify({ team: TEST_TEAM, smtp: { enabled: false }, log: { file: null } }));

    const generated = await intake(dir, ['keys', 'generate']);
    expect(generated.code).toBe(0);
    expect(generated.stdout).toMatch(/^team key [0-9A-F]{40} written/);
    expect((await intake(dir, ['keys', 'generate'])).code).toBe(1);

    const { privateKey, publicKey } = await openpgp.generateKey({
      type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name: 'Alice \u001b[31m', email: 'alice@example.org' }], keyExpirationTime: 3600, date: new Date('2025-01-01T00:00:00Z'), format: 'object',
    });
    await writeFile(path.join(dir, 'alice.asc'), publicKey.armor());
    const imported = await intake(dir, ['keys', 'import', 'alice.asc']);
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain(`imported ${publicKey.getFingerprint().toUpperCase()}  not usable: expired`);
    expect(imported.stderr).toContain('SIGHUP');
    expect((await intake(dir, ['keys', 'import', 'missing.asc'])).code).toBe(66);

    const listed = await intake(dir, ['keys', 'list', '--json']);
    const rows = listed.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((r) => [r.role, r.problem])).toEqual([['team', null], ['constituent', 'expired']]);
    const human = await intake(dir, ['keys', 'list']);
    expect(human.stdout).toContain('uid Alice \\u001b[31m <alice@example.org>');
    expect(human.stdout).not.toContain('\u001b');

    const { publicKey: offered } = await openpgp.generateKey({ userIDs: [{ email: 'new@example.org' }], format: 'object' });
    // A key offered in mail (an Autocrypt header) lands in the store's pending keys, never in the keyring.
    const fpr = offered.getFingerprint().toUpperCase();
    const keydata = Buffer.from(offered.write()).toString('base64');
    const mail = `From: new@example.org\r\nTo: cert@xyz.example\r\nSubject: hello\r\nAutocrypt: addr=new@example.org; keydata=${keydata}\r\n\r\nhello\r\n`;
    await writeFile(path.join(dir, 'offer.eml'), mail);
    expect((await intake(dir, ['ingest', '--sender', 'new@example.org', 'offer.eml'])).code).toBe(0);
    const pending = await intake(dir, ['keys', 'pending']);
    expect(pending.stdout).toContain(fpr);
    expect(pending.stdout).toContain('via autocrypt in XYZ-2026-00001/1');
    expect((await intake(dir, ['keys', 'accept', 'nothex'])).code).toBe(64);
    const accepted = await intake(dir, ['keys', 'accept', fpr]);
    expect(accepted.code).toBe(0);
    expect(await readFile(path.join(dir, 'keys/constituents', `${fpr}.asc`), 'utf8')).toContain('PUBLIC KEY');
    expect((await intake(dir, ['keys', 'pending'])).stderr).toContain('no pending keys');
    void privateKey;
  });

  it('generates a passphrase-protected team key (env) and an RSA-3072 one on request', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'c.yaml'), YAML.stringify({ team: TEST_TEAM, smtp: { enabled: false }, log: { file: null } }));
    expect((await intake(dir, ['keys', 'generate'], { INTAKE_PGP_PASSPHRASE: 'correct horse' })).stdout).toContain('(passphrase-protected)');
    const locked = await openpgp.readPrivateKey({ armoredKey: await readFile(path.join(dir, 'keys/team.sec.asc'), 'utf8') });
    expect(locked.isDecrypted()).toBe(false);
    await openpgp.decryptKey({ privateKey: locked, passphrase: 'correct horse' });
    const listed = await intake(dir, ['keys', 'list', '--json']);
    expect(JSON.parse(listed.stdout.trim())).toMatchObject({ role: 'team', algorithm: 'eddsaLegacy/ed25519Legacy', problem: null, addresses: ['cert@xyz.example'] });

    const rsaDir = await tempDir();
    await writeFile(path.join(rsaDir, 'c.yaml'), YAML.stringify({ team: TEST_TEAM, smtp: { enabled: false }, log: { file: null } }));
    expect((await intake(rsaDir, ['keys', 'generate', '--algorithm', 'dsa1024'])).code).toBe(64);
    expect((await intake(rsaDir, ['keys', 'generate', '--algorithm', 'rsa3072'])).code).toBe(0);
    expect(JSON.parse((await intake(rsaDir, ['keys', 'list', '--json'])).stdout.trim())).toMatchObject({ algorithm: 'rsaEncryptSign-3072', problem: null });
  });
});

describe('intake keys: judgments in words an operator reads right', () => {
  it('a sign-only key verifies, a GnuPG 1.4 DSA/ElGamal key is weak, the team key shows from its secret file, curated keys are not pending', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'c.yaml'), YAML.stringify({ team: TEST_TEAM, smtp: { enabled: false }, log: { file: null } }));
    expect((await intake(dir, ['keys', 'generate'])).code).toBe(0);

    // Real tools: gpg 2 makes a sign-only key, GnuPG 1.4 its old default DSA + ElGamal.
    const gpg = new Gpg();
    const gpg1 = new Gpg1();
    try {
      const signOnly = gpg.generate('Sign Only <signonly@example.org>', 'ed25519', { usage: 'sign' });
      await writeFile(path.join(dir, 'signonly.asc'), gpg.exportPublic(signOnly));
      gpg1.run(['--gen-key'], { input: Buffer.from('Key-Type: DSA\nKey-Length: 2048\nSubkey-Type: ELG-E\nSubkey-Length: 2048\nName-Real: Old Timer\nName-Email: dsa@example.org\nExpire-Date: 0\n%commit\n'), trustAlways: false });
      await writeFile(path.join(dir, 'dsa.asc'), gpg1.run(['--armor', '--export', 'dsa@example.org']));
      const dsa = /^fpr:+([0-9A-F]{40}):/m.exec(gpg1.run(['--with-colons', '--fingerprint', 'dsa@example.org']).toString())![1]!;

      const imported = await intake(dir, ['keys', 'import', 'signonly.asc']);
      expect(imported.stdout).toContain(`imported ${signOnly}  usable for verifying; cannot receive encrypted acks (no encryption key)`);
      expect((await intake(dir, ['keys', 'import', 'dsa.asc'])).stdout).toContain(`imported ${dsa}  not usable: weak-key`);

      const rows = (await intake(dir, ['keys', 'list', '--json'])).stdout.trim().split('\n').map((l) => JSON.parse(l));
      const row = (fpr: string) => rows.find((r) => r.fingerprint === fpr);
      expect(row(signOnly)).toMatchObject({ role: 'constituent', canSign: true, canEncrypt: false, problem: 'no-encryption-key', use: 'usable for verifying; cannot receive encrypted acks (no encryption key)' });
      expect(row(dsa)).toMatchObject({ algorithm: 'dsa-2048', canSign: false, problem: 'weak-key', use: 'not usable: weak-key' });

      // Only the secret team key file is there: keys list still shows the team key.
      const team = rows.find((r) => r.role === 'team');
      await unlink(path.join(dir, 'keys/team.pub.asc'));
      const alone = (await intake(dir, ['keys', 'list', '--json'])).stdout.trim().split('\n').map((l) => JSON.parse(l));
      expect(alone.find((r) => r.role === 'team')).toMatchObject({ fingerprint: team.fingerprint, file: path.join(dir, 'keys', 'team.sec.asc'), use: 'usable' });
      expect((await intake(dir, ['keys', 'list'])).stdout).toMatch(new RegExp(`^team\\s+${team.fingerprint}\\s+\\S+\\s+usable$`, 'm'));

      // Seen in mail, then imported by an operator: no longer awaiting a decision.
      const key = await openpgp.readKey({ armoredKey: gpg.exportPublic(signOnly).toString() });
      const { publicKey: other } = await openpgp.generateKey({ userIDs: [{ email: 'other@example.org' }], format: 'object' });
      const otherFpr = other.getFingerprint().toUpperCase();
      // Each key offered in a mail's Autocrypt header, as the pipeline stores it.
      for (const [n, offered, from] of [[1, key, 'signonly@example.org'], [2, other, 'other@example.org']] as const) {
        const keydata = Buffer.from(offered.write()).toString('base64');
        await writeFile(path.join(dir, `offer${n}.eml`), `From: ${from}\r\nTo: cert@xyz.example\r\nSubject: key ${n}\r\nAutocrypt: addr=${from}; keydata=${keydata}\r\n\r\nhello\r\n`);
        expect((await intake(dir, ['ingest', '--sender', from, `offer${n}.eml`])).code).toBe(0);
      }
      const pending = await intake(dir, ['keys', 'pending']);
      expect(pending.stdout).toContain(otherFpr);
      expect(pending.stdout).not.toContain(signOnly);
      expect(pending.stderr).toContain('1 key(s) seen in mail are in the curated keyring already');
      const json = (await intake(dir, ['keys', 'pending', '--json'])).stdout.trim().split('\n').map((l) => JSON.parse(l));
      expect(json.map((e) => e.fingerprint)).toEqual([otherFpr]);
    } finally {
      gpg.cleanup();
      gpg1.cleanup();
    }
  });
});
