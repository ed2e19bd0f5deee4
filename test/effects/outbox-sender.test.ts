import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openApp } from '../../src/app.js';
import { initialDraft } from '../../src/model/draft.js';
import { fileTransport } from '../../src/model/transport.js';
import { runPipeline, STEPS } from '../../src/pipeline/run-pipeline.js';
import { expectSignedByTeam, fixturePgp, recentClock, teamOf } from '../helpers/ack-checks.js';
import { createTestApp, exportedArchive, runPipelineOn, type TestApp } from '../helpers/pipeline.js';
import { startSink, type Sink, type SinkOptions } from '../helpers/smtp-sink.js';

/**
 * Delivery of the store's outbox through a relay (a loopback SMTP sink here): MAIL FROM:<>,
 * one RCPT with NOTIFY=NEVER, retries with a backoff kept in the store, giving up with an
 * error log, and never delivering for an uncommitted message. The sender is driven pass
 * by pass with the test clock, so nothing here depends on timing.
 */
const sinks: Sink[] = [];
const apps: Array<{ stop(): Promise<void> }> = [];

afterEach(async () => {
  // Apps first: their pooled relay connection is closed before the sink waits for its connections.
  for (const app of apps.splice(0)) await app.stop();
  for (const sink of sinks.splice(0)) await sink.close();
});

async function setup(sinkOptions: SinkOptions = {}, outbound: Record<string, unknown> = {}, team: Record<string, unknown> = {}) {
  const sink = await startSink(sinkOptions);
  sinks.push(sink);
  const t = await createTestApp(
    {
      team,
      pgp: fixturePgp(),
      outbound: { mode: 'smtp', host: '127.0.0.1', port: sink.port, retryInitialSeconds: 60, retryMaxSeconds: 600, giveUpAfterSeconds: 3600, ...outbound },
    },
    { clock: recentClock() },
  );
  apps.push(t.app);
  return { t, sink, sender: t.app.outboxSender };
}

function report(n = 1, subject = 'Scanning from 192.0.2.44'): Buffer {
  return Buffer.from(
    `From: Reporter <reporter@example.org>\r\nReply-To: elsewhere@example.net\r\nTo: cert@xyz.example\r\nSubject: ${subject}\r\nMessage-ID: <d-${n}@example.org>\r\n\r\nHost 192.0.2.44 scans us.\r\n`,
  );
}
const envelope = { transport: fileTransport('reporter@example.org', ['cert@xyz.example']) };
const nothing = { delivered: 0, deferred: 0, failed: 0, 'relay-down': 0 };

function logged(t: TestApp, msg: string) {
  return t.logs.lines.filter((l) => l.msg === msg);
}

