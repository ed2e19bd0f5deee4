import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteEngine } from '../../src/store/sqlite-engine.js';
import { SqlStore } from '../../src/store/sql-store.js';
import { runCli, writeCliConfig } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * `intake backup FILE` (an online copy of the SQLite store, a store in its own right) and
 * `intake check` (consistency, every raw message re-hashed) with the real CLI; `intake
 * export` and `intake import` through the CLI into a second store.
 */
const report = (n: number) => `From: r${n}@example.org\r\nTo: cert@xyz.example\r\nSubject: scan ${n}\r\nMessage-ID: <bc-${n}@example.org>\r\n\r\nHost 192.0.2.${n} scans us.\r\n`;

describe('intake backup, check, export and import', () => {
  it('copies the store online, checks it, and moves it through export/import', async () => {
    const dir = await tempDir();
    const config = await writeCliConfig(dir);
    const cli = (args: string[], cfg = config) => runCli(['--config', cfg, ...args], { cwd: dir });
    for (const n of [1, 2, 3]) {
      await writeFile(path.join(dir, `m${n}.eml`), report(n));
      expect((await cli(['ingest', '--sender', `r${n}@example.org`, `m${n}.eml`])).code).toBe(0);
    }
    const backup = await cli(['backup', 'copy.sqlite']);
    expect(backup.code, backup.stderr).toBe(0);
    const file = path.join(dir, 'copy.sqlite');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const copy = await SqlStore.open(await SqliteEngine.open({ file }), file);
    expect((await copy.tickets.list()).map((t) => t.id)).toEqual(['XYZ-2026-00001', 'XYZ-2026-00002', 'XYZ-2026-00003']);
    await copy.close();
    expect((await cli(['backup', 'copy.sqlite'])).code).toBe(1); // never over an existing file

    const check = await cli(['check']);
    expect(check.code, check.stdout).toBe(0);
    expect(check.stdout).toContain('3 raw messages and 0 attachments re-hashed; 3 messages in 3 tickets');
    expect(check.stdout).toContain('store consistent');

    expect(JSON.parse((await cli(['export', 'out'])).stdout)).toMatchObject({ tickets: 3, messages: 3 });
    expect((await cli(['export', 'out'])).code).toBe(1);
    const other = await writeCliConfig(await tempDir(), { archive: { dir: path.join(dir, 'second') } });
    expect(JSON.parse((await runCli(['--config', other, 'import', path.join(dir, 'out')], { cwd: dir })).stdout)).toMatchObject({ tickets: 3, messages: 3, refused: [] });
    expect((await runCli(['--config', other, 'tickets', 'list', '--json'], { cwd: dir })).stdout.trim().split('\n')).toHaveLength(3);

    const pg = await writeCliConfig(await tempDir(), { store: { engine: 'postgresql', url: 'postgres://nobody@127.0.0.1:1/none' } });
    const refused = await runCli(['--config', pg, 'backup', 'x.sqlite'], { cwd: dir });
    expect(refused.code).toBe(64);
    expect(refused.stderr).toContain('pg_dump');
  });
});
