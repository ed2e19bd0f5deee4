import type { Logger } from 'pino';
import type { MailPlan } from '../compose/mail-plan.js';
import type { Config } from '../config/schema.js';
import { escapeForLog } from '../log/escape.js';
import type { Component } from '../model/component.js';
import type { OutgoingMail } from '../model/outgoing-mail.js';
import type { IntakeStore, OutboxEntry } from '../store/store.js';
import type { DeliveryResult } from './smtp-relay.js';
import type { IntakeEvents } from '../model/intake-events.js';

/** Hands one message on: to the relay (`outbound.mode: smtp`) or into the pickup directory (`outbox`). */
export type DeliverEntry = ((raw: Buffer, entry: Pick<OutboxEntry, 'key' | 'recipient' | 'kind'>) => Promise<DeliveryResult>) & { close?: () => void };

export interface OutboxSenderDeps {
  store: IntakeStore;
  config: Config;
  logger: Logger;
  now: () => Date;
  deliver: DeliverEntry;
  /** Composes a queued plan again (its first composition failed, e.g. the team key could not sign). */
  compose(plan: MailPlan): Promise<OutgoingMail>;
  /** This process's lease owner id. */
  owner: string;
  /** Deliveries at once within a claimed batch (1: in order, and an unreachable relay ends the pass). */
  parallel?: number;
  /** Told of every delivery, deferral and give-up (GET /metrics). */
  events?: Pick<IntakeEvents, 'ackDelivery'>;
}

export type Attempt = 'delivered' | 'deferred' | 'failed' | 'relay-down';

/**
 * Delivers what the store's outbox holds once the answered message is committed. Entries
 * are claimed with a lease (`outbound.leaseSeconds`), so several processes and nodes
 * share one queue and each entry goes out once; a node that dies holding an entry loses
 * it when the lease runs out. Temporary failures back off exponentially, with the
 * schedule in the store (it survives restarts); after `giveUpAfterSeconds` — or at once
 * on a 5xx — the entry fails for good, with an error log, and stays listed for the
 * operator (`intake outbox list --failed`, `retry`, `drop`).
 *
 * Exactly once, and where that ends: the entry is marked delivered right after the
 * relay's 250 (or the pickup file's fsync). A crash in that window sends the ack a second
 * time after the lease; SMTP offers no way to close it (RFC 1047). A pickup file written
 * twice is the same file.
 */
export class OutboxSender implements Component {
  readonly name = 'outbox-sender';
  private readonly deps: OutboxSenderDeps;
  private timer: NodeJS.Timeout | null = null;
  private pass: Promise<void> | null = null;
  private running = false;
  private again = false;

  constructor(deps: OutboxSenderDeps) {
    this.deps = deps;
  }

  async start(): Promise<void> {
    this.running = true;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.pass;
    this.deps.deliver.close?.();
  }

  /** Something was queued: look now rather than at the next poll. */
  wake(): void {
    if (!this.running) return;
    if (this.pass) this.again = true;
    else this.schedule(0);
  }

  /** Claims and tries every due entry once; returns the outcomes counted. */
  async runOnce(): Promise<Record<Attempt, number>> {
    const counts: Record<Attempt, number> = { delivered: 0, deferred: 0, failed: 0, 'relay-down': 0 };
    const lease = { owner: this.deps.owner, now: this.deps.now(), ms: this.deps.config.outbound.leaseSeconds * 1000 };
    for (;;) {
      const claimed = await this.deps.store.outbox.claimDue(lease, 16);
      const claimedAt = lease.now.getTime();
      if ((this.deps.parallel ?? 1) > 1) {
        for (const result of await this.inParallel(claimed)) counts[result]++;
        if (claimed.length < 16) return counts;
        lease.now = this.deps.now();
        continue;
      }
      for (const [i, entry] of claimed.entries()) {
        // A slow relay can outlast the lease of a batch: renew it past half-time, and skip
        // an entry another sender has meanwhile taken over (it is that sender's now).
        const now = this.deps.now();
        if (now.getTime() - claimedAt > lease.ms / 2 && !(await this.deps.store.outbox.renew(entry.key, { ...lease, now }))) continue;
        const result = await this.attempt(entry);
        counts[result]++;
        if (result === 'relay-down') {
          // One unreachable relay is unreachable for every entry: release the rest for later.
          for (const rest of claimed.slice(i + 1)) await this.deps.store.outbox.deferred(rest.key, this.deps.owner, this.deps.now(), 'relay unreachable', null);
          return counts;
        }
      }
      if (claimed.length < 16) return counts;
      lease.now = this.deps.now();
    }
  }

