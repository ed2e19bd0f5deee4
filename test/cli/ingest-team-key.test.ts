import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as openpgp from 'openpgp';
import { describe, expect, it } from 'vitest';
import { runCli, writeCliConfig } from '../helpers/cli.js';
import { gpgTeamKey } from '../helpers/gpg-team-keys.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * A one-shot `intake ingest` holds no key in its main thread: its sandbox worker reads,
 * unlocks and judges the team key and reports it (app.ts, sandbox-worker.ts). A key the
 * worker finds unusable must still be refused before anything is stored — exit 75, so
 * the MTA keeps the message — with the same reason `intake serve` gives.
 */
const report = 'From: alice@example.org\r\nTo: cert@xyz.example\r\nSubject: report\r\nMessage-ID: <team-key-1@example.org>\r\n\r\nSource IP: 192.0.2.1\r\n';

async function withTeamKey(armored: string, pgp: Record<string, unknown> = {}): Promise<string> {
  const dir = await tempDir();
  await writeCliConfig(dir, { processing: { workers: 1 }, log: { level: 'info', file: null }, ...(Object.keys(pgp).length > 0 ? { pgp } : {}) }, { teamKey: false });
  await mkdir(path.join(dir, 'keys'));
  await writeFile(path.join(dir, 'keys/team.sec.asc'), armored, { mode: 0o600 });
  return dir;
}

async function storedTickets(dir: string): Promise<string> {
  return (await runCli(['tickets', 'list', '--config', 'config.yaml'], { cwd: dir })).stdout;
}

describe('intake ingest judges the team key in its sandbox worker', () => {
  it('an expired team key: exit 75, the reason logged, nothing stored', async () => {
    const dir = await withTeamKey(await gpgTeamKey('expired'));
    const result = await runCli(['ingest', '--config', 'config.yaml', '--sender', 'alice@example.org'], { cwd: dir, input: report });
    expect(result.code, result.stderr).toBe(75);
    expect(JSON.parse(result.stdout)).toEqual({ ticket: null, seq: null, status: 'retry', error: 'cannot-start' });
    expect(result.stderr).toMatch(/"err":"the team key .*team\.sec\.asc \([0-9A-F]{40}\) expired on 202[01]-\d{2}-\d{2}: extend it/);
    expect(await storedTickets(dir)).toBe('');
  }, 60_000);

  it('a wrong passphrase from the environment: exit 75, naming the variable', async () => {
    const dir = await withTeamKey(await gpgTeamKey('good', 'right'));
    const result = await runCli(['ingest', '--config', 'config.yaml', '--sender', 'alice@example.org'], { cwd: dir, input: report, env: { INTAKE_PGP_PASSPHRASE: 'wrong' } });
    expect(result.code, result.stderr).toBe(75);
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 'retry', error: 'cannot-start' });
    expect(result.stderr).toContain('env INTAKE_PGP_PASSPHRASE does not unlock the team key');
    expect(await storedTickets(dir)).toBe('');
  }, 60_000);

  it('a good key: the acknowledgement names the fingerprint the worker read', async () => {
    const armored = await gpgTeamKey('good');
    const dir = await withTeamKey(armored);
    const result = await runCli(['ingest', '--config', 'config.yaml', '--sender', 'alice@example.org'], { cwd: dir, input: report });
    expect(result.code, result.stderr).toBe(0);
    const fingerprint = (await openpgp.readPrivateKey({ armoredKey: armored })).getFingerprint().toUpperCase();
    const outbox = path.join(dir, 'data', 'outbox');
    const [file] = (await readdir(outbox)).filter((f) => f.endsWith('.ack.eml'));
    const ack = await readFile(path.join(outbox, file!), 'utf8');
    // As GnuPG prints it, in groups of four (compose-ack.ts).
    expect(ack).toContain(fingerprint.match(/.{4}/g)!.join(' '));
  }, 60_000);
});
