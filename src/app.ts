import os from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from './config/schema.js';
import { loadAckTemplates } from './compose/ack-template.js';
import { composePlanned, type MailPlan } from './compose/mail-plan.js';
import type { OutgoingMail } from './model/outgoing-mail.js';
import { OutboxSender, type DeliverEntry } from './effects/outbox-sender.js';
import { pickupDirectory } from './effects/pickup-directory.js';
import { Counters } from './log/counters.js';
import { HealthReporter } from './log/health-reporter.js';
import { backoffFromSeconds } from './model/backoff.js';
import type { Component } from './model/component.js';
import type { ReceivedMessage } from './model/draft.js';
import type { Outcome } from './model/outcome.js';
import { temporary } from './model/errors.js';
import type { TransportInfo } from './model/transport.js';
import { processReceived } from './pipeline/process-received.js';
import { ReceiptRecovery } from './pipeline/receipt-recovery.js';
import type { EffectContext, KeyMaterial } from './pipeline/stage.js';
import { WorkQueue } from './pipeline/work-queue.js';
import { loadKeyring } from './keys/keyring.js';
import { loadTeamKey, unusableTeamKey } from './keys/load-team-key.js';
import { teamKeyFacts, type TeamKey, type TeamKeyFacts } from './keys/team-key.js';
import { NO_EVENTS, type IntakeEvents } from './model/intake-events.js';
import type { HealthSources } from './monitor/health.js';
import type { QueueDepths } from './monitor/metrics.js';
import { hardenedOpenpgpConfig } from './openpgp/openpgp-config.js';
import type { Sandbox } from './sandbox/sandbox.js';
import { startSandboxWorkers } from './sandbox/start-sandbox.js';
import type { WorkerSandbox } from './sandbox/worker-pool.js';
import { prepareZone } from './model/zoned-time.js';
import { HandoffSender } from './handoff/handoff-sender.js';
import { handoffConfigured, handoffTargetIds, handoffTargets } from './handoff/handoff-targets.js';
import { openPipelineStore } from './store/open-store.js';
import { ReceiptLeases } from './pipeline/receipt-leases.js';
import type { IntakeStore } from './store/store.js';

export interface AppDeps {
  config: Config;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
  /** `intake serve` (long-running) rather than a one-shot command: decides `workers: auto`. */
  daemon?: boolean;
  /** A one-shot command with many messages (`intake ingest` of a batch of files): `auto` starts workers too. */
  batch?: boolean;
  /** The team key, when the caller has already loaded and judged it (serve's start-up check). */
  teamKey?: TeamKey;
  /** Observers of messages, acks and workers (intake serve's metrics); default: none. */
  events?: IntakeEvents;
  /** Sandbox workers the caller started already (sandbox/start-sandbox.ts), or null for none (tasks inline). */
  sandbox?: WorkerSandbox | null;
}

export { sandboxWorkerCount } from './sandbox/start-sandbox.js';

/**
 * The composition root: opens the store and builds the pipeline context, and offers the
 * two verbs every transport needs — `accept` (raw bytes committed to the store: only now
 * may the sender be told "ok") and `process` (the pipeline, ending in one commit).
 * `openApp` reads the keys (once, at start-up); `start` recovers what an earlier run left
 * and starts the components (transports, recovery, outbox, health line); `stop` stops
 * them in reverse order, drains the work queue and closes the store.
 */
