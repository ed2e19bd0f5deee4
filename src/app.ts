import os from 'node:os';
import type { Logger } from 'pino';
import type { Config } from './config/schema.js';
import { loadAckTemplates } from './compose/ack-template.js';
import { Archive } from './effects/archive.js';
import { OutboxSender } from './effects/outbox-sender.js';
import { Counters } from './log/counters.js';
import { HealthReporter } from './log/health-reporter.js';
import { backoffFromSeconds } from './model/backoff.js';
import type { Component } from './model/component.js';
import type { SpooledMessage } from './model/draft.js';
import type { Outcome } from './model/outcome.js';
import { temporary } from './model/errors.js';
import type { TransportInfo } from './model/transport.js';
import { processSpooled } from './pipeline/process-spooled.js';
import { SpoolRetrier } from './pipeline/spool-retrier.js';
import { lookupsFor, type EffectContext, type KeyMaterial } from './pipeline/stage.js';
import { WorkQueue } from './pipeline/work-queue.js';
import { loadKeyring } from './keys/keyring.js';
import { loadTeamKey } from './keys/load-team-key.js';
import type { TeamKey } from './keys/team-key.js';
import { hardenedOpenpgpConfig } from './openpgp/openpgp-config.js';
import { loadReportKnowledge } from './report/knowledge.js';
import { startOpenpgpWorkers } from './openpgp/openpgp-workers.js';
import { readSecret, SECRET_ENV } from './config/secrets.js';

export interface AppDeps {
  config: Config;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
  /** `intake serve` (long-running) rather than a one-shot command: decides `openpgpWorkers: auto`. */
  daemon?: boolean;
  /** The team key, when the caller has already loaded and judged it (serve's start-up check). */
  teamKey?: TeamKey;
}

/** How many OpenPGP worker threads to start for this process. */
export function openpgpWorkerCount(config: Config, daemon: boolean): number {
  const setting = config.processing.openpgpWorkers;
  if (setting !== 'auto') return setting;
  return daemon ? Math.min(os.availableParallelism(), 4) : 0;
}

/**
 * The composition root: builds the archive and the pipeline context, and offers the two
 * verbs every transport needs — `accept` (durable in the spool: only now may the sender
 * be told "ok") and `process` (spool → archive). `openApp` reads the keys (once, at
 * start-up); `start` recovers the spool and starts the components (transports, retries,
 * health line); `stop` stops them in reverse order and drains the work queue.
 */
export interface App {
  readonly config: Config;
  readonly archive: Archive;
  readonly context: EffectContext;
  readonly queue: WorkQueue;
  /** Delivers the outbox (`outbound.mode: smtp`); null in outbox mode. Runs between start and stop. */
  readonly outboxSender: OutboxSender | null;
  readonly counters: Counters;
  /** Which store holds the state, for the start-up line (the file archive until src/store/ lands). */
  readonly storeInfo: { engine: string; location: string };
  /** The components of `intake serve`, by name (e.g. `smtp` for its bound port); filled by `start`. */
  readonly components: ReadonlyMap<string, Component>;
  accept(raw: Buffer, transport: TransportInfo): Promise<SpooledMessage>;
  process(message: SpooledMessage): Promise<Outcome>;
  /** accept + process, for one-shot callers such as `intake ingest`. */
  ingest(raw: Buffer, transport: TransportInfo): Promise<Outcome>;
  /** Processes every message left in the spool by an earlier run; returns how many. */
  recoverSpool(): Promise<number>;
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * Re-reads the curated keyring (after `intake keys import/accept`; `intake serve` does
   * this on SIGHUP). OpenPGP workers are replaced once their in-flight messages finish.
   */
  reloadKeys(): Promise<void>;
}

