import { spawn } from 'node:child_process';
import { appendFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, runCli, startCli, writeCliConfig } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';

const mail = (subject: string, id: string) =>
  `From: alice@example.org\r\nTo: cert@xyz.example\r\nSubject: ${subject}\r\nMessage-ID: <${id}@example.org>\r\n\r\nsome report text\r\n`;

/** Two reports ingested (the second urgent) in a team on Asia/Tokyo time (UTC+9 all year: no DST to guess). */
async function archive(): Promise<{ dir: string; logFile: string }> {
  const dir = await tempDir();
  await writeCliConfig(dir, { team: { name: 'XYZ-CERT', ticketPrefix: 'XYZ', addresses: ['cert@xyz.example'], ackFrom: 'cert@xyz.example', timezone: 'Asia/Tokyo' } });
  await writeFile(path.join(dir, 'a.eml'), mail('routine scan', 'a'));
  await writeFile(path.join(dir, 'b.eml'), mail('URGENT: ransomware', 'b'));
  const r = await runCli(['ingest', '--config', 'config.yaml', '--sender', 'alice@example.org', 'a.eml', 'b.eml'], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  return { dir, logFile: path.join(dir, 'data', 'logs', 'intake.log') };
}

/**
 * `intake tail ARGS` until its output contains `marker`, or `settleMs` after it started
 * following (it says so on stderr), then SIGTERM (Ctrl-C in a pty, under script(1)).
 * `during` runs once, as soon as tail follows. Waits on output, never on the clock alone:
 * a loaded machine may take seconds to start the CLI.
 */
async function tail(dir: string, args: string[], options: { marker?: string; settleMs?: number; pty?: boolean; during?: () => Promise<void> } = {}) {
  const command = [process.execPath, CLI, 'tail', '--config', 'config.yaml', ...args];
  const child = options.pty
    ? spawn('script', ['-qefc', command.map((a) => `'${a}'`).join(' '), '/dev/null'], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '', TERM: 'xterm' } })
    : startCli(['tail', '--config', 'config.yaml', ...args], { cwd: dir });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (err += c));
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const deadline = Date.now() + 30_000;
  let followingSince: number | null = null;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    if (followingSince === null && /intake tail: (?!waiting)/.test(out + err)) {
      followingSince = Date.now();
      await options.during?.();
    }
    if (options.marker ? out.includes(options.marker) : followingSince !== null && Date.now() - followingSince > (options.settleMs ?? 1_000)) break;
  }
  if (options.pty) child.stdin!.write('\u0003'); // Ctrl-C, as at a terminal
  else child.kill('SIGTERM');
  await closed;
  return { out: out.replace(/\r\n/g, '\n'), err };
}

describe('intake tail for people (issue 13 item 8)', () => {
  it('in a terminal: one line per report, team-zone time, urgent highlighted, errors in red, no listener leak in 4 s', async () => {
    const { dir, logFile } = await archive();
    const error = { level: 50, time: '2026-11-23T10:00:00.000Z', pid: 1, msg: 'ack delivery refused by the relay; given up', ticket: 'XYZ-2026-00001', err: '550 no' };
    const { out, err } = await tail(dir, [], {
      pty: true,
      settleMs: 4_500, // 18 polls: the old tail had 11 abort listeners on its signal after 11
      during: () => appendFile(logFile, `${JSON.stringify(error)}\n`),
    });
    const reports = out.split('\n').filter((l) => l.includes('XYZ-2026-0000') && l.includes('enc='));
    expect(reports).toHaveLength(2);
    const [first, second] = reports;
    expect(first).toMatch(/XYZ-2026-00001 #1 {2}new {2}file {2}from alice@example\.org {2}enc=none {2}sig=none {2}ack=/);
    expect(second).toContain('\u001b[1;41;97m URGENT \u001b[0m XYZ-2026-00002 #1');
    expect(first).not.toContain('URGENT');
    // The time shown is the log line's UTC time plus nine hours (Asia/Tokyo).
    const logged = (await import('node:fs/promises')).readFile(logFile, 'utf8');
    const line = (await logged).split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((l) => l.msg === 'report processed' && l.ticket === 'XYZ-2026-00001');
    const tokyo = new Date(Date.parse(line.time) + 9 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
    expect(first).toContain(tokyo);
    expect(out).toContain('\u001b[31m\u001b[1mERROR ack delivery refused by the relay; given up  ticket=XYZ-2026-00001 err=550 no');
    expect(out).toContain('2026-11-23 19:00:00');
    expect(`${out}${err}`).not.toContain('MaxListenersExceededWarning');
    expect(`${out}${err}`).not.toContain('Warning');
  }, 60_000);

  it('--level, --ticket, --since and --json filter the same lines', async () => {
    const { dir, logFile } = await archive();
    const old = { level: 40, time: '2020-01-01T00:00:00.000Z', pid: 1, msg: 'an old warning', ticket: 'XYZ-2026-00002' };
    await appendFile(logFile, `${JSON.stringify(old)}\n`);
    const warn = await tail(dir, ['--level', 'warn', '-n', '100'], { marker: 'an old warning' });
    expect(warn.out).toContain('URGENT');
    expect(warn.out).toContain('an old warning');
    expect(warn.out).not.toContain('XYZ-2026-00001');
    const ticket = await tail(dir, ['--ticket', 'xyz-2026-00001', '-n', '100'], {});
    expect(ticket.out).toContain('XYZ-2026-00001');
    expect(ticket.out).not.toContain('XYZ-2026-00002');
    const since = await tail(dir, ['--since', '1h', '--level', 'warn'], {});
    expect(since.out).toContain('XYZ-2026-00002');
    expect(since.out).not.toContain('an old warning');
    const json = await tail(dir, ['--json', '--since', '2019-12-31', '--ticket', 'XYZ-2026-00002', '--level', 'warn'], {});
    const lines = json.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.msg)).toEqual(['report processed', 'an old warning']);
    expect((await runCli(['tail', '--level', 'loud', '--config', 'config.yaml'], { cwd: dir })).code).toBe(64);
    expect((await runCli(['tail', '--since', 'yesterday', '--config', 'config.yaml'], { cwd: dir })).code).toBe(64);
  }, 60_000);

  it('escapes a hostile value on the terminal, and says when the log file does not exist yet', async () => {
    const dir = await tempDir();
    await writeCliConfig(dir);
    const logFile = path.join(dir, 'data', 'logs', 'intake.log');
    const waiting = await tail(dir, [], { marker: 'XYZ-2026-00009', during: async () => {
      await (await import('node:fs/promises')).mkdir(path.dirname(logFile), { recursive: true });
      await appendFile(logFile, `${JSON.stringify({ level: 30, time: new Date().toISOString(), msg: 'report processed', ticket: 'XYZ-2026-00009', seq: 1, from: 'evil\u001b[2J\r\n@example.org', urgent: false })}\n`);
    } });
    expect(waiting.err).toContain(`waiting for ${logFile} to appear`);
    expect(waiting.out).toContain('from evil\\u001b[2J\\r\\n@example.org');
    expect(waiting.out).not.toContain('\u001b[2J');
  }, 30_000);
});
