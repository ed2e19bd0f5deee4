import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HandoffSender } from '../../src/handoff/handoff-sender.js';
import { handoffTargets } from '../../src/handoff/handoff-targets.js';
import type { SqlStore } from '../../src/store/sql-store.js';
import { setTicketStatus } from '../../src/store/ticket-events.js';
import { fixedClock } from '../helpers/clock.js';
import { logSink } from '../helpers/log-sink.js';
import { storeEngines } from '../helpers/store-engines.js';
import { seedMessage } from '../helpers/store-seed.js';
import { tempDir } from '../helpers/temp-dir.js';
import { testConfig } from '../helpers/test-config.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

/**
 * The hand-off sender over the store on both engines, against a real HTTP receiver on
 * loopback: every event delivered signed, a 500 retried after the backoff with the same
 * bytes, never decrypted text, each event once even with two senders (two nodes).
 */
const engines = storeEngines();
const SECRET = 'a-webhook-secret-of-enough-length';
let receiver: WebhookReceiver | null = null;
afterEach(async () => {
  await receiver?.close();
  receiver = null;
});

async function senderFor(store: SqlStore, url: string, clock = fixedClock(), owner = 'node-a') {
  const dir = await tempDir();
  const secretFile = path.join(dir, 'hook.secret');
  await writeFile(secretFile, `${SECRET}\n`);
  const config = testConfig(dir, {
    handoff: { webhooks: [{ url, secretFile }] },
    outbound: { retryInitialSeconds: 60, retryMaxSeconds: 600 },
  } as never);
  const logs = logSink();
  const queue = store.handoff;
  const deps = { config, env: {}, tickets: store.tickets, queue, owner, now: clock.now };
  const sender = new HandoffSender({ ...deps, loadTargets: () => handoffTargets(deps), logger: logs.logger });
  return { sender, clock, logs, queue };
}

/** A committed report: its commit records the ticket.created event. */
async function committedReport(store: SqlStore, body: string, over: Parameters<typeof seedMessage>[1] = { body }) {
  return seedMessage(store, { ...over, body });
}

describe.each(engines)('hand-off sender: $name', (engine) => {
  it('delivers ticket.created and ticket.closed signed, with ticket.json and message.json but no decrypted text', async () => {
    const { store } = await engine.fresh();
    receiver = await startWebhookReceiver(SECRET);
    const { sender, clock, logs } = await senderFor(store, receiver.url);
    await sender.start();
    await sender.stop();
    const seeded = await committedReport(store, 'SECRET-PLAINTEXT lateral movement', {
      body: 'SECRET-PLAINTEXT lateral movement',
      encrypted: true,
      subject: 'outer subject',
    });
    await setTicketStatus(store.sql, seeded.ticket, 'closed', { at: clock.now(), note: 'operator note', reason: 'operator' });
    expect(await sender.runOnce()).toEqual({ delivered: 2, deferred: 0, failed: 0 });
    const [created, closed] = receiver.requests;
    expect(created?.signatureValid).toBe(true);
    expect(closed?.signatureValid).toBe(true);
    const a = JSON.parse(created!.body.toString()) as Record<string, any>;
    const b = JSON.parse(closed!.body.toString()) as Record<string, any>;
    expect([a.event, a.ticket.id, a.message.seq, a.message.encryption.status]).toEqual(['ticket.created', seeded.ticket, 1, 'decrypted']);
    expect([b.event, b.ticket.status, b.message]).toEqual(['ticket.closed', 'closed', undefined]);
    expect(created?.headers['x-intake-delivery']).toBe(a.id);
    for (const r of receiver.requests) {
      expect(r.body.toString()).not.toContain('SECRET-PLAINTEXT');
      expect(r.body.toString()).not.toContain('operator note');
    }
    expect(logs.lines.filter((l) => l.msg === 'handoff delivered')).toHaveLength(2);
  });

  it('retries a 500 after the backoff with the same bytes and signature, and delivers once', async () => {
    const { store } = await engine.fresh();
    receiver = await startWebhookReceiver(SECRET);
    receiver.answer(500);
    const { sender, clock, queue } = await senderFor(store, receiver.url);
    await sender.start();
    await sender.stop();
    await committedReport(store, 'one');
    expect(await sender.runOnce()).toEqual({ delivered: 0, deferred: 1, failed: 0 });
    const [pending] = await queue.list();
    expect(pending?.lastError).toMatch(/HTTP 500/);
    // Not before the backoff (at least half of retryInitialSeconds) …
    clock.advance(20_000);
    expect(await sender.runOnce()).toEqual({ delivered: 0, deferred: 0, failed: 0 });
    clock.advance(50_000);
    expect(await sender.runOnce()).toEqual({ delivered: 1, deferred: 0, failed: 0 });
    expect(await sender.runOnce()).toEqual({ delivered: 0, deferred: 0, failed: 0 });
    const [first, second] = receiver.requests;
    expect(receiver.requests).toHaveLength(2);
    expect(second?.body.equals(first!.body)).toBe(true);
    expect(second?.headers['x-intake-signature']).toBe(first?.headers['x-intake-signature']);
    expect(second?.signatureValid).toBe(true);
  });

  it('two senders (two nodes) deliver each event once', async () => {
    const { store, second } = await engine.fresh();
    receiver = await startWebhookReceiver(SECRET);
    const a = await senderFor(store, receiver.url, fixedClock(), 'node-a');
    const b = await senderFor(await second(), receiver.url, fixedClock(), 'node-b');
    await a.sender.start();
    await b.sender.start();
    await a.sender.stop();
    await b.sender.stop();
    for (let i = 0; i < 6; i++) await committedReport(store, `report ${i}`);
    const [ra, rb] = await Promise.all([a.sender.runOnce(), b.sender.runOnce()]);
    expect(ra.delivered + rb.delivered).toBe(6);
    const ids = receiver.requests.map((r) => r.headers['x-intake-delivery']);
    expect(new Set(ids).size).toBe(6);
    expect(ids).toHaveLength(6);
  });
});
