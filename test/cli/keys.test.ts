import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import * as openpgp from 'openpgp';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { PendingKeys } from '../../src/keys/pending-keys.js';
import { TEST_TEAM } from '../helpers/test-config.js';
import { tempDir } from '../helpers/temp-dir.js';

const MAIN = path.resolve(import.meta.dirname, '../../dist/src/main.js');

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
    const fpr = await new PendingKeys(path.join(dir, 'keys/pending')).add(offered, { source: 'autocrypt', ticket: 'XYZ-2026-00001', seq: 1, from: 'new@example.org', seenAt: new Date().toISOString() });
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