export interface App {
  readonly config: Config;
  readonly store: IntakeStore;
  readonly context: EffectContext;
  /** The key material this thread holds (serve; processing.workers: 0); null when only the sandbox workers hold it (one-shot commands). */
  readonly keys: KeyMaterial | null;
  readonly queue: WorkQueue;
  /** Delivers the outbox (to the relay, or into the pickup directory). Runs between start and stop. */
  readonly outboxSender: OutboxSender;
  readonly recovery: ReceiptRecovery;
  readonly counters: Counters;
  /** Which store holds the state, for the start-up line. */
  readonly storeInfo: { engine: string; location: string };
  /** The components of `intake serve`, by name (e.g. `smtp` for its bound port); filled by `start`. */
  readonly components: ReadonlyMap<string, Component>;
  accept(raw: Buffer, transport: TransportInfo): Promise<ReceivedMessage>;
  process(message: ReceivedMessage): Promise<Outcome>;
  /** accept + process, for one-shot callers such as `intake ingest`. */
  ingest(raw: Buffer, transport: TransportInfo): Promise<Outcome>;
  /** Processes what an earlier run of this node left received but unprocessed; returns how many were stored. */
  recoverReceived(): Promise<number>;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Messages waiting in each queue (GET /metrics). */
  depths(): Promise<QueueDepths>;
  /** What GET /healthz looks at: the store, the team key, the components. */
  readonly healthSources: HealthSources;
  /**
   * Re-reads the curated keyring (after `intake keys import/accept`; `intake serve` does
   * this on SIGHUP). Sandbox workers are replaced once their running task is done.
   */
  reloadKeys(): Promise<void>;
}

/** This node's lease prefix (stable across its restarts) and this process's lease owner. */
export function leaseOwner(config: Config): { nodePrefix: string; owner: string } {
  const nodePrefix = `${os.hostname()}:${config.archive.dir}#`;
  return { nodePrefix, owner: `${nodePrefix}${process.pid}.${randomBytes(4).toString('hex')}` };
}

