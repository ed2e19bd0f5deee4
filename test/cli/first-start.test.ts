import { spawn } from 'node:child_process';
import { copyFile, mkdir, readFile, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as openpgp from 'openpgp';
import { describe, expect, it } from 'vitest';
import { runCli, writeCliConfig } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';

const REPO = path.resolve(import.meta.dirname, '../..');
const jsonLines = (text: string) => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

describe('the team key is never made behind the operator\'s back (issue 13 item 1)', () => {
  it('intake ingest without a team key: exit 75 (the MTA keeps the mail), how to make one, and no key file', async () => {
    const dir = await tempDir();
    await writeCliConfig(dir, {}, { teamKey: false });
    const r = await runCli(['ingest', '--config', 'config.yaml'], { cwd: dir, input: 'From: a@example.org\r\nSubject: x\r\n\r\nbody\r\n' });
    expect(r.code).toBe(75);
    expect(r.stderr).toContain('does not exist: create the team key with `intake keys generate`');
    await expect(stat(path.join(dir, 'keys', 'team.sec.asc'))).rejects.toThrow(/ENOENT/);
  });

  it('keys generate --if-missing makes a key once (warn line: fingerprint, what to publish, expiry in 2 years), then does nothing', async () => {
    const dir = await tempDir();
    await writeCliConfig(dir, {}, { teamKey: false });
    const first = await runCli(['keys', 'generate', '--if-missing', '--config', 'config.yaml'], { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    const [generated, unprotected] = jsonLines(first.stdout);
    expect(generated).toMatchObject({ level: 40, file: path.join(dir, 'keys/team.sec.asc'), publicKeyFile: path.join(dir, 'keys/team.pub.asc'), passphraseProtected: false });
    expect(String(generated!.msg)).toMatch(new RegExp(`^generated a new team key ${generated!.fingerprint}: publish ${path.join(dir, 'keys/team.pub.asc')} where constituents look for it`));
    expect(unprotected).toMatchObject({ level: 40, msg: expect.stringContaining('not protected by a passphrase') });
    const years = (Date.parse(String(generated!.expires)) - Date.now()) / (365 * 86400_000);
    expect(years).toBeGreaterThan(1.99);
    expect(years).toBeLessThan(2.01);
    // The published half carries the same expiry, as gpg sees it.
    const published = await openpgp.readKey({ armoredKey: await readFile(path.join(dir, 'keys/team.pub.asc'), 'utf8') });
    expect(published.getFingerprint().toUpperCase()).toBe(generated!.fingerprint);
    expect((await published.getExpirationTime())?.valueOf()).toBe(Date.parse(String(generated!.expires)));
    expect((await stat(path.join(dir, 'keys/team.sec.asc'))).mode & 0o777).toBe(0o600);
    // The log file has the line too (the operator reads it later).
    expect(await readFile(path.join(dir, 'data/logs/intake.log'), 'utf8')).toContain(String(generated!.fingerprint));

    const key = await readFile(path.join(dir, 'keys/team.sec.asc'), 'utf8');
    const again = await runCli(['keys', 'generate', '--if-missing', '--config', 'config.yaml'], { cwd: dir });
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('');
    expect(await readFile(path.join(dir, 'keys/team.sec.asc'), 'utf8')).toBe(key);
    const without = await runCli(['keys', 'generate', '--config', 'config.yaml'], { cwd: dir });
    expect(without.code).toBe(1);
    expect(without.stderr).toContain('is never overwritten');
  });

  it('--expires takes GnuPG\'s lifetimes (and never); a wrong one is a usage error', async () => {
    const dir = await tempDir();
    await writeCliConfig(dir, {}, { teamKey: false });
    expect((await runCli(['keys', 'generate', '--expires', 'soon', '--config', 'config.yaml'], { cwd: dir })).code).toBe(64);
    const r = await runCli(['keys', 'generate', '--expires', '90d', '--config', 'config.yaml'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const expires = /expires: (\d{4}-\d{2}-\d{2})/.exec(r.stdout)![1]!;
    expect(Math.round((Date.parse(expires) - Date.now()) / 86400_000)).toBeGreaterThanOrEqual(89);
    expect(r.stderr).toContain('is not protected by a passphrase');
    const never = await tempDir();
    await writeCliConfig(never, {}, { teamKey: false });
    expect((await runCli(['keys', 'generate', '--expires', 'never', '--config', 'config.yaml'], { cwd: never })).stdout).toContain('expires: never');
  });

  it('npm start on the shipped default config: the key is made on the first start, kept on the second, and serve starts with it', async () => {
    // The package's start script as written, minus its build step (the test command built
    // dist/ already), run in a fresh directory holding a copy of config/ and a link to dist/.
    // The SMTP port is 0 instead of 2525, so it cannot meet another test's listener.
    const manifest = JSON.parse(await readFile(path.join(REPO, 'package.json'), 'utf8')) as { scripts: { start: string } };
    const steps = manifest.scripts.start.split('&&').map((s) => s.trim());
    expect(steps[0]).toBe('npm run build');
    expect(steps.slice(1)).toEqual(['node dist/intake/main.js keys generate --if-missing', 'node dist/intake/main.js serve']);
    const dir = await tempDir();
    await mkdir(path.join(dir, 'config'));
    for (const name of await readdir(path.join(REPO, 'config'))) {
      if (name.endsWith('.yaml') || name.endsWith('.txt')) await copyFile(path.join(REPO, 'config', name), path.join(dir, 'config', name));
    }
    const shipped = await readFile(path.join(dir, 'config/default.yaml'), 'utf8');
    await writeFile(path.join(dir, 'config/default.yaml'), shipped.replace(/^(\s+port:) 2525$/m, '$1 0'));
    await symlink(path.join(REPO, 'dist'), path.join(dir, 'dist'));
    const start = async () => {
      const child = spawn('sh', ['-c', steps.slice(1).join(' && ')], {
        cwd: dir,
        env: { ...process.env, PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? ''}`, INTAKE_CONFIG: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true, // its own process group: stopped like Ctrl-C stops `npm start`
      });
      let out = '';
      let stopped = false;
      child.stdout.on('data', (c) => {
        out += c;
        if (!stopped && out.includes('"intake serve started"')) {
          stopped = true;
          process.kill(-child.pid!, 'SIGTERM');
        }
      });
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      return { code, lines: jsonLines(out) };
    };
    const first = await start();
    const generated = first.lines.find((l) => String(l.msg).startsWith('generated a new team key'));
    expect(generated?.level).toBe(40);
    const started = first.lines.find((l) => l.msg === 'intake serve started')!;
    expect(started).toMatchObject({ team: 'XYZ-CERT', config: path.join(dir, 'config/default.yaml'), teamKey: { fingerprint: generated!.fingerprint } });
    const second = await start();
    expect(second.lines.some((l) => String(l.msg).startsWith('generated a new team key'))).toBe(false);
    expect(second.lines.find((l) => l.msg === 'intake serve started')).toMatchObject({ teamKey: { fingerprint: generated!.fingerprint } });
  }, 120_000);
});
