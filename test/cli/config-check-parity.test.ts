import { spawn } from 'node:child_process';
import { chmod, copyFile, cp, readdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, writeCliConfig } from '../helpers/cli.js';
import { gpgTeamKey } from '../helpers/gpg-team-keys.js';
import { freePort, startPgCluster } from '../helpers/pg-cluster.js';
import { tempDir } from '../helpers/temp-dir.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface Runtime {
  node: string;
  cli: string;
}

/** `intake ARGS`, killed if it is still running after `timeoutMs` (a serve that should have refused). */
function intake(dir: string, args: string[], options: { env?: NodeJS.ProcessEnv; uid?: number; timeoutMs?: number; runtime?: Runtime } = {}): Promise<Run> {
  const { node, cli } = options.runtime ?? { node: process.execPath, cli: CLI };
  return new Promise((resolve, reject) => {
    const child = spawn(node, [cli, ...args, '--config', path.join(dir, 'config.yaml')], {
      cwd: dir,
      env: { ...process.env, ...options.env },
      ...(options.uid !== undefined ? { uid: options.uid, gid: options.uid } : {}),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `config check` and `serve` on the same configuration: what each says, side by side. */
/**
 * The runtime and the package's shipped files (package.json "files": the bundle, config/)
 * copied where another user can reach them, as a production install is: the checkout may
 * sit below a directory only its owner may enter (a clone into `mktemp -d`).
 */
async function installedForOtherUsers(): Promise<Runtime> {
  const root = await tempDir();
  await chmod(root, 0o755);
  const packageRoot = path.resolve(path.dirname(CLI), '../..');
  for (const part of ['package.json', 'config', path.relative(packageRoot, path.dirname(CLI))]) {
    await cp(path.join(packageRoot, part), path.join(root, part), { recursive: true });
  }
  const node = path.join(root, 'node');
  await copyFile(process.execPath, node);
  await chmod(node, 0o755);
  return { node, cli: path.join(root, path.relative(packageRoot, CLI)) };
}

async function checkAndServe(dir: string, options: { env?: NodeJS.ProcessEnv; uid?: number; runtime?: Runtime } = {}) {
  const check = await intake(dir, ['config', 'check'], options);
  const serve = await intake(dir, ['serve'], { ...options, timeoutMs: 30_000 });
  const lines = serve.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  const refusal = lines.find((l) => String(l.msg).startsWith('intake serve cannot start'));
  return {
    check,
    serve,
    checkProblems: check.stderr.split('\n').filter((l) => l.startsWith('  ')).map((l) => l.trim()),
    checkWarnings: check.stderr.split('\n').filter((l) => l.startsWith('warning: ')).map((l) => l.slice('warning: '.length)),
    serveProblems: (refusal?.problems as string[] | undefined) ?? [],
    serveWarnings: lines.filter((l) => l.level === 40 && l.check === 'start-up').map((l) => String(l.msg)),
  };
}

describe('intake config check says what intake serve refuses (issue 13 item 2)', () => {
  it('a mistyped pgp.privateKeyFile: both refuse, say how to make a key, and no key file is created', async () => {
    const dir = await tempDir();
    await writeCliConfig(dir);
    const before = (await readdir(path.join(dir, 'keys'))).sort();
    await writeCliConfig(dir, { pgp: { privateKeyFile: 'keys/teamm.sec.asc' } }, { teamKey: false });
    const r = await checkAndServe(dir);
    expect(r.check.code).toBe(78);
    expect(r.serve.code).toBe(78);
    expect(r.checkProblems).toEqual([
      `pgp.privateKeyFile: ${path.join(dir, 'keys/teamm.sec.asc')} does not exist: create the team key with \`intake keys generate\` (or restore it from a backup); intake never creates one by itself`,
    ]);
    expect(r.serveProblems).toEqual(r.checkProblems);
    expect((await readdir(path.join(dir, 'keys'))).sort()).toEqual(before);
  });

  it('a wrong passphrase from the environment: both name the variable and the file it overrides', async () => {
    const dir = await tempDir();
    await writeCliConfig(dir, { pgp: { passphraseFile: 'passphrase' } }, { teamKey: false });
    await writeFile(path.join(dir, 'passphrase'), 'right\n', { mode: 0o600 });
    const { mkdir } = await import('node:fs/promises');
    await mkdir(path.join(dir, 'keys'));
    await writeFile(path.join(dir, 'keys/team.sec.asc'), await gpgTeamKey('good', 'right'), { mode: 0o600 });
    const ok = await intake(dir, ['config', 'check'], { env: { INTAKE_PGP_PASSPHRASE: '' } });
    expect(ok.code, ok.stderr).toBe(0);
    const r = await checkAndServe(dir, { env: { INTAKE_PGP_PASSPHRASE: 'wrong' } });
    expect(r.check.code).toBe(78);
    expect(r.serve.code).toBe(78);
    expect(r.checkProblems).toEqual([
      expect.stringMatching(new RegExp(`^pgp.privateKeyFile: env INTAKE_PGP_PASSPHRASE \\(which overrides pgp.passphraseFile ${path.join(dir, 'passphrase')}\\) does not unlock the team key`)),
    ]);
    expect(r.serveProblems).toEqual(r.checkProblems);
  }, 60_000);

  it('IMAP enabled without a password, and an archive that cannot be created: every problem, the same list', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'not-a-dir'), 'x');
    await writeCliConfig(dir, { imap: { enabled: true, host: '127.0.0.1', user: 'cert' }, archive: { dir: 'not-a-dir/data' } });
    const r = await checkAndServe(dir, { env: { INTAKE_IMAP_PASSWORD: '' } });
    expect(r.check.code).toBe(78);
    expect(r.checkProblems).toEqual([
      'imap.passwordFile: the password is missing: set imap.passwordFile or env INTAKE_IMAP_PASSWORD',
      `archive.dir: ${path.join(dir, 'not-a-dir')} is not a directory (so ${path.join(dir, 'not-a-dir/data')} cannot be created)`,
    ]);
    expect(r.serveProblems).toEqual(r.checkProblems);
    expect(r.serve.code).toBe(78);
  });

  it.each(['dsa', 'revoked', 'expired', 'cannot-sign'] as const)('a %s team key: both refuse, naming the reason (issue 12 item 2a)', async (kind) => {
    const dir = await tempDir();
    const { mkdir } = await import('node:fs/promises');
    await mkdir(path.join(dir, 'keys'));
    await writeFile(path.join(dir, 'keys/team.sec.asc'), await gpgTeamKey(kind), { mode: 0o600 });
    await writeCliConfig(dir, {}, { teamKey: false });
    const r = await checkAndServe(dir);
    expect(r.check.code).toBe(78);
    expect(r.serve.code).toBe(78);
    const reason = { dsa: 'is a DSA + ElGamal key', revoked: 'is revoked', expired: 'expired on', 'cannot-sign': 'has no key that may sign' }[kind];
    expect(r.checkProblems).toEqual([expect.stringContaining(`(${''}`.slice(0, 0) + reason)]);
    expect(r.checkProblems[0]).toMatch(/^pgp.privateKeyFile: the team key .* \([0-9A-F]{40}\) /);
    expect(r.serveProblems).toEqual(r.checkProblems);
  }, 60_000);

  it('a port in use is a warning in both; serve then fails to bind and says which key', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as net.AddressInfo;
    try {
      const dir = await tempDir();
      await writeCliConfig(dir, { smtp: { enabled: true, host: '127.0.0.1', port } });
      const r = await checkAndServe(dir);
      expect(r.check.code).toBe(0);
      expect(r.checkWarnings).toContain(`smtp.port: 127.0.0.1:${port} is in use (another intake serve, or another mail server?)`);
      expect(r.serveWarnings).toEqual(r.checkWarnings);
      expect(r.serve.code).toBe(1);
    } finally {
      blocker.close();
    }
  });

  it.runIf(process.getuid?.() === 0)('run as another user (nobody): an unreadable key and unwritable paths, the same list', async () => {
    const dir = await tempDir();
    await writeCliConfig(dir);
    const { mkdir } = await import('node:fs/promises');
    await mkdir(path.join(dir, 'data', 'logs'), { recursive: true });
    // A store made by a command run as root: the daemon's user could not write it.
    await writeFile(path.join(dir, 'data', 'intake.sqlite'), '');
    await chmod(dir, 0o755);
    const r = await checkAndServe(dir, { uid: 65534, runtime: await installedForOtherUsers() });
    expect(r.check.code).toBe(78);
    expect(r.checkProblems).toEqual([
      expect.stringMatching(new RegExp(`^pgp.privateKeyFile: cannot read the team key ${path.join(dir, 'keys/team.sec.asc')}: EACCES`)),
      `archive.dir: ${path.join(dir, 'data')} is not writable by uid 65534 (the user intake runs as)`,
      `log.file: ${path.join(dir, 'data/logs')} is not writable by uid 65534 (the user intake runs as)`,
      `archive.dir: ${path.join(dir, 'data/intake.sqlite')} is not writable by uid 65534 (the user intake runs as)`,
      // keys/ is 0700 (intake keys generate makes it so): nothing below it can be read.
      `pgp.keyringDir: ${path.join(dir, 'keys/constituents')} is not readable by uid 65534 (the user intake runs as)`,
    ]);
    expect(r.serveProblems).toEqual(r.checkProblems);
    // The refusal itself is said on the console even though the log file cannot be written.
    expect(r.serve.code).toBe(78);
    expect(r.serve.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('the store: a PostgreSQL database that does not exist refuses both; one not answering is a warning in both', async () => {
    const cluster = await startPgCluster();
    try {
      const dir = await tempDir();
      const base = cluster.url.replace(/\/postgres$/, '');
      await writeCliConfig(dir, { store: { engine: 'postgresql', url: `${base}/no_such_db` } });
      const missing = await checkAndServe(dir);
      expect(missing.check.code).toBe(78);
      expect(missing.checkProblems).toEqual([expect.stringMatching(/^store\.url: PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:\d+\/no_such_db refused the connection: database "no_such_db" does not exist$/)]);
      expect(missing.serve.code).toBe(78);
      expect(missing.serveProblems).toEqual(missing.checkProblems);

      // Nothing listens on this port: maybe starting; serve then fails to open the store (and systemd restarts it).
      await writeCliConfig(dir, { store: { engine: 'postgresql', url: `postgres://postgres@127.0.0.1:${await freePort()}/intake` } });
      const down = await checkAndServe(dir);
      expect(down.check.code).toBe(0);
      expect(down.checkWarnings.filter((w) => w.startsWith('store'))).toEqual([expect.stringMatching(/^store\.url: PostgreSQL at .* does not answer \(.*ECONNREFUSED.*\); intake serve cannot start until it does$/)]);
      expect(down.serveWarnings).toEqual(down.checkWarnings);
      expect(down.serve.code).not.toBe(0);

      // The cluster's own database answers: ok, and the check created nothing in it.
      await writeCliConfig(dir, { store: { engine: 'postgresql', url: cluster.url } });
      const up = await intake(dir, ['config', 'check']);
      expect(up.code, up.stderr).toBe(0);
      expect(up.stderr).not.toMatch(/store/);
    } finally {
      await cluster.stop();
    }
  }, 180_000);

  it('the store: one written by a newer release refuses both, with what to do', async () => {
    const dir = await tempDir();
    await writeCliConfig(dir);
    const { DatabaseSync } = await import('node:sqlite');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(path.join(dir, 'data'), { recursive: true });
    const db = new DatabaseSync(path.join(dir, 'data', 'intake.sqlite'));
    db.exec(`CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL); INSERT INTO schema_version VALUES (99, '2027-01-01T00:00:00Z')`);
    db.close();
    const r = await checkAndServe(dir);
    expect(r.check.code).toBe(78);
    expect(r.checkProblems).toEqual([expect.stringMatching(/^store: the store has schema version 99, newer than this csirt-intake understands \(\d+\): .*upgrade csirt-intake, or restore a backup/)]);
    expect(r.serve.code).toBe(78);
    expect(r.serveProblems).toEqual(r.checkProblems);
  }, 120_000);
});
