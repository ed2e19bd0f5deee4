import { chmod, lstat, mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMANDS, commandNameIn } from '../../src/cli/commands.js';
import { privateCacheDir } from '../../src/cli/compile-cache.js';
import type { CliIo } from '../../src/cli/cli-io.js';
import { ProcessSignals } from '../../src/cli/process-signals.js';
import { runCli, writeCliConfig } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';

const RECORD_IMPORTS = path.resolve(import.meta.dirname, '../helpers/record-imports.mjs');
const manifest = JSON.parse(await readFile(path.resolve(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string };

/** Runs the built CLI and returns the npm packages it imported. */
async function importsOf(args: string[], cwd: string, input = ''): Promise<{ code: number | null; packages: string[]; stderr: string }> {
  const file = path.join(cwd, `imports-${Math.random()}.txt`);
  const result = await runCli(args, { cwd, input, env: { NODE_OPTIONS: `--import=${RECORD_IMPORTS}`, INTAKE_TEST_IMPORTS: file } });
  return { code: result.code, packages: (await readFile(file, 'utf8')).split('\n').filter(Boolean), stderr: result.stderr };
}

describe('intake start-up: only what the command needs', () => {
  it('--version prints the package version and the Node.js it runs on', async () => {
    const result = await runCli(['--version'], { cwd: await tempDir() });
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(new RegExp(`^csirt-intake ${manifest.version.replace(/\./g, '\\.')} \\(Node\\.js v\\d+\\.\\d+\\.\\d+\\)$`));
    expect(Number(/Node\.js v(\d+)/.exec(result.stdout)![1])).toBeGreaterThanOrEqual(24);
  });

  it('--help lists every command with its description', async () => {
    const result = await runCli(['--help'], { cwd: await tempDir() });
    expect(result.code).toBe(0);
    const flat = result.stdout.replace(/\s+/g, ' ');
    for (const entry of COMMANDS) expect(flat).toContain(`${entry.name} ${entry.description}`);
  });

  it('the registry describes each command as its own module does', async () => {
    const io = {} as CliIo;
    for (const entry of COMMANDS) {
      const program = new Command('intake');
      (await entry.load())(program, io, () => undefined, new ProcessSignals());
      const command = program.commands.find((c) => c.name() === entry.name);
      expect(command?.description(), entry.name).toBe(entry.description);
    }
  });

  it('finds the command name past --config and for help NAME', () => {
    expect(commandNameIn(['--config', 'ingest', 'serve'])).toBe('serve');
    expect(commandNameIn(['--config=x.yaml', 'ingest', '-'])).toBe('ingest');
    expect(commandNameIn(['help', 'keys'])).toBe('keys');
    expect(commandNameIn(['--version'])).toBeUndefined();
  });

  it('--version imports no library at all, not even the command-line parser; other spellings print the same line', async () => {
    const dir = await tempDir();
    const { code, packages } = await importsOf(['--version'], dir);
    expect(code).toBe(0);
    expect(packages).toEqual([]);
    const fast = await runCli(['--version'], { cwd: dir });
    for (const args of [['-V'], ['--config', 'x.yaml', '--version']]) {
      const other = await runCli(args, { cwd: dir });
      expect(other.code, args.join(' ')).toBe(0);
      expect(other.stdout, args.join(' ')).toBe(fast.stdout);
    }
  });

  it('ingest loads neither the listeners nor the operator views', async () => {
    const dir = await tempDir();
    await writeCliConfig(dir, { smtp: { enabled: true, host: '127.0.0.1', port: 0 }, imap: { enabled: false } });
    const raw = 'From: alice@example.org\r\nTo: cert@xyz.example\r\nSubject: scan\r\nMessage-ID: <startup-1@example.org>\r\n\r\nbody\r\n';
    const { code, packages, stderr } = await importsOf(['ingest', '--config', 'config.yaml'], dir, raw);
    expect(code, stderr).toBe(0);
    expect(packages).toContain('openpgp');
    for (const unneeded of ['smtp-server', 'imapflow', 'pino-pretty', 'pg']) expect(packages).not.toContain(unneeded);
  });
});

describe('what intake ingest validates, once per configuration and build', () => {
  it('later runs load no schema library (the validated configuration, forms and rules are cached by text and build); an edit is validated again', async () => {
    const dir = await tempDir();
    await writeCliConfig(dir, {});
    const raw = (n: number) => `From: alice@example.org\r\nTo: cert@xyz.example\r\nSubject: scan\r\nMessage-ID: <startup-cache-${n}@example.org>\r\n\r\nbody\r\n`;
    expect((await importsOf(['ingest', '--config', 'config.yaml'], dir, raw(1))).code).toBe(0);
    const second = await importsOf(['ingest', '--config', 'config.yaml'], dir, raw(2));
    expect(second.code, second.stderr).toBe(0);
    expect(second.packages).not.toContain('zod');
    // Broken by an edit: read anew, refused with the problem, as before it was ever cached.
    const file = path.join(dir, 'config.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace('ticketPrefix: XYZ', 'ticketPrefix: xyz'));
    const third = await runCli(['ingest', '--config', 'config.yaml'], { cwd: dir, input: raw(3) });
    expect(third.code).toBe(78);
    expect(third.stderr).toContain('ticketPrefix');
  });
});

describe('compile cache directory', () => {
  it('is created private to this user and filled by a run', async () => {
    const tmp = await tempDir();
    const result = await runCli(['--version'], { cwd: tmp, env: { TMPDIR: tmp, NODE_COMPILE_CACHE: '' } });
    expect(result.code).toBe(0);
    const dir = path.join(tmp, `csirt-intake-compile-cache-${process.getuid!()}`);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await readdir(dir, { recursive: true })).length).toBeGreaterThan(0);
  });

  it('is not used when someone else could write it, or when it is a symlink', async () => {
    const tmp = await tempDir();
    const dir = path.join(tmp, `csirt-intake-compile-cache-${process.getuid!()}`);
    await mkdir(dir);
    await chmod(dir, 0o777);
    expect(privateCacheDir(tmp)).toBeNull();
    const result = await runCli(['--version'], { cwd: tmp, env: { TMPDIR: tmp, NODE_COMPILE_CACHE: '' } });
    expect(result.code).toBe(0);
    expect(await readdir(dir)).toEqual([]);

    const other = await tempDir();
    await mkdir(path.join(other, 'elsewhere'), { mode: 0o700 });
    await symlink(path.join(other, 'elsewhere'), path.join(other, `csirt-intake-compile-cache-${process.getuid!()}`));
    expect(privateCacheDir(other)).toBeNull();
    expect((await lstat(path.join(other, `csirt-intake-compile-cache-${process.getuid!()}`))).isSymbolicLink()).toBe(true);
  });
});
