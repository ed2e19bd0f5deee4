import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, writeCliConfig } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';

const report = (n: number, extra = '') =>
  `From: alice@example.org\r\nTo: cert@xyz.example\r\nSubject: report ${n}\r\nMessage-ID: <ingest-${n}@example.org>\r\n${extra}\r\nbody ${n}\r\n`;

describe('intake ingest', () => {
  it('reads stdin, takes the envelope from --sender/--recipient, prints one JSON line', async () => {
    const dir = await tempDir();
    await writeCliConfig(dir);
    const result = await runCli(['ingest', '--config', 'config.yaml', '--sender', 'bounce@example.org', '--recipient', 'cert@xyz.example'], {
      cwd: dir,
      input: report(1),
    });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ ticket: 'XYZ-2026-00001', seq: 1, status: 'new' });
    const show = await runCli(['tickets', 'show', 'XYZ-2026-00001', '--json', '--config', 'config.yaml'], { cwd: dir });
    const { messages } = JSON.parse(show.stdout);
    expect(messages[0].transport).toMatchObject({ kind: 'file', mailFrom: 'bounce@example.org', rcptTo: ['cert@xyz.example'] });
  });

  it('exits 66 for a missing file and processes nothing', async () => {
    const dir = await tempDir();
    await writeCliConfig(dir);
    await writeFile(path.join(dir, 'a.eml'), report(1));
    const result = await runCli(['ingest', '--config', 'config.yaml', 'a.eml', 'missing.eml'], { cwd: dir });
    expect(result.code).toBe(66);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('missing.eml');
  });

  it('exits 64 on a usage error', async () => {
    const dir = await tempDir();
    const result = await runCli(['ingest', '--no-such-flag'], { cwd: dir });
    expect(result.code).toBe(64);
  });

  it('exits 78 and lists the problems when the configuration is invalid', async () => {
    const dir = await tempDir();
    await writeCliConfig(dir, { smtp: { enabled: false, prot: 25 } });
    const result = await runCli(['ingest', '--config', 'config.yaml'], { cwd: dir, input: report(1) });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('smtp');
  });

  it('exits 75 (EX_TEMPFAIL) when the store cannot be written, so the MTA retries', async () => {
    const dir = await tempDir();
    // The archive directory lies below a regular file: every write fails with ENOTDIR,
    // even for root (permission bits would not stop root).
    await writeFile(path.join(dir, 'not-a-dir'), 'x');
    await writeCliConfig(dir, { archive: { dir: 'not-a-dir/data' }, log: { file: null } });
    const result = await runCli(['ingest', '--config', 'config.yaml'], { cwd: dir, input: report(1) });
    expect(result.code).toBe(75);
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 'retry', ticket: null });
  });

  it('takes the envelope sender from the topmost Return-Path without --sender', async () => {
    const dir = await tempDir();
    await writeCliConfig(dir);
    const raw = `Return-Path: <>\r\nReturn-Path: <older@example.org>\r\n${report(2)}`;
    const result = await runCli(['ingest', '--config', 'config.yaml', '-'], { cwd: dir, input: raw });
    expect(result.code, result.stderr).toBe(0);
    const show = await runCli(['tickets', 'show', 'XYZ-2026-00001', '--json', '--config', 'config.yaml'], { cwd: dir });
    expect(JSON.parse(show.stdout).messages[0].transport.mailFrom).toBe('');
  });

  it('gives unique, gap-free ticket numbers to concurrent ingest processes', async () => {
    const dir = await tempDir();
    await writeCliConfig(dir, { log: { file: null } });
    await mkdir(path.join(dir, 'in'));
    const batches: string[][] = [[], [], [], []];
    for (let n = 0; n < 60; n++) {
      const file = `in/m${n}.eml`;
      await writeFile(path.join(dir, file), report(n));
      batches[n % 4]!.push(file);
    }
    const results = await Promise.all(batches.map((files) => runCli(['ingest', '--config', 'config.yaml', ...files], { cwd: dir })));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const tickets = results.flatMap((r) => r.stdout.trim().split('\n').map((l) => JSON.parse(l).ticket as string));
    expect(new Set(tickets).size).toBe(60);
    const expected = Array.from({ length: 60 }, (_, i) => `XYZ-2026-${String(i + 1).padStart(5, '0')}`);
    expect([...tickets].sort()).toEqual(expected);
    const listed = await runCli(['tickets', 'list', '--json', '--config', 'config.yaml'], { cwd: dir });
    expect(listed.stdout.trim().split('\n').map((l) => JSON.parse(l).id as string).sort()).toEqual(expected);
  });
});
