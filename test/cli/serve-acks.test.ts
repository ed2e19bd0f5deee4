import { type ChildProcess, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as openpgp from 'openpgp';
import YAML from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { storeOf } from '../helpers/archive-scan.js';
import { expectSignedByTeam } from '../helpers/ack-checks.js';
import { startSink, type Sink } from '../helpers/smtp-sink.js';
import { tempDir } from '../helpers/temp-dir.js';
import { TEST_TEAM } from '../helpers/test-config.js';
import { ensureTeamKeyFor } from '../helpers/team-key.js';

/**
 * The crash test with real processes: `intake ingest` commits a report and its
 * ack lands in the outbox; `intake serve` delivers it to a loopback relay. SIGKILL of
 * serve between outbox write and delivery — while it waits to retry after a 4xx, or in
 * the middle of the SMTP transaction before the relay answered DATA — and a restart
 * still give exactly one ack at the relay.
 */
const MAIN = path.resolve(import.meta.dirname, '../../dist/intake/main.js');
const children: ChildProcess[] = [];
const sinks: Sink[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const sink of sinks.splice(0)) await sink.close();
});

async function workspace(sink: Sink) {
  const dir = await tempDir();
  const config = path.join(dir, 'config.yaml');
  const document = {
    team: TEST_TEAM,
    smtp: { enabled: false },
    log: { level: 'info', file: 'data/logs/intake.log' },
    outbound: { mode: 'smtp', host: '127.0.0.1', port: sink.port, retryInitialSeconds: 0.2, retryMaxSeconds: 0.4, pollSeconds: 0.2, leaseSeconds: 2 },
  };
  await writeFile(config, YAML.stringify(document));
  await ensureTeamKeyFor(config, document, dir);
  const report = path.join(dir, 'report.eml');
  await writeFile(report, 'From: reporter@example.org\r\nTo: cert@xyz.example\r\nSubject: Compromised host\r\nMessage-ID: <k1@example.org>\r\n\r\nHost 192.0.2.8 is compromised.\r\n');
  return { dir, config, report, store: storeOf(path.join(dir, 'data')) };
}

function start(cwd: string, args: string[]): ChildProcess {
  const child = spawn(process.execPath, [MAIN, ...args], { cwd, stdio: ['ignore', 'ignore', 'ignore'] });
  children.push(child);
  return child;
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

async function ingest(w: Awaited<ReturnType<typeof workspace>>): Promise<void> {
  const code = await exited(start(w.dir, ['ingest', '--config', w.config, '--sender', 'reporter@example.org', w.report]));
  expect(code).toBe(0);
  expect(await w.store.outboxKeys()).toEqual(['XYZ-2026-00001.001.ack']);
}

async function deliverAfterRestart(w: Awaited<ReturnType<typeof workspace>>, sink: Sink): Promise<void> {
  const serve = start(w.dir, ['serve', '--config', w.config]);
  await sink.waitFor(() => sink.messages.length >= 1);
  await waitUntil(async () => (await w.store.message('XYZ-2026-00001', 1))?.ack.status === 'sent');
  // Let a few more outbox passes run: nothing must be sent again.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  serve.kill('SIGTERM');
  expect(await exited(serve)).toBe(0);
  expect(sink.messages).toHaveLength(1);
  expect(sink.messages[0]!.mailFrom).toBe('');
  expect(sink.messages[0]!.rcptTo).toEqual([{ address: 'reporter@example.org', notify: ['NEVER'] }]);
  expect(await w.store.outboxKeys()).toEqual([]);
  const publicKey = await readFile(path.join(w.dir, 'keys', 'team.pub.asc'), 'utf8');
  const fingerprint = (await openpgp.readKey({ armoredKey: publicKey })).getFingerprint().toUpperCase();
  await expectSignedByTeam(sink.messages[0]!.raw, { publicKey, fingerprint });
  const [archived, ...more] = await w.store.sent();
  expect(more).toEqual([]);
  expect(archived!.name).toBe('XYZ-2026-00001/001.eml');
  expect(archived!.raw.equals(sink.messages[0]!.raw)).toBe(true);
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('intake serve delivers acks exactly once across SIGKILL', () => {
  it('killed while waiting to retry after 4xx replies', async () => {
    const sink = await startSink({ failFirst: 1_000_000 });
    sinks.push(sink);
    const w = await workspace(sink);
    await ingest(w);
    const serve = start(w.dir, ['serve', '--config', w.config]);
    await sink.waitFor(() => sink.attempts >= 2);
    serve.kill('SIGKILL');
    await exited(serve);
    const entry = (await w.store.outboxEntry('XYZ-2026-00001.001.ack'))!;
    expect(entry.attempts).toBeGreaterThanOrEqual(1);
    expect(entry.deliveredAt).toBeNull();
    sink.options.failFirst = 0;
    await deliverAfterRestart(w, sink);
  });

  it('killed in the SMTP transaction before the relay answered DATA', async () => {
    const sink = await startSink({ holdData: true });
    sinks.push(sink);
    const w = await workspace(sink);
    await ingest(w);
    const serve = start(w.dir, ['serve', '--config', w.config]);
    await sink.waitFor(() => sink.attempts >= 1);
    serve.kill('SIGKILL');
    await exited(serve);
    expect(sink.messages).toHaveLength(0);
    sink.options.holdData = false;
    await deliverAfterRestart(w, sink);
  });
});