describe('the outbox sender', () => {
  it('retries after 4xx with backoff and delivers exactly one ack: MAIL FROM:<>, one RCPT, NOTIFY=NEVER', async () => {
    const { t, sink, sender } = await setup({ failFirst: 2 });
    const run = await runPipelineOn(t, report(), envelope);
    const ticket = run.record!.ticket;

    expect((await sender.runOnce()).deferred).toBe(1);
    expect(sink.attempts).toBe(1);
    expect(await sender.runOnce()).toEqual(nothing); // backoff: 60 s not yet over
    expect(sink.attempts).toBe(1);
    t.clock.advance(60_000);
    expect((await sender.runOnce()).deferred).toBe(1);
    t.clock.advance(60_000);
    expect(await sender.runOnce()).toEqual(nothing); // second wait is 120 s
    t.clock.advance(60_000);
    expect((await sender.runOnce()).delivered).toBe(1);
    expect((await sender.runOnce()).delivered).toBe(0);

    expect(sink.attempts).toBe(3);
    expect(sink.messages).toHaveLength(1);
    const [message] = sink.messages;
    expect(message!.mailFrom).toBe('');
    expect(message!.rcptTo).toEqual([{ address: 'reporter@example.org', notify: ['NEVER'] }]);
    await expectSignedByTeam(message!.raw, teamOf(t));

    const exported = await exportedArchive(t);
    expect((await readFile(exported.ackFile(ticket, 1, 'ack'))).equals(message!.raw)).toBe(true);
    const record = (await t.app.store.tickets.message(ticket, 1))!.record;
    expect(record.ack).toMatchObject({ sent: true, status: 'sent', file: 'acks/001.eml', suppressedReason: null, error: null });
    expect(record.ack.sentAt).toBe(t.clock.now().toISOString());
    // A delivered ack leaves nothing in the queue: its row is the sent-mail archive.
    expect(await t.app.store.outbox.list({ failed: false })).toEqual([]);
    expect(await t.app.store.outbox.counts()).toEqual({ pending: 0, failed: 0, delivered: 1 });
    expect(logged(t, 'ack delivery deferred; will retry')).toHaveLength(2);
    expect(logged(t, 'ack delivered')).toHaveLength(1);
    expect(t.logs.lines.filter((l) => Number(l.level) >= 50)).toEqual([]);
  });

  it('keeps the retry schedule across a restart', async () => {
    const { t, sink, sender } = await setup({ failFirst: 1 });
    await runPipelineOn(t, report(), envelope);
    expect((await sender.runOnce()).deferred).toBe(1);
    // A new process on the same store: the entry still says when to try next.
    const again = await openApp({ config: t.config, logger: t.logs.logger, now: t.clock.now, env: {} });
    apps.push(again);
    expect(await again.outboxSender.runOnce()).toEqual(nothing);
    t.clock.advance(60_000);
    expect((await again.outboxSender.runOnce()).delivered).toBe(1);
    expect(sink.messages).toHaveLength(1);
    expect((await again.store.tickets.message('XYZ-2026-00001', 1))!.record.ack.status).toBe('sent');
  });

  it('never delivers for an uncommitted message; the retry after a crash queues it once and sends once', async () => {
    const { t, sink, sender } = await setup();
    // The process "dies" after compose-ack, before the commit.
    const received = await t.app.accept(report(), envelope.transport);
    const untilCommit = STEPS.slice(0, STEPS.findIndex((s) => s.name === 'commit'));
    await runPipeline(initialDraft(received), t.app.context, untilCommit);
    expect(await t.app.store.outbox.list({ failed: false })).toEqual([]);
    expect(await sender.runOnce()).toEqual(nothing);

    t.clock.advance(5_000);
    await t.app.recovery.failed(received, 'crashed');
    t.clock.advance(600_000);
    expect(await t.app.recoverReceived()).toBe(1);
    expect((await t.app.store.outbox.list({ failed: false })).map((e) => e.key)).toEqual(['XYZ-2026-00001.001.ack']);
    expect((await sender.runOnce()).delivered).toBe(1);
    expect((await sender.runOnce()).delivered).toBe(0);
    expect(sink.messages).toHaveLength(1);
    expect(sink.attempts).toBe(1);
    await expectSignedByTeam(sink.messages[0]!.raw, teamOf(t));
  });

  it('an entry another sender holds is not sent until its lease runs out (that sender died)', async () => {
    const { t, sink, sender } = await setup({}, { leaseSeconds: 30 });
    await runPipelineOn(t, report(), envelope);
    const [held] = await t.app.store.outbox.claimDue({ owner: 'a-dead-node', now: t.clock.now(), ms: 30_000 }, 10);
    expect(held?.key).toBe('XYZ-2026-00001.001.ack');
    expect(await sender.runOnce()).toEqual(nothing);
    t.clock.advance(31_000);
    expect((await sender.runOnce()).delivered).toBe(1);
    expect(sink.messages).toHaveLength(1);
  });

  it('gives up after giveUpAfterSeconds with an error log; the failed entry stays listed for the operator', async () => {
    const { t, sink, sender } = await setup({ failFirst: 1000 }, { giveUpAfterSeconds: 300 });
    await runPipelineOn(t, report(), envelope);
    for (let i = 0; i < 6; i++) {
      await sender.runOnce();
      t.clock.advance(120_000);
    }
    expect(sink.messages).toHaveLength(0);
    const errors = t.logs.lines.filter((l) => Number(l.level) >= 50);
    expect(errors.map((l) => l.msg)).toEqual(['ack delivery given up after outbound.giveUpAfterSeconds']);
    expect(errors[0]).toMatchObject({ ticket: 'XYZ-2026-00001', seq: 1, kind: 'ack' });
    const failed = await t.app.store.outbox.list({ failed: true });
    expect(failed.map((e) => [e.key, e.attempts])).toEqual([['XYZ-2026-00001.001.ack', 4]]);
    expect(failed[0]!.lastError).toMatch(/451/);
    const record = (await t.app.store.tickets.message('XYZ-2026-00001', 1))!.record;
    expect(record.ack).toMatchObject({ sent: false, status: 'failed', file: null });
    expect(record.ack.error).toMatch(/451/);
    expect(await sender.runOnce()).toEqual(nothing);
  });

  it('gives up at once when the relay refuses the recipient (5xx)', async () => {
    const { t, sink, sender } = await setup({ rejectRecipients: true });
    await runPipelineOn(t, report(), envelope);
    expect((await sender.runOnce()).failed).toBe(1);
    expect(sink.attempts).toBe(0);
    expect(logged(t, 'ack delivery refused; given up')).toHaveLength(1);
    expect((await t.app.store.tickets.message('XYZ-2026-00001', 1))!.record.ack.status).toBe('failed');
  });

  it('treats an unreachable relay as temporary and stops the pass there', async () => {
    const { t, sink, sender } = await setup();
    await sink.close();
    sinks.splice(sinks.indexOf(sink), 1);
    await runPipelineOn(t, report(1), envelope);
    await runPipelineOn(t, report(2), envelope);
    const counts = await sender.runOnce();
    expect(counts['relay-down']).toBe(1);
    expect(counts.deferred + counts.delivered).toBe(0);
    expect(await t.app.store.outbox.list({ failed: false })).toHaveLength(2);
    expect(t.logs.lines.filter((l) => Number(l.level) >= 50)).toEqual([]);
  });

  it('delivers the on-duty notification and keeps it beside the ack', async () => {
    const { t, sink, sender } = await setup({}, {}, { onDutyAddress: 'duty@xyz.example' });
    await runPipelineOn(t, report(1, 'URGENT: ransomware'), envelope);
    expect((await sender.runOnce()).delivered).toBe(2);
    expect(sink.messages.map((m) => m.rcptTo[0]!.address).sort()).toEqual(['duty@xyz.example', 'reporter@example.org']);
    for (const m of sink.messages) {
      expect(m.mailFrom).toBe('');
      expect(m.rcptTo).toHaveLength(1);
      await expectSignedByTeam(m.raw, teamOf(t));
    }
    const exported = await exportedArchive(t);
    expect((await readdir(exported.acksDir('XYZ-2026-00001'))).sort()).toEqual(['001.eml', '001.on-duty.eml']);
    const ack = (await t.app.store.tickets.message('XYZ-2026-00001', 1))!.record.ack;
    expect(ack.status).toBe('sent');
    expect(ack.onDuty).toMatchObject({ status: 'sent', file: 'acks/001.on-duty.eml' });
  });

  it('threads replies to delivered and to still-queued acks', async () => {
    const { t, sender } = await setup();
    const first = await runPipelineOn(t, report(1), envelope);
    await sender.runOnce();
    const second = await runPipelineOn(t, report(2, 'Another incident'), envelope);
    expect(await t.app.store.lookups.ticketByMessageId(first.record!.ack.messageId!)).toBe(first.record!.ticket);
    expect(await t.app.store.lookups.ticketByMessageId(second.record!.ack.messageId!)).toBe(second.record!.ticket);
  });
});

describe('outbound.mode: outbox (pickup directory)', () => {
  it('writes each acknowledgement once as <archive.dir>/outbox/<ID>.<NNN>.ack.eml and leaves nothing queued', async () => {
    const t = await createTestApp({ pgp: fixturePgp() }, { clock: recentClock() });
    apps.push(t.app);
    await runPipelineOn(t, report(1), envelope);
    expect((await t.app.outboxSender.runOnce()).delivered).toBe(1);
    expect((await t.app.outboxSender.runOnce()).delivered).toBe(0);
    const dir = path.join(t.config.archive.dir, 'outbox');
    expect(await readdir(dir)).toEqual(['XYZ-2026-00001.001.ack.eml']);
    const file = await readFile(path.join(dir, 'XYZ-2026-00001.001.ack.eml'));
    await expectSignedByTeam(file, teamOf(t));
    expect(await t.app.store.outbox.list({ failed: false })).toEqual([]);
    expect((await t.app.store.outbox.sent('XYZ-2026-00001'))[0]!.raw!.equals(file)).toBe(true);
  });
});
