import { chmod, cp, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { installedPackage, REPO, run, type InstalledPackage } from '../helpers/installed-package.js';
import { tempDir } from '../helpers/temp-dir.js';

const NODE_VERSION = /^csirt-intake \S+ \(Node\.js (v\d+)\.\d+\.\d+\)$/;

/** Runs a command line in a shell with exactly this environment, as an MTA's pipe would. */
const sh = (line: string, env: NodeJS.ProcessEnv, input = '') =>
  run('sh', ['-c', input ? `printf '%s' "$INPUT" | { ${line}; }` : line], { env: { ...env, INPUT: input } });

let pkg: InstalledPackage;
beforeAll(async () => {
  pkg = await installedPackage();
}, 600_000);

describe('the intake launcher (bin/intake) runs the pinned Node.js whatever the PATH', () => {
  it('installed with npm install -g --prefix, called by path with PATH=/usr/bin:/bin', async () => {
    const result = await sh(`${pkg.bin} --version`, { PATH: '/usr/bin:/bin' });
    expect(result.code, result.stderr).toBe(0);
    expect(NODE_VERSION.exec(result.stdout.trim())?.[1]).toBe('v26');
  });

  it('with the system node first on PATH (and a wrong `node` before it), through a symlink elsewhere', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'node'), '#!/bin/sh\necho "the wrong node ran" >&2\nexit 1\n');
    await chmod(path.join(dir, 'node'), 0o755);
    await symlink(pkg.bin, path.join(dir, 'intake'));
    // On this project's machines /usr/bin/node is Node 20; the fake one before it fails outright.
    expect((await sh('node --version', { PATH: `${dir}:/usr/bin:/bin` })).stderr).toContain('the wrong node ran');
    const result = await sh('intake --version', { PATH: `${dir}:/usr/bin:/bin` });
    expect(result.code, result.stderr).toBe(0);
    expect(NODE_VERSION.exec(result.stdout.trim())?.[1]).toBe('v26');
    const system = await sh(`cd ${dir} && ./intake --version`, { PATH: '/usr/bin:/bin' });
    expect(NODE_VERSION.exec(system.stdout.trim())?.[1]).toBe('v26');
  });

  it('in a checkout: finds the repository node_modules', async () => {
    const result = await sh(`${path.join(REPO, 'bin/intake')} --version`, { PATH: '/usr/bin:/bin' });
    expect(result.code, result.stderr).toBe(0);
    expect(NODE_VERSION.exec(result.stdout.trim())?.[1]).toBe('v26');
  });

  it('ingests a message from an MTA-like environment (no HOME, PATH=/usr/bin:/bin, cwd /)', async () => {
    const dir = await tempDir();
    await writeFile(
      path.join(dir, 'intake.yaml'),
      `team: { name: XYZ-CERT, ticketPrefix: XYZ, addresses: [cert@xyz.example], ackFrom: cert@xyz.example }\npgp: { privateKeyFile: ${REPO}/fixtures/keys/team.sec.asc, keyringDir: ${REPO}/fixtures/keys/constituents }\narchive: { dir: ${dir}/data }\nsmtp: { enabled: false }\nlog: { file: null }\n`,
    );
    const raw = 'From: alice@example.org\nTo: cert@xyz.example\nSubject: via pipe\nMessage-ID: <launcher-1@example.org>\n\nbody\n';
    const result = await sh(`cd / && ${pkg.bin} ingest --config ${dir}/intake.yaml --sender alice@example.org`, { PATH: '/usr/bin:/bin' }, raw);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ ticket: expect.stringMatching(/^XYZ-\d{4}-00001$/), seq: 1, status: 'new' });
  });
});

describe('the launcher without its pinned runtime', () => {
  /** A copy of the installed package without node_modules/node. */
  async function withoutPinnedNode(): Promise<string> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'intake-nopin-'));
    await cp(pkg.packageDir, path.join(dir, 'csirt-intake'), { recursive: true, verbatimSymlinks: true });
    await rm(path.join(dir, 'csirt-intake/node_modules/node'), { recursive: true, force: true });
    return path.join(dir, 'csirt-intake/bin/intake');
  }

  it('uses a system node 24 or newer, refuses an older one with exit 75 (the MTA retries)', async () => {
    const bin = await withoutPinnedNode();
    const fake = await tempDir();
    const pinned = path.join(pkg.packageDir, 'node_modules/node/bin/node');
    await mkdir(path.join(fake, 'new'));
    await writeFile(path.join(fake, 'new', 'node'), `#!/bin/sh\nexec ${pinned} "$@"\n`);
    await chmod(path.join(fake, 'new', 'node'), 0o755);
    const recent = await sh(`${bin} --version`, { PATH: `${fake}/new:/usr/bin:/bin` });
    expect(recent.code, recent.stderr).toBe(0);

    await mkdir(path.join(fake, 'old'));
    await writeFile(path.join(fake, 'old', 'node'), '#!/bin/sh\necho 20\n');
    await chmod(path.join(fake, 'old', 'node'), 0o755);
    const old = await sh(`${bin} --version`, { PATH: `${fake}/old:/usr/bin:/bin` });
    expect(old.code).toBe(75);
    expect(old.stderr).toContain('Node.js 24 or newer not found');
    await rm(path.dirname(path.dirname(path.dirname(bin))), { recursive: true, force: true });
  });

  it('exits 75 when dist/ is missing (a checkout that was never built)', async () => {
    const dir = await tempDir();
    await mkdir(path.join(dir, 'bin'));
    await cp(path.join(REPO, 'bin/intake'), path.join(dir, 'bin/intake'));
    const result = await sh(`${dir}/bin/intake --version`, { PATH: '/usr/bin:/bin' });
    expect(result.code).toBe(75);
    expect(result.stderr).toContain('dist/intake/main.js is missing');
  });
});

describe('npm pack', () => {
  it('builds on prepack from a clean tree and ships what the bin needs, and nothing of the tests', async () => {
    const copy = await tempDir();
    const tracked = (await run('git', ['ls-files', '-z'], { cwd: REPO })).stdout.split('\0').filter(Boolean);
    for (const file of tracked) await cp(path.join(REPO, file), path.join(copy, file), { recursive: true }).catch(() => undefined);
    await symlink(path.join(REPO, 'node_modules'), path.join(copy, 'node_modules'));
    const packed = await run('npm', ['pack', '--json', '--pack-destination', copy], { cwd: copy });
    expect(packed.code, packed.stderr).toBe(0);
    const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as Array<{ files: Array<{ path: string }> }>;
    const files = info!.files.map((f) => f.path);
    for (const needed of ['bin/intake', 'dist/intake/main.js', 'dist/intake/worker-entry.js', 'dist/intake/store-worker-entry.js', 'config/default.yaml', 'config/ack-template.txt', 'package.json']) {
      expect(files, needed).toContain(needed);
    }
    expect(files.filter((f) => /^(test|fixtures|bench|src|dist\/bench|dist\/test)/.test(f))).toEqual([]);
    expect(await readdir(copy)).toContain('dist'); // built by prepack
  }, 600_000);
});