export async function openApp({ config, logger, env = process.env, now = () => new Date(), daemon = false, teamKey }: AppDeps): Promise<App> {
  const archive = new Archive(config.archive.dir, config.team.ticketPrefix);
  const team = teamKey ?? (await loadTeamKey(config, env, now())).key;
  const keyring = await loadKeyring(config.pgp.keyringDir, logger, hardenedOpenpgpConfig(config, team.isRsa));
  const workerCount = openpgpWorkerCount(config, daemon);
  const workers = workerCount > 0
    ? await startOpenpgpWorkers(config, await readSecret(config.pgp.passphraseFile, SECRET_ENV.pgpPassphrase, env), workerCount)
    : undefined;
  const keys: KeyMaterial = { team, keyring, ...(workers ? { workers } : {}) };
  const templates = await loadAckTemplates(config);
  const report = await loadReportKnowledge(config);
  const context: EffectContext = { config, now, keys, lookups: lookupsFor(archive), report, archive, logger, templates };
  const outboxSender =
    config.outbound.mode === 'smtp'
      ? new OutboxSender({ archive, config, logger, now, deliver: await (await import('./effects/smtp-relay.js')).createSmtpRelay(config, env) })
      : null;
  // The bound keeps memory flat under a burst: ~4 messages waiting per worker.
  const queue = new WorkQueue(config.processing.concurrency, config.processing.concurrency * 4 + 16);
  const counters = new Counters();

  /** One message through the queue, its outcome counted. Never throws. */
  const processQueued = async (message: SpooledMessage | (() => Promise<SpooledMessage>)): Promise<Outcome> => {
    const outcome = await queue.push(async () =>
      processSpooled(typeof message === 'function' ? await message() : message, context),
    );
    counters.add(outcome.kind === 'archived' ? `outcome.${outcome.status}` : `outcome.${outcome.kind}`);
    // An acknowledgement may have been queued: deliver it now rather than at the next poll.
    outboxSender?.wake();
    return outcome;
  };
  const retrier = new SpoolRetrier({
    spool: archive.spool,
    process: processQueued,
    policy: backoffFromSeconds(config.processing.retryMinSeconds, config.processing.retryMaxSeconds),
    logger,
  });
  const accept = async (raw: Buffer, transport: TransportInfo): Promise<SpooledMessage> =>
    archive.spool.put(raw, transport, now());
  const process = async (message: SpooledMessage): Promise<Outcome> => {
    const outcome = await processQueued(message);
    if (outcome.kind === 'retry') retrier.failed(message.spoolId);
    return outcome;
  };

  /** Processes what an earlier run left in the spool; its `retry` outcomes go to the retrier. */
  const recoverSpool = async (): Promise<number> => {
    const ids = await archive.spool.list();
    if (ids.length > 0) logger.info({ count: ids.length }, 'recovering spooled messages');
    let processed = 0;
    // Each job reads its own entry when its turn comes, so a large spool is never all in
    // memory at once. An unreadable entry is left where it is, for an operator to inspect.
    await Promise.all(
      ids.map(async (id) => {
        try {
          const outcome = await processQueued(() => archive.spool.read(id));
          if (outcome.kind === 'archived') processed++;
          else retrier.failed(id);
        } catch (error) {
          logger.error({ spoolId: id, err: (error as Error).message }, 'cannot read a spooled message; left in the spool');
        }
      }),
    );
    await archive.spool.removeStaleTemps(60 * 60 * 1000);
    if (ids.length > 0) logger.info({ count: ids.length, archived: processed }, 'spool recovered');
    return processed;
  };

  const componentDeps: ComponentDeps = { config, logger, env, archive, queue, counters, retrier, outboxSender, accept, process, recoverSpool };
  const components = new Map<string, Component>();
  const started: Component[] = [];

  const app: App = {
    config,
    archive,
    context,
    queue,
    outboxSender,
    counters,
    storeInfo: { engine: 'files', location: config.archive.dir },
    components,
    accept,
    process,
    async ingest(raw, transport) {
      let spooled: SpooledMessage;
      try {
        spooled = await app.accept(raw, transport);
      } catch (error) {
        logger.error({ err: (error as Error).message }, 'cannot write to the spool');
        return { kind: 'retry', error: temporary('spool-unwritable', 'cannot write to the spool', error) };
      }
      return app.process(spooled);
    },
    recoverSpool,
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
      keys.team = loaded.key;
      keys.keyring = keyring;
      if (keys.workers) {
        const old = keys.workers;
        keys.workers = await startOpenpgpWorkers(config, await readSecret(config.pgp.passphraseFile, SECRET_ENV.pgpPassphrase, env), workerCount);
        await old.close();
      }
      logger.info({ keys: keys.keyring.keys.length, teamKey: keys.team.fingerprint }, 'keyring reloaded');
    },
    /** Reverse order: transports stop accepting first; the queue drains last. */
    async stop() {
      for (const component of started.splice(0).reverse()) {
        try {
          await component.stop();
        } catch (error) {
          logger.error({ component: component.name, err: (error as Error).message }, 'component failed to stop cleanly');
        }
      }
      await queue.drain();
      await keys.workers?.close();
    },
  };
  return app;
}

interface ComponentDeps {
  config: Config;
  logger: Logger;
  env: NodeJS.ProcessEnv;
  archive: Archive;
  queue: WorkQueue;
  counters: Counters;
  retrier: SpoolRetrier;
  outboxSender: OutboxSender | null;
  accept: App['accept'];
  process: App['process'];
  recoverSpool: App['recoverSpool'];
}

/**
 * What `intake serve` runs, in start order (stop is the reverse). Spool recovery comes
 * after the retrier (so its retries are scheduled) and before the transports: new mail
 * is accepted once the old is dealt with. At shutdown the transports stop first, then the
 * work queue drains, and the outbox sender stops last (acks of drained messages go out).
 */
async function serveComponents(deps: ComponentDeps): Promise<Component[]> {
  const { config, logger, archive, queue, counters, retrier } = deps;
  const health = new HealthReporter(config.log.healthIntervalSeconds * 1000, logger, async () => ({
    queueDepth: queue.depth,
    spooled: (await archive.spool.list()).length,
    retryPending: retrier.pending,
    counts: counters.snapshot(),
  }));
  // Stopped after the transports: what is in flight is finished before the outbox sender stops.
  const pipeline: Component = { name: 'pipeline', start: async () => undefined, stop: () => queue.drain() };
  const recovery: Component = { name: 'spool-recovery', start: async () => void (await deps.recoverSpool()), stop: async () => undefined };
  const components: Component[] = [...(deps.outboxSender ? [deps.outboxSender] : []), pipeline, retrier, health, recovery];
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
        stateDir: archive.layout.stateDir,
        logger,
        counters,
        env: deps.env,
        intake: { accept: deps.accept, process: deps.process, waitForRoom: () => queue.waitForRoom() },
      }),
    );
  }
  return components;
}

