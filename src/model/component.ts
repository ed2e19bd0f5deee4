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
}