export async function openApp({ config, logger, env = process.env, now = () => new Date(), daemon = false, batch = false, teamKey, events = NO_EVENTS, sandbox: started }: AppDeps): Promise<App> {
  // The sandbox workers start first: they read the keys and rules while this thread does too.
  // A caller may have started them earlier still (`intake ingest`); they are ours from here on.
  const pool = started !== undefined ? started : await startSandboxWorkers(config, env, { daemon, batch, logger, events });
  // Closed again if the app cannot be assembled (the store's thread would keep the process alive).
  let openedStore = null as IntakeStore | null;
  try {
    return await assembleApp();
  } catch (error) {
    await pool?.close(0);
    await openedStore?.close().catch(() => undefined);
    throw error;
  }

  async function loadKeyMaterial(): Promise<KeyMaterial> {
    const team = teamKey ?? (await loadTeamKey(config, env, now())).key;
    return { team, keyring: await loadKeyring(config.pgp.keyringDir, logger, hardenedOpenpgpConfig(config, team.isRsa)) };
  }

  async function assembleApp(): Promise<App> {
    // A one-shot command with sandbox workers holds no key: its first worker reads, unlocks
    // and judges the team key anyway and reports its facts (sandbox-worker.ts), so this
    // thread loads no OpenPGP key and opens the store meanwhile (a pipe delivery's start-up).
    const workersHoldKeys = pool !== null && !daemon && teamKey === undefined;
    const full: KeyMaterial | null = workersHoldKeys ? null : await loadKeyMaterial();
    const templates = await loadAckTemplates(config);
    const deliver: DeliverEntry =
      config.outbound.mode === 'smtp'
        ? await relayDeliver(config, env)
        : pickupDirectory(config.archive.dir);
    // store.thread (default): in its own thread for intake serve, so no COMMIT's fsync holds the SMTP event loop.
    const store = (openedStore = await openPipelineStore(config, env, { thread: daemon && config.store.thread, daemon }));
    // The report knowledge (forms, rules) lives where the tasks run: with workers, only there.
    const sandbox: Sandbox = pool ?? (await inlineTasks(config, full ?? (await loadKeyMaterial())));
    // The first message needs the zone's calendar: without Temporal (Node 24) its ICU data loads while the worker starts.
    prepareZone(config.team.timezone);
    // What the stages read (ContextKeys): with full keys that very object, so a reload swaps it for them too.
    const keys: { team: TeamKeyFacts } = full ?? { team: await teamKeyFromWorkers(pool, config) };
    const { nodePrefix, owner } = leaseOwner(config);
    // A process that delivers its own acks (serve; ingest writing pickup files) has its commits lease them to itself.
    const deliversOwn = daemon || config.outbound.mode === 'outbox';
    const outboxLease = () => ({ owner, now: now(), ms: config.outbound.leaseSeconds * 1000 });
    // Company for a message's store writes: another message in the work queue (running or waiting).
    const company = () => queue.depth > 1;
    const context: EffectContext = { config, now, keys, lookups: store.lookups, store, logger, templates, sandbox, events, company, ...(deliversOwn ? { outboxLease } : {}) };
    const leaseMs = config.processing.timeoutSeconds * 2000;
    // Pickup files are independent writes (their delivered marks then share transactions); a relay gets one at a time.
    const parallel = config.outbound.mode === 'outbox' ? 4 : 1;
    const outboxSender = new OutboxSender({ store, config, logger, now, deliver, owner, parallel, events, compose: (plan) => (full ? composePlanned(plan, full) : composeInSandbox(sandbox, plan, config)) });
    // Webhooks and Request Tracker (handoff.*): fed by the events the commits record.
    const handoffDeps = { config, env, tickets: store.tickets, queue: store.handoff, owner, now };
    const handoffSender = handoffConfigured(config) ? new HandoffSender({ ...handoffDeps, logger, loadTargets: () => handoffTargets(handoffDeps) }) : null;
    if (handoffSender) await store.handoff.registerTargets(handoffTargetIds(config));
    // The bound keeps memory flat under a burst: ~4 messages waiting per worker.
    const queue = new WorkQueue(config.processing.concurrency, config.processing.concurrency * 4 + 16);
    const counters = new Counters();
    // A received message's lease is kept while it waits in the queue and is processed (no other node takes it over meanwhile).
    const receiptLeases = new ReceiptLeases({ store, owner, leaseMs, logger, now });

    /** One message through the queue, its outcome counted. Never throws. */
    const processQueued = async (message: ReceivedMessage): Promise<Outcome> => {
      const outcome = await receiptLeases.during(message.receiptId, () => queue.push(() => processReceived(message, context)));
      const label = outcome.kind === 'archived' ? outcome.status : outcome.kind;
      counters.add(`outcome.${label}`);
      events.messageOutcome(message.transport.kind, label);
      // An acknowledgement (and hand-off events) may have been queued: deliver now rather than at the next poll.
      outboxSender.wake();
      handoffSender?.wake();
      return outcome;
    };
    const recovery = new ReceiptRecovery({
      store,
      process: processQueued,
      owner,
      nodePrefix,
      leaseMs,
      pollMs: config.processing.recoveryPollSeconds * 1000,
      policy: backoffFromSeconds(config.processing.retryMinSeconds, config.processing.retryMaxSeconds),
      logger,
      now,
      batch: () => Math.max(1, config.processing.concurrency * 4 + 16 - queue.depth),
    });
    const accept = (raw: Buffer, transport: TransportInfo): Promise<ReceivedMessage> => store.receive(raw, transport, now(), { owner, now: now(), ms: leaseMs });
    const process = async (message: ReceivedMessage): Promise<Outcome> => {
      const outcome = await processQueued(message);
      if (outcome.kind === 'retry') await recovery.failed(message, outcome.error.message).catch(() => undefined);
      return outcome;
    };

    const depths = async (): Promise<QueueDepths> => {
      const outbox = await store.outbox.counts();
      return { workQueue: queue.depth, received: await store.pendingReceipts(), retryPending: recovery.pending, outboxPending: outbox.pending, outboxFailed: outbox.failed };
    };
    const healthSources: HealthSources = {
      // A read the store must answer (one round trip on PostgreSQL).
      store: async () => void (await store.pendingReceipts()),
      teamKey: () => ({ fingerprint: keys.team.fingerprint, expires: keys.team.expires }),
      components: () => [...components.values()].flatMap((c) => (c.health ? [{ name: c.name, health: c.health() }] : [])),
      now,
    };

    let closed = false;
    /**
     * Shutdown's drain: in-flight messages may finish until `stopBy`; then the sandbox's
     * workers are ended (a message stuck in one does not hold the process; it stays
     * received and is processed again at the next start) and the rest drains at once.
     */
    let stopBy = Number.POSITIVE_INFINITY;
    const drainForShutdown = async (): Promise<void> => {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise((resolve) => (timer = setTimeout(resolve, Math.max(0, Math.min(stopBy - Date.now(), 2 ** 31 - 1)))));
      await Promise.race([queue.drain(), deadline]);
      clearTimeout(timer);
      await sandbox.close(0);
      await queue.drain();
    };
    const componentDeps: ComponentDeps = { config, logger, env, store, queue, counters, recovery, outboxSender, handoffSender, accept, process, drain: drainForShutdown };
    const components = new Map<string, Component>();
    const started: Component[] = [];

    const app: App = {
      config,
      store,
      context,
      keys: full,
      queue,
      outboxSender,
      recovery,
      counters,
      storeInfo: { engine: store.engine, location: store.location },
      components,
      depths,
      healthSources,
      accept,
      process,
      async ingest(raw, transport) {
        let received: ReceivedMessage;
        try {
          received = await app.accept(raw, transport);
        } catch (error) {
          logger.error({ err: (error as Error).message }, 'cannot write to the store');
          return { kind: 'retry', error: temporary('store-unwritable', 'cannot write to the store', error) };
        }
        return app.process(received);
      },
      recoverReceived: () => recovery.runOnce(true),
      /** Components in list order; if one fails to start, those started are stopped again. */
      async start() {
        for (const component of await serveComponents(componentDeps)) {
          components.set(component.name, component);
          try {
            await component.start();
          } catch (error) {
            await app.stop();
            throw error;
          }
          started.push(component);
        }
      },
      async reloadKeys() {
        // Stages read ctx.keys for every message: swapping the members is the whole reload.
        // Everything is read before anything is swapped, so a failure keeps the old keys.
        const loaded = await loadTeamKey(config, env, now());
        const keyring = await loadKeyring(config.pgp.keyringDir, logger, hardenedOpenpgpConfig(config, loaded.key.isRsa));
        if (loaded.key.fingerprint !== keys.team.fingerprint) {
          logger.warn({ previous: keys.team.fingerprint, fingerprint: loaded.key.fingerprint }, 'the team key changed: acks are now signed with the new key');
        }
        for (const warning of loaded.warnings) logger.warn({ fingerprint: loaded.key.fingerprint }, `the team key ${warning}`);
        // With full keys, `keys` is that same object.
        if (full) Object.assign(full, { team: loaded.key, keyring });
        else keys.team = teamKeyFacts(loaded.key);
        await sandbox.reload();
        logger.info({ keys: keyring.keys.length, teamKey: keys.team.fingerprint }, 'keyring reloaded');
      },
      /** Reverse order: transports stop accepting first; the queue drains; the store closes last. */
      async stop() {
        // Everything ends within smtp.closeTimeoutSeconds (less a margin for closing the store).
        stopBy = Date.now() + config.smtp.closeTimeoutSeconds * 1000 - 750;
        for (const component of started.splice(0).reverse()) {
          try {
            await component.stop();
          } catch (error) {
            logger.error({ component: component.name, err: (error as Error).message }, 'component failed to stop cleanly');
          }
        }
        await drainForShutdown();
        if (closed) return;
        closed = true;
        deliver.close?.();
        await receiptLeases.stop();
        await store.close();
      },
    };
    return app;
  }
}

