import type { Logger } from 'pino';
import { backoffDelayMs, type BackoffPolicy } from '../model/backoff.js';
import type { Component } from '../model/component.js';
import type { ReceivedMessage } from '../model/draft.js';
import type { Outcome } from '../model/outcome.js';
import type { IntakeStore, Lease } from '../store/store.js';

export interface ReceiptRecoveryDeps {
  store: IntakeStore;
  /** Processes one message (through the work queue); never throws. */
  process(message: ReceivedMessage): Promise<Outcome>;
  /** This process's lease owner, and the prefix its earlier incarnations used (taken over at start). */
  owner: string;
  nodePrefix: string;
  leaseMs: number;
  pollMs: number;
  policy: BackoffPolicy;
  logger: Logger;
  now: () => Date;
  /** How many to take per pass (the work queue's free room). */
  batch: () => number;
  random?: () => number;
}

/**
 * Finishes what is received but not processed, from the store: at start, what this
 * node's previous run left (a crash, a kill); then, every poll, whatever is due — a
 * message whose processing failed (retried with a delay doubling up to
 * `processing.retryMaxSeconds`, never dropped: accepted mail is kept), or one another
 * process or node received and did not finish before its lease ran out. The store's
 * lease decides who takes a receipt; dedup makes a second attempt harmless.
 */
export class ReceiptRecovery implements Component {
  readonly name = 'receipt-recovery';
  private readonly deps: ReceiptRecoveryDeps;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private pass: Promise<void> | null = null;
  private readonly attempts = new Map<string, number>();

  constructor(deps: ReceiptRecoveryDeps) {
    this.deps = deps;
  }

  /** Messages this process is retrying (for the health line). */
  get pending(): number {
    return this.attempts.size;
  }

  async start(): Promise<void> {
    this.running = true;
    const recovered = await this.runOnce(true);
    if (recovered > 0) this.deps.logger.info({ count: recovered }, 'received messages recovered');
    this.schedule(this.deps.pollMs);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.pass;
  }

  /** A `retry` outcome: the receipt is due again after a backoff (any node may take it then). */
  async failed(message: ReceivedMessage, error: string): Promise<void> {
    const attempt = this.attempts.get(message.receiptId) ?? 0;
    this.attempts.set(message.receiptId, attempt + 1);
    const delayMs = backoffDelayMs(attempt, this.deps.policy, this.deps.random);
    await this.deps.store.receiptFailed(message.receiptId, error, new Date(this.deps.now().getTime() + delayMs));
    this.deps.logger.warn({ receipt: message.receiptId, attempt: attempt + 1, delaySeconds: Math.round(delayMs / 100) / 10 }, 'message kept in the store; retry scheduled');
  }

  /** One pass: claims due receipts and processes them; resolves when they are done. Returns how many were stored. */
  async runOnce(takeOverOwn = false): Promise<number> {
    const lease: Lease = { owner: this.deps.owner, now: this.deps.now(), ms: this.deps.leaseMs };
    let stored = 0;
    for (;;) {
      const room = Math.max(1, this.deps.batch());
      const claimed = await this.deps.store.claimReceipts(lease, room, takeOverOwn ? this.deps.nodePrefix : null);
      if (claimed.length === 0) return stored;
      const outcomes = await Promise.all(claimed.map((message) => this.processOne(message)));
      stored += outcomes.filter((o) => o.kind === 'archived').length;
      if (claimed.length < room) return stored;
    }
  }

  private async processOne(message: ReceivedMessage): Promise<Outcome> {
    const outcome = await this.deps.process(message);
    if (outcome.kind === 'retry') await this.failed(message, outcome.error.message).catch(() => undefined);
    else this.attempts.delete(message.receiptId);
    return outcome;
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.pass = this.loop().finally(() => (this.pass = null));
    }, delayMs);
    this.timer.unref();
  }

  private async loop(): Promise<void> {
    try {
      await this.runOnce();
    } catch (error) {
      this.deps.logger.error({ err: (error as Error).message }, 'receipt recovery pass failed; retrying later');
    }
    const next = await this.deps.store.nextReceiptDue().catch(() => null);
    const untilDue = next ? Date.parse(next) - this.deps.now().getTime() : this.deps.pollMs;
    this.schedule(Math.max(20, Math.min(this.deps.pollMs, untilDue)));
  }
}
