import { appendFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, startCli, writeCliConfig } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';

const mail = (subject: string, id: string) =>
  `From: alice@example.org\r\nTo: cert@xyz.example\r\nSubject: ${subject}\r\nMessage-ID: <${id}@example.org>\r\n\r\nsome report text\r\n`;

async function archiveWithTwoTickets(): Promise<string> {
  const dir = await tempDir();
  await writeCliConfig(dir);
  await writeFile(path.join(dir, 'a.eml'), mail('routine scan', 'a'));
  await writeFile(path.join(dir, 'b.eml'), mail('URGENT: ransomware \x1b[2J\u202Egnp.exe', 'b'));
  const r = await runCli(['ingest', '--config', 'config.yaml', 'a.eml', 'b.eml'], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  return dir;
}

describe('intake tickets', () => {
  it('lists tickets newest first, filters --urgent, prints JSON with --json', async () => {
    const dir = await archiveWithTwoTickets();
    const all = await runCli(['tickets', 'list', '--config', 'config.yaml'], { cwd: dir });
    expect(all.stdout.trim().split('\n').map((l) => l.split(' ')[0])).toEqual(['XYZ-2026-00002', 'XYZ-2026-00001']);
    const urgent = await runCli(['tickets', 'list', '--urgent', '--json', '--config', 'config.yaml'], { cwd: dir });
    const tickets = urgent.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(tickets.map((t) => [t.id, t.urgent])).toEqual([['XYZ-2026-00002', true]]);
  });

  it('escapes terminal control characters from message text in human output', async () => {
    const dir = await archiveWithTwoTickets();
    const list = await runCli(['tickets', 'list', '--config', 'config.yaml'], { cwd: dir });
    const show = await runCli(['tickets', 'show', 'xyz-2026-00002', '--config', 'config.yaml'], { cwd: dir });
    for (const out of [list.stdout, show.stdout]) {
      expect(out).not.toContain('\x1b');
      expect(out).not.toContain('\u202E');
      expect(out).toContain('\\u001b[2J');
    }
    expect(show.stdout).toContain('URGENT');
  });

  it('show --json carries the ticket and every message record; unknown ids are errors', async () => {
    const dir = await archiveWithTwoTickets();
    const show = await runCli(['tickets', 'show', 'XYZ-2026-00001', '--json', '--config', 'config.yaml'], { cwd: dir });
    const { ticket, messages } = JSON.parse(show.stdout);
    expect(ticket.id).toBe('XYZ-2026-00001');
    expect(messages.map((m: { seq: number }) => m.seq)).toEqual([1]);
    expect((await runCli(['tickets', 'show', 'XYZ-2026-00042', '--config', 'config.yaml'], { cwd: dir })).code).toBe(66);
    expect((await runCli(['tickets', 'show', '../../etc', '--config', 'config.yaml'], { cwd: dir })).code).toBe(64);
  });
});

describe('intake tail', () => {
  it('shows the newest lines human-readable, then follows new ones; --urgent shows only urgent reports', async () => {
    const dir = await archiveWithTwoTickets();
    const logFile = path.join(dir, 'data', 'logs', 'intake.log');
    const follow = async (args: string[], marker: string): Promise<string> => {
      const child = startCli(['tail', '--config', 'config.yaml', ...args], { cwd: dir });
      let out = '';
      const done = new Promise<void>((resolve) => child.on('close', () => resolve()));
      child.stdout!.on('data', (c) => {
        out += c;
        if (out.includes(marker)) child.kill('SIGTERM');
      });
      // Give tail time to print the existing lines, then append one more.
      await new Promise((r) => setTimeout(r, 700));
      await appendFile(logFile, `${JSON.stringify({ level: 40, time: new Date().toISOString(), msg: 'report processed', ticket: 'XYZ-2026-00099', urgent: true })}\n`);
      await done;
      return out;
    };
    const everything = await follow([], 'XYZ-2026-00099');
    expect(everything).toContain('XYZ-2026-00001');
    expect(everything).toContain('XYZ-2026-00002');
    expect(everything).toContain('XYZ-2026-00099');
    expect(everything).toContain('URGENT');
    expect(everything.trim().startsWith('{')).toBe(false); // pretty, not raw JSON

    const urgentOnly = await follow(['--urgent'], 'XYZ-2026-00099');
    expect(urgentOnly).toContain('XYZ-2026-00002');
    expect(urgentOnly).not.toContain('XYZ-2026-00001');
  });
});
