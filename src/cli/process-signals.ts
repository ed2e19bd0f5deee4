/**
 * The signals a command may act on, as main.ts (the process edge) delivers them:
 * - `stop`: aborted by the first SIGTERM/SIGINT (finish in-flight work, then exit; a
 *   second one exits at once — main.ts does that);
 * - `SIGHUP`: `intake serve` re-reads its keys and reopens the log file (logrotate);
 *   a command that does not subscribe treats a hang-up as a stop (a closed terminal);
 * - `SIGUSR1`/`SIGUSR2`: never Node's defaults — SIGUSR1 would open the inspector on
 *   127.0.0.1:9229 in the process holding the unlocked team key, SIGUSR2 would kill it.
 *   They are only reported (by the subscriber, or on stderr).
 */
export type HandledSignal = 'SIGHUP' | 'SIGUSR1' | 'SIGUSR2';

export class ProcessSignals {
  private readonly controller = new AbortController();
  private readonly handlers = new Map<HandledSignal, Set<() => void>>();
  private readonly report: (line: string) => void;

  constructor(report: (line: string) => void = () => undefined) {
    this.report = report;
  }

  get stop(): AbortSignal {
    return this.controller.signal;
  }

  /** Subscribes to one signal; returns the unsubscribe function. */
  on(signal: HandledSignal, handler: () => void): () => void {
    const set = this.handlers.get(signal) ?? new Set();
    set.add(handler);
    this.handlers.set(signal, set);
    return () => set.delete(handler);
  }

  /** First SIGTERM/SIGINT. */
  requestStop(): void {
    this.controller.abort();
  }

  /** Delivers a signal to its subscribers, or applies the default described above. */
  deliver(signal: HandledSignal): void {
    const subscribers = [...(this.handlers.get(signal) ?? [])];
    if (subscribers.length > 0) {
      for (const handler of subscribers) handler();
      return;
    }
    if (signal === 'SIGHUP') this.requestStop();
    else this.report(`intake: ${signal} ignored (this process has no inspector and does not stop on it)`);
  }
}
