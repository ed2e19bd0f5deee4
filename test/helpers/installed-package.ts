import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export const REPO = path.resolve(import.meta.dirname, '../..');

export interface InstalledPackage {
  /** The --prefix of `npm install -g`: the operator's /opt/csirt-intake. */
  prefix: string;
  /** `<prefix>/bin/intake`, the bin an MTA calls. */
  bin: string;
  /** The installed package directory. */
  packageDir: string;
}

export function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeout?: number } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: options.cwd, env: options.env ?? process.env, timeout: options.timeout ?? 600_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/**
 * csirt-intake as the README installs it for production: `npm pack`, then `npm install
 * -g --prefix PREFIX ./csirt-intake-<version>.tgz`. The pack here skips the prepack build
 * (`npm test` has just built dist/, and rebuilding it would pull it from under the other
 * test files); test/install/launcher.test.ts checks prepack on a clean copy. Installs are
 * cached per tarball content under the temp dir, so the test files that need one share it.
 */
export async function installedPackage(): Promise<InstalledPackage> {
  if (!existsSync(path.join(REPO, 'dist/intake/main.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test does)');
  const work = await mkdtemp(path.join(os.tmpdir(), 'intake-pack-'));
  const packed = await run('npm', ['pack', '--ignore-scripts', '--pack-destination', work], { cwd: REPO });
  if (packed.code !== 0) throw new Error(`npm pack failed: ${packed.stderr}`);
  const tarball = path.join(work, (await readdir(work)).find((f) => f.endsWith('.tgz'))!);
  const digest = createHash('sha256').update(await readFile(tarball)).digest('hex').slice(0, 16);
  const prefix = path.join(os.tmpdir(), `intake-test-install-${digest}`);
  if (!existsSync(path.join(prefix, '.complete'))) {
    await removeOldInstalls();
    const staging = path.join(work, 'prefix');
    const installed = await run('npm', ['install', '-g', '--prefix', staging, '--no-audit', '--no-fund', tarball], { cwd: work });
    if (installed.code !== 0) throw new Error(`npm install -g failed: ${installed.stderr.slice(-2000)}`);
    await writeFile(path.join(staging, '.complete'), '');
    // Another test file may have installed the same tarball meanwhile: the first one stays.
    await rename(staging, prefix).catch(() => undefined);
  }
  await rm(work, { recursive: true, force: true });
  return { prefix, bin: path.join(prefix, 'bin', 'intake'), packageDir: path.join(prefix, 'lib', 'node_modules', 'csirt-intake') };
}

/** Installs of earlier builds (~200 MB each, mostly the pinned Node) are removed after a few hours. */
async function removeOldInstalls(): Promise<void> {
  const tmp = os.tmpdir();
  for (const name of await readdir(tmp)) {
    if (!name.startsWith('intake-test-install-')) continue;
    const dir = path.join(tmp, name);
    const info = await stat(dir).catch(() => null);
    if (info && Date.now() - info.mtimeMs > 6 * 3600_000) await rm(dir, { recursive: true, force: true });
  }
}
