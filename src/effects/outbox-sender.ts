import { mkdir } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { escapeForLog } from '../log/escape.js';
import { IntakeError } from '../model/errors.js';
import { ackFileName } from './archive-layout.js';
import type { Archive } from './archive.js';
import { writeFileAtomic } from './atomic-file.js';
import { withLock } from './locks.js';
import type { OutboxEntry } from './outbox.js';
import { recordAckOutcome } from './record-ack.js';
import type { Deliver } from './smtp-relay.js';

export interface OutboxSenderDeps {
  archive: Archive;
  config: Config;
  logger: Logger;
  now: () => Date;
  deliver: Deliver;
}

type Attempt = 'delivered' | 'deferred' | 'failed' | 'waiting' | 'not-due' | 'gone' | 'relay-down' | 'busy';

/**
 * The outbound half of `intake serve` (`outbound.mode: smtp`): delivers what the outbox
 * holds, one entry at a time under the entry's lock, only once the acknowledged message
 * is committed (message.json exists). Temporary failures are retried with exponential
 * backoff whose schedule lives in the entry itself, so it survives restarts; after
 * `giveUpAfterSeconds` (or at once on a 5xx) the entry moves to outbox/failed/ with an
 * error log. Delivered mail is archived as tickets/<ID>/acks/<NNN>.eml.
 *
 * Exactly once, and where that ends: the entry is marked delivered (fsync'd) right after
 * the relay's 250, and finishing a marked entry never re-sends. A crash after the relay
 * accepted the DATA and before that mark is written — a few milliseconds — sends the
 * ack a second time on restart; SMTP offers no way to close that window (RFC 1047).
 */
export class OutboxSender {
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
  }

  /** Something was queued: look now rather than at the next poll. */
  wake(): void {
    if (!this.running) return;
    if (this.pass) this.again = true;
    else this.schedule(0);
  }

  /** One pass over the outbox; returns when every due entry was tried once. */
  async runOnce(): Promise<Record<Attempt, number>> {
    const counts: Record<Attempt, number> = { delivered: 0, deferred: 0, failed: 0, waiting: 0, 'not-due': 0, gone: 0, 'relay-down': 0, busy: 0 };
    for (const key of await this.deps.archive.outbox.list()) {
      const result = await this.attempt(key);
      counts[result]++;
      // One unreachable relay is unreachable for every entry: try again next pass.
      if (result === 'relay-down') break;
    }
    return counts;
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

  /** Until the earliest retry is due, at most one poll interval (other processes queue too). */
  private async nextDelayMs(): Promise<number> {
    let delay = this.deps.config.outbound.pollSeconds * 1000;
    const now = this.deps.now().getTime();
    for (const key of await this.deps.archive.outbox.list().catch(() => [])) {
      const item = await this.deps.archive.outbox.read(key).catch(() => null);
      if (item) delay = Math.min(delay, Math.max(0, Date.parse(item.entry.nextAttemptAt) - now));
    }
    return Math.max(delay, 20);
  }

  /**
   * An entry whose lock another process holds — or a process that was killed holding
   * it, until the lock goes stale — is skipped this pass, not an error.
   */
  private async attempt(key: string): Promise<Attempt> {
    try {
      return await this.attemptLocked(key);
    } catch (error) {
      if (error instanceof IntakeError && error.code === 'lock-busy') return 'busy';
      throw error;
    }
  }

  private attemptLocked(key: string): Promise<Attempt> {
    const { archive } = this.deps;
    return withLock(archive.layout.lockFile(`outbox-${key}`), async () => {
      const item = await archive.outbox.read(key);
      if (!item) return 'gone';
      const { entry, raw } = item;
      if (entry.deliveredAt) return this.finish(entry, raw);
      if (!(await archive.tickets.readMessage(entry.ticket, entry.seq))) return 'waiting';
      const now = this.deps.now();
      if (Date.parse(entry.nextAttemptAt) > now.getTime()) return 'not-due';
      const result = await this.deps.deliver(raw, entry.recipient);
      const tried = { ...entry, attempts: entry.attempts + 1 };
      if (result.kind === 'delivered') {
        const delivered = { ...tried, deliveredAt: this.deps.now().toISOString(), lastError: null };
        await archive.outbox.update(delivered);
        return this.finish(delivered, raw);
      }
      const expired = now.getTime() - Date.parse(entry.queuedAt) >= this.deps.config.outbound.giveUpAfterSeconds * 1000;
      if (result.kind === 'permanent' || expired) return this.giveUp({ ...tried, lastError: result.error }, result.kind);
      const next = new Date(now.getTime() + this.backoffMs(tried.attempts));
      await archive.outbox.update({ ...tried, lastError: result.error, nextAttemptAt: next.toISOString() });
      this.deps.logger.warn(
        { ...ids(entry), attempts: tried.attempts, nextAttemptAt: next.toISOString(), err: escapeForLog(result.error, 300) },
        'ack delivery deferred; will retry',
      );
      return result.connection ? 'relay-down' : 'deferred';
    });
  }

  private backoffMs(attempts: number): number {
    const { retryInitialSeconds, retryMaxSeconds } = this.deps.config.outbound;
    return Math.min(retryMaxSeconds, retryInitialSeconds * 2 ** Math.max(0, attempts - 1)) * 1000;
  }

  /** Archive as sent, record it in message.json, drop the entry: each step idempotent. */
  private async finish(entry: OutboxEntry, raw: Buffer): Promise<Attempt> {
    const { archive, logger } = this.deps;
    await mkdir(archive.layout.acksDir(entry.ticket), { recursive: true });
    await writeFileAtomic(archive.layout.ackFile(entry.ticket, entry.seq, entry.kind), raw);
    const at = new Date(entry.deliveredAt ?? this.deps.now().toISOString());
    await recordAckOutcome(archive, entry, { status: 'sent', at, file: `acks/${ackFileName(entry.seq, entry.kind)}` });
    await archive.outbox.remove(entry.key);
    logger.info({ ...ids(entry), attempts: entry.attempts, encrypted: entry.encrypted }, 'ack delivered');
    return 'delivered';
  }

  private async giveUp(entry: OutboxEntry, why: 'permanent' | 'temporary'): Promise<Attempt> {
    const { archive, logger } = this.deps;
    await archive.outbox.moveToFailed(entry);
    await recordAckOutcome(archive, entry, { status: 'failed', at: this.deps.now(), error: entry.lastError ?? why });
    logger.error(
      { ...ids(entry), attempts: entry.attempts, queuedAt: entry.queuedAt, err: escapeForLog(entry.lastError ?? '', 300) },
      why === 'permanent' ? 'ack delivery refused by the relay; given up' : 'ack delivery given up after outbound.giveUpAfterSeconds',
    );
    return 'failed';
  }
}

function ids(entry: OutboxEntry) {
  return { ticket: entry.ticket, seq: entry.seq, kind: entry.kind, to: escapeForLog(entry.recipient, 120) };
}
