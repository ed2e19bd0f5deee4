import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { dayIn } from '../../src/pipeline/stages/ack-wanted.js';
import { fileTransport } from '../../src/model/transport.js';
import { storeOf } from '../helpers/archive-scan.js';
import { createTestApp, runPipelineOn } from '../helpers/pipeline.js';
import { tempDir } from '../helpers/temp-dir.js';
import { TEST_TEAM } from '../helpers/test-config.js';
import { ensureTeamKeyFor } from '../helpers/team-key.js';

/**
 * The ack rate limit (RFC 3834 §6) as the pipeline uses it: a quota in the store, keyed
 * by a hash of the envelope sender and the day in the team's time zone, shared by every
 * process on the store (the store contract tests cover the quota itself on both engines).
 */
const MAIN = path.resolve(import.meta.dirname, '../../dist/intake/main.js');

function report(n: number): Buffer {
  return Buffer.from(`From: bulk@example.org\r\nTo: cert@xyz.example\r\nSubject: report ${n}\r\nMessage-ID: <burst-${n}@example.org>\r\n\r\nReport number ${n}.\r\n`);
}

describe('the ack rate limit', () => {
  it('counts days in the team time zone', () => {
    expect(dayIn('Europe/Berlin', new Date('2026-11-23T23:30:00Z'))).toBe('2026-11-24');
    expect(dayIn('UTC', new Date('2026-11-23T23:30:00Z'))).toBe('2026-11-23');
  });

  it('a burst from one sender gets maxPerSenderPerDay acks; others and the next day are not affected', async () => {
    const t = await createTestApp({ ack: { maxPerSenderPerDay: 3 } });
    const reasons: Array<string | null> = [];
    for (let n = 0; n < 12; n++) {
      const run = await runPipelineOn(t, report(n), { transport: fileTransport('bulk@example.org', ['cert@xyz.example']) });
      reasons.push(run.record!.ack.suppressedReason);
    }
    expect(reasons.filter((r) => r === null)).toHaveLength(3);
    expect(reasons.filter((r) => r === 'rate-limited')).toHaveLength(9);
    const other = await runPipelineOn(t, report(100), { transport: fileTransport('other@example.org', ['cert@xyz.example']) });
    expect(other.record!.ack.suppressedReason).toBeNull();
    t.clock.advance(24 * 3600 * 1000);
    const tomorrow = await runPipelineOn(t, report(101), { transport: fileTransport('BULK@example.org', ['cert@xyz.example']) });
    expect(tomorrow.record!.ack.suppressedReason).toBeNull();
    expect((await t.app.store.outbox.list({ failed: false })).filter((e) => e.kind === 'ack')).toHaveLength(5);
  });

  it('is shared by concurrent `intake ingest` processes', async () => {
    const dir = await tempDir();
    const config = path.join(dir, 'config.yaml');
    const document = { team: TEST_TEAM, smtp: { enabled: false }, log: { level: 'warn', file: null }, ack: { maxPerSenderPerDay: 4 }, outbound: { mode: 'smtp', host: '127.0.0.1', port: 9 } };
    await writeFile(config, YAML.stringify(document));
    await ensureTeamKeyFor(config, document, dir);
    const files: string[][] = [[], []];
    for (let n = 0; n < 12; n++) {
      const file = path.join(dir, `r${n}.eml`);
      await writeFile(file, report(n));
      files[n % 2]!.push(file);
    }
    // Both start on an empty store.
    const results = await Promise.all(files.map((batch) => ingest(dir, config, batch)));
    expect(results.map((r) => r.code)).toEqual([0, 0]);
    const lines = results.flatMap((r) => r.stdout.trim().split('\n')).map((l) => JSON.parse(l) as { status: string });
    expect(lines.filter((l) => l.status === 'new')).toHaveLength(12);
    expect((await storeOf(path.join(dir, 'data')).outboxKeys()).filter((k) => k.endsWith('.ack'))).toHaveLength(4);
  });
});

function ingest(cwd: string, config: string, files: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, 'ingest', '--config', config, '--sender', 'bulk@example.org', ...files], { cwd });
    let stdout = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout }));
  });
}
