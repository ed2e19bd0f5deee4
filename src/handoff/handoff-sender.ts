import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { escapeForLog } from '../log/escape.js';
import { backoffDelayMs, backoffFromSeconds } from '../model/backoff.js';
import type { Component } from '../model/component.js';
import { asIntakeError } from '../model/errors.js';
import type { HandoffDelivery, HandoffStore, HandoffTarget } from '../store/handoff-queue.js';
import type { TargetSpec } from './handoff-targets.js';

/**
 * Delivers the hand-off (webhooks, Request Tracker) from the store, like the outbox
 * sender delivers mail: events committed by any process (`serve`, `ingest`, the
 * operator's `tickets close`) are fanned out to the targets, deliveries are claimed with
 * a lease, a failure is retried with the acks' backoff (outbound.retryInitialSeconds …
 * retryMaxSeconds) until a 2xx, and given up after outbound.giveUpAfterSeconds — or at
 * once when the target says it can never succeed. A node killed mid-delivery loses its
 * lease and another (or its own restart) delivers; the only repeat is a delivery whose
 * success was not yet recorded, and receivers drop those by the event id.
 */
export interface HandoffSenderDeps {
  /** The store's hand-off queue (IntakeStore.handoff). */
  queue: HandoffStore;
  /** The configured targets, read at start (their secrets: a missing one stops the start). */
  loadTargets(): Promise<TargetSpec[]>;
  config: Config;
  logger: Logger;
  now: () => Date;
  owner: string;
}

export type HandoffAttempt = 'delivered' | 'deferred' | 'failed';

/** What the store needs of a target: its id and events (plain data, never the delivery function). */
const targetOf = (t: TargetSpec): HandoffTarget => ({ id: t.id, events: t.events });

export class HandoffSender implements Component {
  readonly name = 'handoff-sender';
  private readonly deps: HandoffSenderDeps;
  private timer: NodeJS.Timeout | null = null;
  private pass: Promise<void> | null = null;
  private running = false;
  private again = false;
  private targets: TargetSpec[] = [];

  constructor(deps: HandoffSenderDeps) {
    this.deps = deps;
  }

  async start(): Promise<void> {
    this.targets = await this.deps.loadTargets();
    if (this.targets.length === 0) return;
    await this.deps.queue.registerTargets(this.targets.map(targetOf));
    this.running = true;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.pass;
  }

  /** Something was committed here: look now rather than at the next poll. */
  wake(): void {
    if (!this.running) return;
    if (this.pass) this.again = true;
    else this.schedule(0);
  }

  /** Fans out new events, then claims and tries every due delivery once. */
  async runOnce(): Promise<Record<HandoffAttempt, number>> {
    const counts: Record<HandoffAttempt, number> = { delivered: 0, deferred: 0, failed: 0 };
    await this.deps.queue.fanOut(this.targets.map(targetOf), this.deps.now());
    for (;;) {
      const lease = { owner: this.deps.owner, now: this.deps.now(), ms: this.deps.config.handoff.leaseSeconds * 1000 };
      const claimed = await this.deps.queue.claimDue(lease, 16);
      if (claimed.length === 0) return counts;
      for (const delivery of claimed) counts[await this.attempt(delivery)]++;
    }
  }

  private async attempt(delivery: HandoffDelivery): Promise<HandoffAttempt> {
    const { queue, logger, owner, config } = this.deps;
    const target = this.targets.find((t) => t.id === delivery.target);
    const fields = { ticket: delivery.event.ticket, event: delivery.event.kind, target: target?.label ?? delivery.target, attempts: delivery.attempts + 1 };
    if (!target) {
      await queue.failed(delivery.key, owner, this.deps.now(), 'target no longer configured');
      logger.error(fields, 'handoff failed: target no longer configured');
      return 'failed';
    }
    try {
      await target.deliver(delivery);
      if (await queue.delivered(delivery.key, owner, this.deps.now())) logger.info(fields, 'handoff delivered');
      return 'delivered';
    } catch (caught) {
      const error = asIntakeError(caught, 'handoff-failed');
      const now = this.deps.now();
      const message = escapeForLog(error.message, 300);
      const age = now.getTime() - Date.parse(delivery.queuedAt);
      if (error.kind === 'permanent' || age >= config.outbound.giveUpAfterSeconds * 1000) {
        await queue.failed(delivery.key, owner, now, message);
        logger.error({ ...fields, err: message, code: error.code }, 'handoff failed; given up');
        return 'failed';
      }
      const policy = backoffFromSeconds(config.outbound.retryInitialSeconds, config.outbound.retryMaxSeconds);
      const next = new Date(now.getTime() + backoffDelayMs(delivery.attempts, policy));
      await queue.deferred(delivery.key, owner, next, message);
      logger.warn({ ...fields, err: message, code: error.code, nextAttemptAt: next.toISOString() }, 'handoff deferred; will retry');
      return 'deferred';
    }
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.pass = this.runPass().finally(() => {
        this.pass = null;
      });
    }, delayMs);
    this.timer.unref?.();
  }

  private async runPass(): Promise<void> {
    try {
      await this.runOnce();
    } catch (error) {
      this.deps.logger.error({ err: escapeForLog((error as Error).message, 300) }, 'handoff pass failed; retrying later');
    }
    if (this.again) {
      this.again = false;
      this.schedule(0);
      return;
    }
    this.schedule(await this.nextDelayMs());
  }

  /** Until the earliest retry, but at least every outbound.pollSeconds (events from other processes). */
  private async nextDelayMs(): Promise<number> {
    const poll = this.deps.config.outbound.pollSeconds * 1000;
    const due = await this.deps.queue.nextDue().catch(() => null);
    if (due === null) return poll;
    return Math.max(0, Math.min(poll, Date.parse(due) - this.deps.now().getTime()));
  }
}