/** The team key as the first sandbox worker judged it, refused as loadTeamKey refuses it. */
async function teamKeyFromWorkers(pool: WorkerSandbox | null, config: Config): Promise<TeamKeyFacts> {
  if (!pool) throw new Error('no sandbox workers to read the team key');
  const { facts, problems } = await pool.teamKey();
  if (problems.length > 0) throw unusableTeamKey(config.pgp.privateKeyFile, facts.fingerprint, problems);
  return facts;
}

/** A queued plan composed where the keys are: in a sandbox worker, within the processing budget. */
async function composeInSandbox(sandbox: Sandbox, plan: MailPlan, config: Config): Promise<OutgoingMail> {
  const run = await sandbox.run('compose', { plan }, { budgetMs: config.processing.timeoutSeconds * 1000, label: plan.headers.messageId });
  return run.value;
}

/**
 * `processing.workers: 0`: the tasks in this thread. Imported only then, with the readers
 * they need (mailparser, the report formats): with workers this thread never parses.
 */
async function inlineTasks(config: Config, keys: KeyMaterial): Promise<Sandbox> {
  const [{ inlineSandbox }, { pgpContextFor }, { outerLimits }, { loadReportKnowledge }] = await Promise.all([
    import('./sandbox/inline-sandbox.js'),
    import('./openpgp/pgp-context.js'),
    import('./pipeline/stages/parse-mime.js'),
    import('./report/knowledge.js'),
  ]);
  const report = await loadReportKnowledge(config);
  return inlineSandbox(() => ({ pgp: pgpContextFor({ config, keys }), report, outer: outerLimits(config) }));
}

