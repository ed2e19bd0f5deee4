import type { Logger } from 'pino';
import type { Spool } from '../effects/spool.js';
import { backoffDelayMs, type BackoffPolicy } from '../model/backoff.js';
import type { Component } from '../model/component.js';
import type { SpooledMessage } from '../model/draft.js';
import type { Outcome } from '../model/outcome.js';

export interface SpoolRetrierDeps {
  spool: Spool;
  /** Processes one message (through the work queue); never throws. */
  process(message: SpooledMessage): Promise<Outcome>;
  policy: BackoffPolicy;
  logger: Logger;
  random?: () => number;
}

/**
 * A message whose processing ended in `retry` (an outage, a bug, a timeout) stays in the
 * spool — it was already acknowledged to its sender — and is tried again after a delay
 * that doubles up to `processing.retryMaxSeconds`. There is no last attempt: accepted mail
 * is never dropped; the health line shows how many wait. While `intake serve` is down the
 * spool keeps them, and the next start processes them first.
 */
export class SpoolRetrier implements Component {
  readonly name = 'spool-retry';
  private readonly deps: SpoolRetrierDeps;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly attempts = new Map<string, number>();
  private running = false;

  constructor(deps: SpoolRetrierDeps) {
    this.deps = deps;
  }

  get pending(): number {
    return this.timers.size;
  }

  async start(): Promise<void> {
    this.running = true;
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  /** Called for every `retry` outcome; a no-op unless running (`intake ingest` leaves retries to the MTA). */
  failed(spoolId: string): void {
    if (!this.running || this.timers.has(spoolId)) return;
    const attempt = this.attempts.get(spoolId) ?? 0;
    this.attempts.set(spoolId, attempt + 1);
    const delayMs = backoffDelayMs(attempt, this.deps.policy, this.deps.random);
    const timer = setTimeout(() => void this.retry(spoolId), delayMs);
    timer.unref();
    this.timers.set(spoolId, timer);
    this.deps.logger.warn({ spoolId, attempt: attempt + 1, delaySeconds: Math.round(delayMs / 100) / 10 }, 'message kept in the spool; retry scheduled');
  }

  private async retry(spoolId: string): Promise<void> {
    this.timers.delete(spoolId);
    if (!this.running) return;
    let message: SpooledMessage;
    try {
      message = await this.deps.spool.read(spoolId);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        // Finished meanwhile (a duplicate delivery of the same bytes, or another process).
        this.attempts.delete(spoolId);
        return;
      }
      this.deps.logger.error({ spoolId, err: (error as Error).message }, 'cannot read spooled message for retry');
      this.failed(spoolId);
      return;
    }
    const outcome = await this.deps.process(message);
    if (outcome.kind === 'retry') this.failed(spoolId);
    else this.attempts.delete(spoolId);
  }
}
