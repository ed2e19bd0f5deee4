/**
 * A long-running part of `intake serve` (pipeline workers, retry timer, transports, the
 * outbox sender). Constructors do nothing; `start` begins the work and `stop` ends it
 * after in-flight work is finished. The app starts components in list order and stops
 * them in reverse, so whatever feeds the pipeline stops before the pipeline does.
 */
export interface Component {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Listeners and links say whether they are up: the start-up line and GET /healthz read it. */
  health?(): ComponentHealth;
}

/**
 * `listener`: a socket we bind (SMTP, LMTP, metrics) — down means mail or scrapes are
 * refused, so /healthz answers 503. `link`: a connection we make (IMAP) — down is shown
 * but is the far side's outage, not ours, so it does not fail /healthz.
 */
export interface ComponentHealth {
  kind: 'listener' | 'link';
  up: boolean;
  /** host:port (or socket path) for a listener; account and server for a link. */
  address: string | null;
  detail?: string;
}