  private async inParallel(entries: OutboxEntry[]): Promise<Attempt[]> {
    const results: Attempt[] = [];
    let next = 0;
    await Promise.all(Array.from({ length: Math.min(this.deps.parallel ?? 1, entries.length) }, async () => {
      while (next < entries.length) results.push(await this.attempt(entries[next++]!));
    }));
    return results;
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.pass = this.loop().finally(() => {
        this.pass = null;
      });
    }, delayMs);
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.runOnce();
      } catch (error) {
        this.deps.logger.error({ err: escapeForLog((error as Error).message, 300) }, 'outbox pass failed; retrying later');
      }
    } while (this.again && this.running);
    this.schedule(await this.nextDelayMs());
  }

  /** Until the earliest retry is due, at most one poll interval (other processes and nodes queue too). */
  private async nextDelayMs(): Promise<number> {
    const poll = this.deps.config.outbound.pollSeconds * 1000;
    const next = await this.deps.store.outbox.nextDue().catch(() => null);
    const untilDue = next ? Date.parse(next) - this.deps.now().getTime() : poll;
    return Math.max(20, Math.min(poll, untilDue));
  }

  private async attempt(entry: OutboxEntry): Promise<Attempt> {
    const { store, owner, logger } = this.deps;
    let raw = entry.raw;
    let result: DeliveryResult;
    try {
      if (!raw) raw = (await this.deps.compose(JSON.parse(entry.compose ?? 'null') as MailPlan)).raw;
    } catch (error) {
      result = { kind: 'temporary', error: `compose: ${(error as Error).message}`, connection: false };
      return this.notDelivered(entry, result, null);
    }
    result = await this.deps.deliver(raw, entry);
    if (result.kind !== 'delivered') return this.notDelivered(entry, result, entry.raw ? null : raw);
    await store.outbox.delivered(entry.key, owner, this.deps.now(), entry.raw ? null : raw);
    this.deps.events?.ackDelivery('delivered');
    logger.info({ ...ids(entry), attempts: entry.attempts + 1, encrypted: entry.encrypted }, 'ack delivered');
    return 'delivered';
  }

  private async notDelivered(entry: OutboxEntry, result: Exclude<DeliveryResult, { kind: 'delivered' }>, composed: Buffer | null): Promise<Attempt> {
    const { store, owner, logger, config } = this.deps;
    const now = this.deps.now();
    const expired = now.getTime() - Date.parse(entry.queuedAt) >= config.outbound.giveUpAfterSeconds * 1000;
    if (result.kind === 'permanent' || expired) {
      await store.outbox.failed(entry.key, owner, now, result.error);
      this.deps.events?.ackDelivery('failed');
      logger.error(
        { ...ids(entry), attempts: entry.attempts + 1, queuedAt: entry.queuedAt, err: escapeForLog(result.error, 300) },
        result.kind === 'permanent' ? 'ack delivery refused; given up' : 'ack delivery given up after outbound.giveUpAfterSeconds',
      );
      return 'failed';
    }
    const next = new Date(now.getTime() + this.backoffMs(entry.attempts + 1));
    await store.outbox.deferred(entry.key, owner, next, result.error, composed);
    this.deps.events?.ackDelivery('deferred');
    logger.warn({ ...ids(entry), attempts: entry.attempts + 1, nextAttemptAt: next.toISOString(), err: escapeForLog(result.error, 300) }, 'ack delivery deferred; will retry');
    return result.connection ? 'relay-down' : 'deferred';
  }

  private backoffMs(attempts: number): number {
    const { retryInitialSeconds, retryMaxSeconds } = this.deps.config.outbound;
    return Math.min(retryMaxSeconds, retryInitialSeconds * 2 ** Math.max(0, attempts - 1)) * 1000;
  }
}

function ids(entry: OutboxEntry) {
  return { ticket: entry.ticket, seq: entry.seq, kind: entry.kind, to: escapeForLog(entry.recipient, 120) };
}
