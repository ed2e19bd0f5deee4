import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanStore, storeOf } from '../helpers/archive-scan.js';
import { runCli, startCli, writeCliConfig } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';

const COUNT = 200;

function message(n: number): string {
  return [
    `Return-Path: <reporter${n % 7}@example.org>`,
    `From: reporter${n % 7}@example.org`,
    'To: cert@xyz.example',
    `Subject: scan report ${n}`,
    `Message-ID: <crash-${n}@example.org>`,
    '',
    `Host 198.51.100.${n % 250} scanned us (report ${n}).`,
    '',
  ].join('\r\n');
}

/** Runs ingest over all files and SIGKILLs it after `killAfter` result lines plus a little. */
function ingestAndKill(cwd: string, files: string[], killAfter: number, extraMs: number): Promise<number> {
  return new Promise((resolve) => {
    const child = startCli(['ingest', '--config', 'config.yaml', ...files], { cwd });
    let lines = 0;
    let killing = false;
    child.stdout!.on('data', (chunk: Buffer) => {
      lines += chunk.toString().split('\n').filter(Boolean).length;
      if (!killing && lines >= killAfter) {
        killing = true;
        setTimeout(() => child.kill('SIGKILL'), extraMs);
      }
    });
    child.on('close', () => resolve(lines));
  });
}

describe('crash safety of intake ingest', () => {
  it('SIGKILL at random points, then a re-run: every message archived exactly once, no ticket number twice', async () => {
    const dir = await tempDir();
    await writeCliConfig(dir);
    const files: string[] = [];
    for (let n = 0; n < COUNT; n++) {
      const file = `m${String(n).padStart(3, '0')}.eml`;
      await writeFile(path.join(dir, file), message(n));
      files.push(file);
    }

    // Several interrupted runs, each killed somewhere in the middle of a message.
    for (const [killAfter, extraMs] of [[5, 3], [60, 11], [120, 0]] as const) {
      await ingestAndKill(dir, files, killAfter, extraMs);
    }
    const final = await runCli(['ingest', '--config', 'config.yaml', ...files], { cwd: dir });
    expect(final.code, final.stderr).toBe(0);
    const statuses = final.stdout.trim().split('\n').map((l) => JSON.parse(l).status as string);
    expect(statuses).toHaveLength(COUNT);
    expect(statuses.every((s) => s === 'new' || s === 'duplicate')).toBe(true);

    // Whatever the killed runs left received but unprocessed is finished by the next `intake serve`.
    const serve = startCli(['serve', '--config', 'config.yaml'], { cwd: dir });
    await new Promise<void>((resolve) => {
      let out = '';
      serve.stdout!.on('data', (c) => {
        out += c;
        if (out.includes('intake serve started')) serve.kill('SIGTERM');
      });
      serve.on('close', () => resolve());
    });
    const scan = await scanStore(path.join(dir, 'data'));
    expect(scan.pendingReceipts).toBe(0);
    const records = scan.messages.map((m) => m.record);
    const shas = records.map((r) => r.sha256);
    expect(records).toHaveLength(COUNT);
    expect(new Set(shas).size).toBe(COUNT);

    // Each message is its own new ticket: 200 distinct ticket ids, each with one message.
    const ticketIds = records.map((r) => r.ticket);
    expect(new Set(ticketIds).size).toBe(COUNT);
    await storeOf(path.join(dir, 'data')).withStore(async (store) => {
      for (const id of new Set(ticketIds)) expect((await store.tickets.get(id))!.messages.map((m) => m.seq)).toEqual([1]);
    });
  }, 180_000);
});
