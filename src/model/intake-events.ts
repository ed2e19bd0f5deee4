/**
 * What the running daemon tells its observers (GET /metrics): one call per event, names
 * and labels chosen by our code, never message text. The pipeline, the outbox sender and
 * the OpenPGP workers call it; `intake serve` with `metrics.enabled` passes the Prometheus
 * implementation (monitor/metrics.ts), every other command the no-op below.
 */
export type MessageOutcomeLabel = 'new' | 'followup' | 'duplicate' | 'retry' | 'reject';
export type AckEvent = 'queued' | 'suppressed' | 'delivered' | 'deferred' | 'failed';

export interface ReportEvent {
  transport: string;
  encryption: string;
  signature: string;
  /** `queued`, or the suppression reason (`rate-limited`, `no-envelope-sender` …), or `disabled`. */
  ack: string;
  durationMs: number;
}

export interface IntakeEvents {
  /** Every message that went through the work queue, by how it ended. */
  messageOutcome(transport: string, outcome: MessageOutcomeLabel): void;
  /** A report archived by the pipeline (not a duplicate), with its verdicts. */
  reportProcessed(report: ReportEvent): void;
  /** The outbox sender's results. */
  ackDelivery(result: 'delivered' | 'deferred' | 'failed'): void;
  /** An OpenPGP/parsing worker thread was replaced (it died or was stopped). */
  workerRestarted(): void;
  /** A message overran its processing budget (time, memory, counts) and was recorded as such. */
  budgetOverrun(budget: string): void;
}

export const NO_EVENTS: IntakeEvents = {
  messageOutcome: () => undefined,
  reportProcessed: () => undefined,
  ackDelivery: () => undefined,
  workerRestarted: () => undefined,
  budgetOverrun: () => undefined,
};
