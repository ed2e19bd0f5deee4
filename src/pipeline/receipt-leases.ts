import type { Logger } from 'pino';
import type { IntakeStore, Lease } from '../store/store.js';

export interface ReceiptLeasesDeps {
  store: Pick<IntakeStore, 'renewReceipts'>;
  owner: string;
  /** The lease each renewal grants (2 × processing.timeoutSeconds). */
  leaseMs: number;
  logger: Logger;
  now: () => Date;
}

/**
 * Keeps this process's lease on the receipts it holds — from the 250 (or the claim) until
 * the outcome — for as long as it holds them. A receipt's lease is what tells another node,
 * or this node's own recovery pass, that nobody is working on it; a message that waits in
 * a full work queue behind slow ones, or whose processing runs long, would otherwise be
 * taken over and processed twice. Every quarter of a lease, one write renews them all.
 *
 * If this process stalls for longer than a lease (a paused VM), another node may still
 * take a receipt over; the renewal then reports it lost and the store's dedup makes the
 * second processing harmless.
 */
export class ReceiptLeases {
  private readonly deps: ReceiptLeasesDeps;
  private readonly held = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private renewing: Promise<void> | null = null;

  constructor(deps: ReceiptLeasesDeps) {
    this.deps = deps;
  }

  /** How many receipts are held now. */
  get size(): number {
    return this.held.size;
  }

  /** Holds `receiptId` until `work` settles, renewing its lease meanwhile. */
  async during<T>(receiptId: string, work: () => Promise<T>): Promise<T> {
    this.held.set(receiptId, (this.held.get(receiptId) ?? 0) + 1);
    this.schedule();
    try {
      return await work();
    } finally {
      const count = (this.held.get(receiptId) ?? 1) - 1;
      if (count > 0) this.held.set(receiptId, count);
      else this.held.delete(receiptId);
      if (this.held.size === 0) this.cancel();
    }
  }

  /** Stops renewing (shutdown); what is still held keeps the lease it has. */
  async stop(): Promise<void> {
    this.cancel();
    await this.renewing;
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.renewing = this.renew().finally(() => {
        this.renewing = null;
        if (this.held.size > 0) this.schedule();
      });
    }, Math.max(50, Math.floor(this.deps.leaseMs / 4)));
    // Never what keeps the process alive: the work it covers does that.
    this.timer.unref();
  }

  private cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private async renew(): Promise<void> {
    const ids = [...this.held.keys()];
    if (ids.length === 0) return;
    const lease: Lease = { owner: this.deps.owner, now: this.deps.now(), ms: this.deps.leaseMs };
    try {
      const lost = await this.deps.store.renewReceipts(ids, lease);
      if (lost.length > 0) this.deps.logger.warn({ receipts: lost }, 'receipt lease taken over by another process while this one held it; dedup decides');
    } catch (error) {
      this.deps.logger.warn({ err: (error as Error).message }, 'cannot renew receipt leases; retrying');
    }
  }
}
