/**
 * A bounded queue of asynchronous jobs with fixed concurrency. Transports ask `hasRoom`
 * before accepting more (SMTP answers 451 when it is full: back-pressure instead of
 * unbounded memory). `drain` resolves when everything queued has finished.
 */
export class WorkQueue {
  private readonly concurrency: number;
  private readonly capacity: number;
  private readonly waiting: Array<() => Promise<void>> = [];
  private running = 0;
  private idleWaiters: Array<() => void> = [];
  private roomWaiters: Array<() => void> = [];

  constructor(concurrency: number, capacity: number) {
    this.concurrency = concurrency;
    this.capacity = capacity;
  }

  get depth(): number {
    return this.waiting.length + this.running;
  }

  hasRoom(): boolean {
    return this.depth < this.capacity;
  }

  /** Runs `job` when a slot is free; the returned promise settles with the job. */
  push<T>(job: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push(() => job().then(resolve, reject));
      this.pump();
    });
  }

  /** Resolves once `hasRoom()` is true: for transports that can wait instead of refusing (IMAP). */
  waitForRoom(): Promise<void> {
    if (this.hasRoom()) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  drain(): Promise<void> {
    if (this.depth === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.running < this.concurrency && this.waiting.length > 0) {
      const next = this.waiting.shift()!;
      this.running++;
      void next().finally(() => {
        this.running--;
        this.pump();
        if (this.hasRoom() && this.roomWaiters.length > 0) {
          const waiters = this.roomWaiters;
          this.roomWaiters = [];
          for (const resolve of waiters) resolve();
        }
        if (this.depth === 0) {
          const waiters = this.idleWaiters;
          this.idleWaiters = [];
          for (const resolve of waiters) resolve();
        }
      });
    }
  }
}
