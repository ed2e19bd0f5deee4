import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { describe, expect, it } from 'vitest';
import { scanArchive, waitFor } from '../helpers/archive-scan.js';
import { CLI, writeCliConfig } from '../helpers/cli.js';
import { startServe, writeServeConfig } from '../helpers/serve-process.js';
import { tempDir } from '../helpers/temp-dir.js';

const message = (token: string) =>
  `From: alice@example.org\r\nTo: cert@xyz.example\r\nSubject: report ${token}\r\nMessage-ID: <${token}@example.org>\r\n\r\nbody ${token}\r\n`;

async function send(port: number, token: string): Promise<string> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, ignoreTLS: true });
  try {
    return (await transport.sendMail({ envelope: { from: 'alice@example.org', to: ['cert@xyz.example'] }, raw: message(token) })).response;
  } finally {
    transport.close();
  }
}

/** Sockets in LISTEN state on `port` (any address, v4 or v6) that belong to process `pid`. */
function listeningSocketsOf(pid: number, port: number): number {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      const match = /^socket:\[(\d+)\]$/.exec(target);
      if (match) inodes.add(match[1]!);
    } catch {
      // closed meanwhile
    }
  }
  let count = 0;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const row of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const cols = row.trim().split(/\s+/);
      if (cols.length < 10) continue;
      const localPort = Number.parseInt(cols[1]!.split(':').pop()!, 16);
      if (localPort === port && cols[3] === '0A' && inodes.has(cols[9]!)) count++;
    }
  }
  return count;
}

describe('intake serve: signals (issue 13 item 3, DESIGN §8)', () => {
  it('SIGHUP after logrotate\'s rename: the log file is reopened and keys re-read; new lines go to the new file, 0640', async () => {
    const dir = await tempDir();
    const serve = startServe(dir, await writeServeConfig(dir, { log: { level: 'info', file: 'data/logs/intake.log' } }));
    const port = await serve.smtpPort();
    expect(await send(port, 'before-rotate')).toMatch(/^250 /);
    await serve.waitForLine((l) => l.msg === 'report processed', 'the first report');
    const logFile = path.join(dir, 'data/logs/intake.log');
    await rename(logFile, `${logFile}.1`);
    serve.child.kill('SIGHUP');
    await serve.waitForLine((l) => l.msg === 'keyring reloaded', 'the reload after SIGHUP');
    expect(await send(port, 'after-rotate')).toMatch(/^250 /);
    await waitFor(async () => (await readFile(logFile, 'utf8').catch(() => '')).includes('"report processed"'), 'the second report in the new file');
    const rotated = await readFile(`${logFile}.1`, 'utf8');
    const fresh = await readFile(logFile, 'utf8');
    expect(rotated.match(/"report processed"/g)).toHaveLength(1);
    expect(fresh.match(/"report processed"/g)).toHaveLength(1);
    expect(fresh).toContain('"keyring reloaded"');
    expect((await stat(logFile)).mode & 0o777).toBe(0o640);
    expect(serve.child.exitCode).toBeNull();
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
  });

  it('SIGUSR1 opens no inspector (nothing listens on 9229) and neither it nor SIGUSR2 stops the daemon', async () => {
    const dir = await tempDir();
    const serve = startServe(dir, await writeServeConfig(dir));
    const port = await serve.smtpPort();
    const pid = serve.child.pid!;
    serve.child.kill('SIGUSR1');
    await serve.waitForLine((l) => l.signal === 'SIGUSR1', 'SIGUSR1 to be logged');
    // Node's inspector would have bound by now (it does so at once, synchronously with the signal).
    await new Promise((r) => setTimeout(r, 500));
    expect(listeningSocketsOf(pid, 9229)).toBe(0);
    expect(listeningSocketsOf(pid, port)).toBe(1); // the probe does see this process's own listener
    serve.child.kill('SIGUSR2');
    await serve.waitForLine((l) => l.signal === 'SIGUSR2', 'SIGUSR2 to be logged');
    expect(serve.child.exitCode).toBeNull();
    expect(await send(port, 'after-usr')).toMatch(/^250 /);
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    expect(serve.lines.filter((l) => Number(l.level) >= 50)).toEqual([]);
  });
});

describe('the log file: 0640 whatever the umask, and never a reason to stop (DESIGN §8)', () => {
  it.each(['000', '077'])('umask %s: intake ingest creates the log file 0640', async (umask) => {
    const dir = await tempDir();
    await writeCliConfig(dir);
    await writeFile(path.join(dir, 'r.eml'), message('umask'));
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn('sh', ['-c', `umask ${umask} && exec "$0" "$1" ingest --config config.yaml r.eml`, process.execPath, CLI], { cwd: dir, stdio: 'ignore' });
      child.on('close', resolve);
    });
    expect(code).toBe(0);
    expect((await stat(path.join(dir, 'data/logs/intake.log'))).mode & 0o777).toBe(0o640);
  });

  const root = process.getuid?.() === 0;
  it.runIf(root)('a full disk under the log file (a 64 KiB tmpfs): mail is still taken and stored, stderr says so once, logging resumes when space is back', async () => {
    const dir = await tempDir();
    const logs = path.join(dir, 'logs');
    await (await import('node:fs/promises')).mkdir(logs);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0755', 'tmpfs', logs], { stdio: 'pipe' });
    } catch (error) {
      console.warn(`skipped: cannot mount a tmpfs here (${(error as Error).message.split('\n')[0]})`);
      return;
    }
    try {
      // Fill the file system to the last block: every log write from now on fails with ENOSPC.
      const filler = path.join(logs, 'filler');
      try {
        execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=4k'], { stdio: 'pipe' });
      } catch {
        // dd ends with "No space left on device": that is the point
      }
      const serve = startServe(dir, await writeServeConfig(dir, { log: { level: 'info', file: 'logs/intake.log' } }));
      const port = await serve.smtpPort();
      for (let n = 1; n <= 8; n++) expect(await send(port, `full-${n}`)).toMatch(/^250 /);
      await waitFor(async () => (await scanArchive(path.join(dir, 'data'))).length === 8, 'eight archived reports');
      expect(serve.child.exitCode).toBeNull();
      const stderr = () => serve.stderr();
      expect(stderr().match(/cannot (open|write) the log file/g)).toHaveLength(1);
      expect(stderr()).toContain('ENOSPC');
      // Space is back: the next line is written, with a note of what was lost.
      await rm(filler);
      expect(await send(port, 'space-back')).toMatch(/^250 /);
      await waitFor(async () => (await readFile(path.join(logs, 'intake.log'), 'utf8').catch(() => '')).includes('lines were dropped'), 'logging to resume');
      expect(stderr()).toMatch(/is writable again; \d+ line\(s\) were dropped \(ENOSPC\)/);
      const text = await readFile(path.join(logs, 'intake.log'), 'utf8');
      for (const line of text.split('\n').filter(Boolean)) expect(() => JSON.parse(line)).not.toThrow();
      serve.child.kill('SIGTERM');
      expect(await serve.exited).toBe(0);
    } finally {
      execFileSync('umount', ['-l', logs]);
    }
  });
});
