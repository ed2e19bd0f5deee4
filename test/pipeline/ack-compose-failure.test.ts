import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as openpgp from 'openpgp';
import { describe, expect, it } from 'vitest';
import { readTeamKey } from '../../src/keys/team-key.js';
import { fileTransport } from '../../src/model/transport.js';
import { expectSignedByTeam } from '../helpers/ack-checks.js';
import { createTestApp, runPipelineOn } from '../helpers/pipeline.js';
import { startSink } from '../helpers/smtp-sink.js';

/**
 * Issue 12 item 2b: an acknowledgement that cannot be composed — here the team key
 * expired while `intake serve` ran, so it can no longer sign — never blocks storing the
 * report. The report is committed, the ack recorded as failed and logged at error, and
 * its plan (our own facts only) is queued to be composed again: with a usable key it
 * goes out, without one the retries end after outbound.giveUpAfterSeconds.
 */
const START = new Date(Date.now() - 30 * 60_000);

async function expiringTeamKey(dir: string) {
  const { privateKey } = await openpgp.generateKey({
    type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name: 'XYZ-CERT', email: 'cert@xyz.example' }],
    date: new Date(START.getTime() - 60_000), keyExpirationTime: 600, format: 'armored',
  });
  await mkdir(path.join(dir, 'keys', 'constituents'), { recursive: true });
  await writeFile(path.join(dir, 'keys', 'team.sec.asc'), privateKey, { mode: 0o600 });
}

const report = Buffer.from('From: reporter@example.org\r\nTo: cert@xyz.example\r\nSubject: scan\r\nMessage-ID: <cf-1@example.org>\r\n\r\nHost 192.0.2.7 scans us.\r\n');
const envelope = { transport: fileTransport('reporter@example.org', ['cert@xyz.example']), expectErrors: true };

describe('an acknowledgement that cannot be composed', () => {
  it('leaves the report stored, the ack failed and queued as a plan; a usable key later sends it', async () => {
    const sink = await startSink();
    let t: Awaited<ReturnType<typeof createTestApp>> | undefined;
    try {
      t = await createTestApp(
        { outbound: { mode: 'smtp', host: '127.0.0.1', port: sink.port, retryInitialSeconds: 60, giveUpAfterSeconds: 3600 } },
        { clock: START.toISOString(), prepare: expiringTeamKey },
      );
      t.clock.advance(20 * 60_000); // the team key expired 10 minutes ago
      const run = await runPipelineOn(t, report, envelope);
      expect(run.outcome).toMatchObject({ kind: 'archived', status: 'new', ticket: 'XYZ-2026-00001' });
      expect(run.record!.ack).toMatchObject({ status: 'failed', sent: false, suppressedReason: null });
      expect(run.record!.ack.error).toMatch(/^compose: /);
      expect(await t.app.store.pendingReceipts()).toBe(0);
      const errors = t.logs.lines.filter((l) => Number(l.level) >= 50);
      expect(errors.map((l) => l.msg)).toEqual(['acknowledgement could not be composed; the report is stored and the ack will be retried']);
      const [entry] = await t.app.store.outbox.list({ failed: false });
      expect(entry).toMatchObject({ key: 'XYZ-2026-00001.001.ack', raw: null, recipient: 'reporter@example.org' });
      expect(entry!.compose).not.toContain('192.0.2.7');

      // Still no usable key: the retry is deferred, not sent.
      expect((await t.app.outboxSender.runOnce()).deferred).toBe(1);
      expect(sink.attempts).toBe(0);

      // The operator fixes the key (here: a fresh one, as SIGHUP would load it); the next due retry sends.
      const fresh = await openpgp.generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ email: 'cert@xyz.example' }], date: new Date(START.getTime()), format: 'armored' });
      const file = path.join(t.dir, 'keys', 'team2.sec.asc');
      await writeFile(file, fresh.privateKey);
      t.app.keys!.team = await readTeamKey(file, null);
      t.clock.advance(60_000);
      expect((await t.app.outboxSender.runOnce()).delivered).toBe(1);
      expect(sink.messages).toHaveLength(1);
      await expectSignedByTeam(sink.messages[0]!.raw, { fingerprint: t.app.keys!.team.fingerprint, publicKey: t.app.keys!.team.publicKey.armor() });
      const record = (await t.app.store.tickets.message('XYZ-2026-00001', 1))!.record;
      expect(record.ack).toMatchObject({ status: 'sent', sent: true, error: null });
      expect((await t.app.store.outbox.sent('XYZ-2026-00001'))[0]!.raw!.equals(sink.messages[0]!.raw)).toBe(true);
    } finally {
      await t?.app.stop();
      await sink.close();
    }
  });

  it('gives the retries up after outbound.giveUpAfterSeconds, with an error log', async () => {
    const t = await createTestApp(
      { outbound: { mode: 'smtp', host: '127.0.0.1', port: 9, retryInitialSeconds: 60, retryMaxSeconds: 60, giveUpAfterSeconds: 300 } },
      { clock: START.toISOString(), prepare: expiringTeamKey },
    );
    t.clock.advance(20 * 60_000);
    await runPipelineOn(t, report, envelope);
    for (let i = 0; i < 7; i++) {
      await t.app.outboxSender.runOnce();
      t.clock.advance(61_000);
    }
    const [failed] = await t.app.store.outbox.list({ failed: true });
    expect(failed).toMatchObject({ key: 'XYZ-2026-00001.001.ack', raw: null });
    expect(failed!.lastError).toMatch(/^compose: /);
    expect(t.logs.lines.filter((l) => l.msg === 'ack delivery given up after outbound.giveUpAfterSeconds')).toHaveLength(1);
    expect((await t.app.store.tickets.message('XYZ-2026-00001', 1))!.record.ack.status).toBe('failed');
  });
});
