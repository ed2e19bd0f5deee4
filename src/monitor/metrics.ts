import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { IntakeEvents, MessageOutcomeLabel, ReportEvent } from '../model/intake-events.js';

/** Queue depths, read at scrape time (the app's view, whatever store holds them). */
export interface QueueDepths {
  workQueue: number;
  /** Received (raw bytes stored), not yet processed. */
  received: number;
  retryPending: number;
  outboxPending: number;
  outboxFailed: number;
}

/** What the gauges read at scrape time, from the running app (attached once it is open). */
export interface MetricsSources {
  teamKeyExpires: () => Date | null;
  depths: () => Promise<QueueDepths>;
}

/**
 * The Prometheus view of `intake serve` (prom-client, text format 0.0.4), in its own
 * registry: messages by transport and outcome, crypto verdicts, acknowledgements, queue
 * depths, processing time, worker restarts and budget overruns, the team key's expiry,
 * and Node's process metrics. Label values are our own words only (verdicts, transport
 * kinds, budget names), so the series stay few and no report text can reach a label.
 */
export class IntakeMetrics implements IntakeEvents {
  readonly registry = new Registry();
  private readonly messages: Counter<'transport' | 'outcome'>;
  private readonly encryption: Counter<'status'>;
  private readonly signature: Counter<'status'>;
  private readonly acks: Counter<'event'>;
  private readonly suppressed: Counter<'reason'>;
  private readonly processing: Histogram;
  private readonly restarts: Counter;
  private readonly overruns: Counter<'budget'>;
  private sources: MetricsSources | null = null;

  constructor(version: string) {
    const registers = [this.registry];
    // prom-client calls `collect` with the metric as `this`; the sources are ours.
    const self = this;
    this.messages = new Counter({ name: 'intake_messages_total', help: 'Messages through the pipeline, by transport and outcome (retry: kept in the spool)', labelNames: ['transport', 'outcome'], registers });
    this.encryption = new Counter({ name: 'intake_reports_encryption_total', help: 'Archived reports by encryption verdict', labelNames: ['status'], registers });
    this.signature = new Counter({ name: 'intake_reports_signature_total', help: 'Archived reports by signature verdict', labelNames: ['status'], registers });
    this.acks = new Counter({ name: 'intake_acks_total', help: 'Acknowledgements: queued or suppressed by the pipeline; delivered, deferred or failed by the outbox sender', labelNames: ['event'], registers });
    this.suppressed = new Counter({ name: 'intake_acks_suppressed_total', help: 'Acknowledgements not sent, by reason', labelNames: ['reason'], registers });
    this.processing = new Histogram({
      name: 'intake_processing_seconds',
      help: 'Time from taking a message off the work queue to its archived record',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120],
      registers,
    });
    this.restarts = new Counter({ name: 'intake_worker_restarts_total', help: 'Worker threads replaced after they died or were stopped', registers });
    this.overruns = new Counter({ name: 'intake_budget_overruns_total', help: 'Messages that overran a processing budget (kept raw, recorded as overrun)', labelNames: ['budget'], registers });
    new Gauge({
      name: 'intake_queue_depth',
      help: 'Waiting: work (in the work queue), received (stored raw, not yet processed), retry (waiting for a retry), outbox (acks to deliver), outbox-failed (acks given up)',
      labelNames: ['queue'],
      registers,
      async collect() {
        if (!self.sources) return;
        const d = await self.sources.depths();
        this.set({ queue: 'work' }, d.workQueue);
        this.set({ queue: 'received' }, d.received);
        this.set({ queue: 'retry' }, d.retryPending);
        this.set({ queue: 'outbox' }, d.outboxPending);
        this.set({ queue: 'outbox-failed' }, d.outboxFailed);
      },
    });
    new Gauge({
      name: 'intake_team_key_expiry_timestamp_seconds',
      help: 'When the team key expires (Unix time); +Inf when it never expires (alert on it minus time() < 30 days)',
      registers,
      collect() {
        if (!self.sources) return;
        const expires = self.sources.teamKeyExpires();
        this.set(expires ? Math.floor(expires.getTime() / 1000) : Infinity);
      },
    });
    new Gauge({ name: 'intake_build_info', help: 'csirt-intake version and Node.js runtime', labelNames: ['version', 'node'], registers }).set({ version, node: process.version }, 1);
    collectDefaultMetrics({ register: this.registry });
  }

  /** The app the gauges read from; until then they are left out of a scrape. */
  attach(sources: MetricsSources): void {
    this.sources = sources;
  }

  messageOutcome(transport: string, outcome: MessageOutcomeLabel): void {
    this.messages.inc({ transport, outcome });
  }

  reportProcessed(report: ReportEvent): void {
    this.encryption.inc({ status: report.encryption });
    this.signature.inc({ status: report.signature });
    if (report.ack === 'queued') this.acks.inc({ event: 'queued' });
    else {
      this.acks.inc({ event: 'suppressed' });
      this.suppressed.inc({ reason: report.ack });
    }
    this.processing.observe(report.durationMs / 1000);
  }

  ackDelivery(result: 'delivered' | 'deferred' | 'failed'): void {
    this.acks.inc({ event: result });
  }

  workerRestarted(): void {
    this.restarts.inc();
  }

  budgetOverrun(budget: string): void {
    this.overruns.inc({ budget });
  }

  /** The text a scrape gets, and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
