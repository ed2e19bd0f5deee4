import type { Logger } from 'pino';
import type { Component } from '../model/component.js';

/**
 * `intake serve` writes one `health` line at debug level every interval: queue depth,
 * messages received but not yet processed, pending retries and the counters. Operators see a daemon that is alive
 * but stuck (a growing backlog, a full queue) without any per-message noise.
 */
export class HealthReporter implements Component {
  readonly name = 'health';
  private timer: NodeJS.Timeout | null = null;
  private readonly intervalMs: number;
  private readonly logger: Logger;
  private readonly probe: () => Promise<Record<string, unknown>>;

  constructor(intervalMs: number, logger: Logger, probe: () => Promise<Record<string, unknown>>) {
    this.intervalMs = intervalMs;
    this.logger = logger;
    this.probe = probe;
  }

  async start(): Promise<void> {
    this.timer = setInterval(() => void this.report(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async report(): Promise<void> {
    try {
      this.logger.debug(await this.probe(), 'health');
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'health probe failed');
    }
  }
}
