import { spawn } from 'node:child_process';
import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tempDir } from './temp-dir.js';

/**
 * GnuPG and Sequoia sqop as independent verifiers of what csirt-intake sends. Every gpg
 * call gets its own temporary --homedir (never the user's ~/.gnupg); agents started for
 * it are stopped again.
 */
export interface RunResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

export function run(command: string, args: string[], input?: Buffer | string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() }));
    // A tool that exits without reading its input (gpgconf, gpg on file arguments) must
    // not turn into an EPIPE on our side.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
  });
}

export async function gpgHome(): Promise<string> {
  const dir = await tempDir('intake-gpg-');
  await chmod(dir, 0o700);
  return dir;
}

async function gpg(home: string, args: string[], input?: Buffer | string): Promise<RunResult> {
  return run('gpg', ['--homedir', home, '--batch', '--no-tty', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], input);
}

async function stopAgent(home: string): Promise<void> {
  await run('gpgconf', ['--homedir', home, '--kill', 'gpg-agent']);
}

/** `gpg --verify` of a detached signature over `signed`, with only `publicKey` known. */
export async function gpgVerify(signed: Buffer, signature: string, publicKey: string): Promise<RunResult> {
  const home = await gpgHome();
  try {
    await gpg(home, ['--import'], publicKey);
    await writeFile(path.join(home, 'data'), signed);
    await writeFile(path.join(home, 'data.sig'), signature);
    return await gpg(home, ['--status-fd', '2', '--verify', path.join(home, 'data.sig'), path.join(home, 'data')]);
  } finally {
    await stopAgent(home);
  }
}

/** `sqop verify SIG CERT < DATA` (SOP): prints one line per good signature. */
export async function sqopVerify(signed: Buffer, signature: string, cert: string): Promise<RunResult> {
  const dir = await tempDir('intake-sqop-');
  await writeFile(path.join(dir, 'data.sig'), signature);
  await writeFile(path.join(dir, 'cert.asc'), cert);
  return run('sqop', ['verify', path.join(dir, 'data.sig'), path.join(dir, 'cert.asc')], signed);
}

/** `gpg --decrypt` with only `secretKey` in the keyring. */
export async function gpgDecrypt(armored: string, secretKey: string): Promise<RunResult> {
  const home = await gpgHome();
  try {
    await gpg(home, ['--import'], secretKey);
    return await gpg(home, ['--decrypt'], armored);
  } finally {
    await stopAgent(home);
  }
}

/** `gpg --encrypt --recipient-file` to `publicKey` (armored), e.g. a report to the team key. */
export async function gpgEncrypt(plaintext: Buffer | string, publicKey: string): Promise<string> {
  const home = await gpgHome();
  try {
    const file = path.join(home, 'recipient.asc');
    await writeFile(file, publicKey);
    const result = await gpg(home, ['--armor', '--encrypt', '--recipient-file', file], plaintext);
    if (result.code !== 0) throw new Error(`gpg --encrypt failed: ${result.stderr}`);
    return result.stdout.toString();
  } finally {
    await stopAgent(home);
  }
}

export interface TestKey {
  publicKey: string;
  secretKey: string;
}