async function relayDeliver(config: Config, env: NodeJS.ProcessEnv): Promise<DeliverEntry> {
  // Imported only for `outbound.mode: smtp`: one-shot commands never load nodemailer otherwise.
  const { createSmtpRelay } = await import('./effects/smtp-relay.js');
  const relay = await createSmtpRelay(config, env);
  const deliver: DeliverEntry = (raw, entry) => relay(raw, entry.recipient, entry.kind === 'reply' ? config.team.ackFrom : '');
  deliver.close = () => relay.close?.();
  return deliver;
}

interface ComponentDeps {
  config: Config;
  logger: Logger;
  env: NodeJS.ProcessEnv;
  store: IntakeStore;
  queue: WorkQueue;
  counters: Counters;
  recovery: ReceiptRecovery;
  outboxSender: OutboxSender;
  handoffSender: HandoffSender | null;
  accept: App['accept'];
  process: App['process'];
  /** Drains the work queue within the shutdown budget (then ends busy sandbox workers). */
  drain: () => Promise<void>;
}

/**
 * What `intake serve` runs, in start order (stop is the reverse). Recovery of what an
 * earlier run left comes before the transports: new mail is accepted once the old is
 * dealt with. At shutdown the transports stop first, then the work queue drains, and the
 * outbox sender stops last (acks of drained messages go out).
 */
async function serveComponents(deps: ComponentDeps): Promise<Component[]> {
  const { config, logger, store, queue, counters, recovery } = deps;
  const health = new HealthReporter(config.log.healthIntervalSeconds * 1000, logger, async () => {
    // The store answers first (from its thread): the figures read after it are of one moment.
    const received = await store.pendingReceipts();
    return { queueDepth: queue.depth, received, retryPending: recovery.pending, counts: counters.snapshot() };
  });
  // Stopped after the transports: what is in flight is finished before the outbox sender stops.
  const pipeline: Component = { name: 'pipeline', start: async () => undefined, stop: () => deps.drain() };
  // The hand-off sender stops last: the events of drained messages are handed off too.
  const components: Component[] = [...(deps.handoffSender ? [deps.handoffSender] : []), deps.outboxSender, pipeline, health, recovery];
  // Transports are imported only here, so one-shot commands never load smtp-server or imapflow.
  const intake = { accept: deps.accept, process: deps.process, hasRoom: () => queue.hasRoom(), waitForRoom: () => queue.waitForRoom() };
  if (config.smtp.enabled) {
    const { SmtpListener } = await import('./ingest/smtp-listener.js');
    components.push(new SmtpListener({ config, logger, counters, intake }));
  }
  if (config.lmtp.enabled) {
    const { LmtpListener } = await import('./ingest/lmtp-listener.js');
    components.push(new LmtpListener({ config, logger, counters, intake }));
  }
  if (config.imap.enabled) {
    const { ImapWatcher } = await import('./ingest/imap-watcher.js');
    components.push(
      new ImapWatcher({
        config,
        imapState: store.imap,
        logger,
        counters,
        env: deps.env,
        intake: { accept: deps.accept, process: deps.process, waitForRoom: () => queue.waitForRoom() },
      }),
    );
  }
  return components;
}
