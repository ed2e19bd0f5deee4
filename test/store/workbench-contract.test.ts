import { describe, expect, it } from 'vitest';
import { fanOut, handoffQueue, linkRtTicket, registerTargets, rtTicketOf } from '../../src/store/handoff-queue.js';
import { queueReply, repliesOf } from '../../src/store/replies.js';
import type { SqlStore } from '../../src/store/sql-store.js';
import { lifecycleStats, setTicketStatus, ticketEvents } from '../../src/store/ticket-events.js';
import { storeEngines } from '../helpers/store-engines.js';
import { seedMessage } from '../helpers/store-seed.js';

/**
 * The workbench's store contract on both engines: ticket lifecycle and its event log,
 * hand-off deliveries (fan-out once, leases shared by nodes, order per ticket, outcomes
 * marked once), operators' replies in the outbox, the RT link.
 */
const engines = storeEngines();
const T0 = new Date('2026-11-23T10:00:00.000Z');
const later = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const lease = (owner: string, now = T0, ms = 60_000) => ({ owner, now, ms });

describe.each(engines)('workbench store contract: $name', (engine) => {
  it('closes and reopens a ticket with an event and the operator’s note, once per change', async () => {
    const { store } = await engine.fresh();
    const { ticket } = await seedMessage(store, { body: 'report', receivedAt: T0.toISOString() });
    const closed = await setTicketStatus(store.sql, ticket, 'closed', { at: later(3600), note: 'blocked at the border', reason: 'operator' });
    expect(closed).toMatchObject({ kind: 'changed', ticket: { status: 'closed', closedAt: later(3600).toISOString() } });
    expect(await setTicketStatus(store.sql, ticket, 'closed', { at: later(3700), note: null, reason: 'operator' })).toMatchObject({ kind: 'unchanged' });
    expect((await store.tickets.get(ticket))?.status).toBe('closed');
    expect(await setTicketStatus(store.sql, 'XYZ-2026-09999', 'closed', { at: T0, note: null, reason: 'operator' })).toEqual({ kind: 'missing' });
    const reopened = await setTicketStatus(store.sql, ticket, 'open', { at: later(7200), note: null, reason: 'operator' });
    expect(reopened).toMatchObject({ kind: 'changed', ticket: { status: 'open', closedAt: null } });
    const events = await ticketEvents(store.sql, ticket);
    expect(events.map((e) => [e.kind, e.note, e.ticketRecord.status])).toEqual([
      ['ticket.created', null, 'open'],
      ['ticket.closed', 'blocked at the border', 'closed'],
      ['ticket.reopened', null, 'open'],
    ]);
  });

  it('a follow-up to a closed ticket reopens it (reason follow-up); stats count open, closed and time to close', async () => {
    const { store } = await engine.fresh();
    const a = await seedMessage(store, { body: 'first', receivedAt: T0.toISOString() });
    const b = await seedMessage(store, { body: 'second', receivedAt: T0.toISOString() });
    await seedMessage(store, { body: 'third', receivedAt: T0.toISOString() });
    await setTicketStatus(store.sql, a.ticket, 'closed', { at: later(600), note: null, reason: 'operator' });
    await setTicketStatus(store.sql, b.ticket, 'closed', { at: later(1800), note: null, reason: 'operator' });
    expect(await lifecycleStats(store.sql)).toEqual({ open: 1, closed: 2, timeToClose: { count: 2, medianSeconds: 1200, meanSeconds: 1200 } });

    await seedMessage(store, { body: 'the reporter again', ticket: a.ticket, receivedAt: later(7200).toISOString() });
    expect((await store.tickets.get(a.ticket))?.status).toBe('open');
    expect((await store.tickets.get(a.ticket))?.closedAt).toBeNull();
    expect((await ticketEvents(store.sql, a.ticket)).map((e) => [e.kind, e.reason, e.seq])).toEqual([
      ['ticket.created', null, 1],
      ['ticket.closed', 'operator', null],
      ['ticket.reopened', 'follow-up', 2],
      ['message.added', null, 2],
    ]);
  });

  it('fans each event out once per target that wants it; a new target starts at the newest event', async () => {
    const { store, second } = await engine.fresh();
    await seedMessage(store, { body: 'before any target' });
    const hook = { id: 'webhook:a', events: ['ticket.created', 'ticket.closed'] as const };
    const rt = { id: 'rt', events: ['ticket.created', 'message.added'] as const };
    await registerTargets(store.sql, [hook, rt]);
    expect(await fanOut(store.sql, [hook, rt], T0)).toBe(0);

    const next = await seedMessage(store, { body: 'after' });
    await setTicketStatus(store.sql, next.ticket, 'closed', { at: T0, note: 'secret note', reason: 'operator' });
    const other = await second();
    const [n1, n2] = await Promise.all([fanOut(store.sql, [hook, rt], T0), fanOut(other.sql, [hook, rt], T0)]);
    expect(n1 + n2).toBe(3);
    const list = await handoffQueue(store.sql).list();
    expect(list.map((d) => [d.target, d.event.kind, d.event.ticket])).toEqual([
      ['rt', 'ticket.created', next.ticket],
      ['webhook:a', 'ticket.created', next.ticket],
      ['webhook:a', 'ticket.closed', next.ticket],
    ]);
    expect(await fanOut(store.sql, [hook, rt], T0)).toBe(0);
  });

  it('shares deliveries between nodes by lease, keeps a ticket’s order per target, and marks each outcome once', async () => {
    const { store, second } = await engine.fresh();
    const target = { id: 'webhook:a', events: ['ticket.created', 'message.added'] as const };
    await registerTargets(store.sql, [target]);
    const one = await seedMessage(store, { body: 'one' });
    await seedMessage(store, { body: 'one again', ticket: one.ticket });
    const two = await seedMessage(store, { body: 'two' });
    await fanOut(store.sql, [target], T0);

    const a = handoffQueue(store.sql);
    const b = handoffQueue((await second()).sql);
    const [claimedA, claimedB] = await Promise.all([a.claimDue(lease('node-a'), 10), b.claimDue(lease('node-b'), 10)]);
    const all = [...claimedA, ...claimedB];
    // The second event of ticket one waits for the first; each ticket's head is claimed by exactly one node.
    expect(all.map((d) => [d.event.ticket, d.event.kind]).sort()).toEqual([
      [one.ticket, 'ticket.created'],
      [two.ticket, 'ticket.created'],
    ]);
    const first = all.find((d) => d.event.ticket === one.ticket)!;
    const owner = claimedA.includes(first) ? 'node-a' : 'node-b';
    const twoHead = all.find((d) => d.event.ticket === two.ticket)!;
    expect(await a.delivered(twoHead.key, claimedA.includes(twoHead) ? 'node-a' : 'node-b', later(1))).toBe(true);
    const stranger = owner === 'node-a' ? 'node-b' : 'node-a';
    expect(await a.delivered(first.key, stranger, later(1))).toBe(false);
    await a.deferred(first.key, owner, later(300), 'HTTP 500');
    expect((await a.claimDue(lease('node-a', later(10)), 10)).map((d) => d.key)).toEqual([]);
    const retried = await a.claimDue(lease('node-a', later(301)), 10);
    expect(retried.map((d) => [d.key, d.attempts, d.lastError])).toEqual([[first.key, 1, 'HTTP 500']]);
    await a.progress(first.key, 'node-a', Buffer.from('{"body":1}'), null);
    expect(await a.delivered(first.key, 'node-a', later(302))).toBe(true);
    expect(await a.delivered(first.key, 'node-a', later(303))).toBe(false);
    const nextOne = await a.claimDue(lease('node-a', later(400)), 10);
    expect(nextOne.map((d) => d.event.kind)).toEqual(['message.added']);
    await a.failed(nextOne[0]!.key, 'node-a', later(401), 'gave up');
    expect(await a.counts()).toEqual({ pending: 0, failed: 1, delivered: 2 });
    expect((await a.list(one.ticket))[0]?.body?.toString()).toBe('{"body":1}');
  });

  it('a lease that ran out (a node killed holding it) lets another node take the delivery', async () => {
    const { store, second } = await engine.fresh();
    const target = { id: 'rt', events: ['ticket.created'] as const };
    await registerTargets(store.sql, [target]);
    const { ticket } = await seedMessage(store, { body: 'x' });
    await fanOut(store.sql, [target], T0);
    const [taken] = await handoffQueue(store.sql).claimDue(lease('dead-node', T0, 30_000), 10);
    const other = handoffQueue((await second()).sql);
    expect(await other.claimDue(lease('node-b', later(10)), 10)).toEqual([]);
    expect((await other.claimDue(lease('node-b', later(31)), 10)).map((d) => d.key)).toEqual([taken!.key]);
    await linkRtTicket(store.sql, ticket, 42, T0);
    await linkRtTicket(store.sql, ticket, 43, T0);
    expect(await rtTicketOf(store.sql, ticket)).toBe(42);
  });

  it('queues an operator’s reply in the outbox, keeps it in the ticket and threads its Message-ID, without touching the ack', async () => {
    const { store } = await engine.fresh();
    const { ticket, sha256 } = await seedMessage(store, { body: 'report' });
    const before = (await store.tickets.messages(ticket))[0]!.ack;
    const queued = await queueReply(store.sql, {
      ticket,
      recipient: 'alice@example.org',
      subject: `Re: [${ticket}] report`,
      messageId: `reply.${ticket}.1.abc@xyz.example`,
      encrypted: true,
      body: 'We blocked it.',
      inReplyTo: '<parent@example.org>',
      raw: Buffer.from('the composed mail'),
      parent: { sha256, seq: 1 },
      at: T0,
    });
    expect(queued).toEqual({ key: `${ticket}.001.reply`, n: 1 });
    expect(await store.lookups.ticketByMessageId(`<reply.${ticket}.1.abc@xyz.example>`)).toBe(ticket);
    const [entry] = await store.outbox.claimDue(lease('sender'), 10);
    expect(entry).toMatchObject({ key: `${ticket}.001.reply`, kind: 'reply', recipient: 'alice@example.org', encrypted: true });
    expect(entry?.raw?.toString()).toBe('the composed mail');
    expect((await repliesOf(store.sql, ticket))[0]?.delivery.status).toBe('queued');
    await store.outbox.delivered(entry!.key, 'sender', later(5), null);
    const [reply] = await repliesOf(store.sql, ticket);
    expect(reply).toMatchObject({ n: 1, body: 'We blocked it.', encrypted: true, delivery: { status: 'sent', at: later(5).toISOString() } });
    expect((await store.tickets.messages(ticket))[0]!.ack).toEqual(before);
    expect((await ticketEvents(store.sql, ticket)).map((e) => e.kind)).toEqual(['ticket.created', 'reply.queued']);
    expect(await queueReply(store.sql, { ...reply!, ticket: 'XYZ-2026-09999', parent: { sha256, seq: 1 }, raw: Buffer.from('x'), at: T0 })).toBeNull();
  });
});
