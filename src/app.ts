import type { Logger } from 'pino';
import type { Config } from './config/schema.js';
import { loadAckTemplates } from './compose/ack-template.js';
import { Archive } from './effects/archive.js';
import { OutboxSender } from './effects/outbox-sender.js';
import { createSmtpRelay } from './effects/smtp-relay.js';
import type { SpooledMessage } from './model/draft.js';
import type { Outcome } from './model/outcome.js';
import { temporary } from './model/errors.js';
import type { TransportInfo } from './model/transport.js';
import { processSpooled } from './pipeline/process-spooled.js';
import { lookupsFor, type EffectContext, type KeyMaterial } from './pipeline/stage.js';
import { WorkQueue } from './pipeline/work-queue.js';
import { loadKeyring } from './keys/keyring.js';
import { loadOrCreateTeamKey } from './keys/team-key.js';
import { hardenedOpenpgpConfig } from './openpgp/openpgp-config.js';
import { loadReportKnowledge } from './report/knowledge.js';
import { startOpenpgpWorkers } from './openpgp/openpgp-workers.js';
import { readSecret, SECRET_ENV } from './config/secrets.js';

export interface AppDeps {
  config: Config;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
}

/**
 * The composition root: builds the archive and the pipeline context, and offers the two
 * verbs every transport needs — `accept` (durable in the spool: only now may the sender
 * be told "ok") and `process` (spool → archive). `openApp` reads the keys (once, at
 * start-up); `start` recovers the spool and starts the transports.
 */
export interface App {
  readonly config: Config;
  readonly archive: Archive;
  readonly context: EffectContext;
  readonly queue: WorkQueue;
  /** Delivers the outbox (`outbound.mode: smtp`); null in outbox mode. Runs between start and stop. */
  readonly outboxSender: OutboxSender | null;
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

export async function openApp({ config, logger, env = process.env, now = () => new Date() }: AppDeps): Promise<App> {
  const archive = new Archive(config.archive.dir, config.team.ticketPrefix);
  const team = await loadOrCreateTeamKey(config, env, logger, now);
  const keyring = await loadKeyring(config.pgp.keyringDir, logger, hardenedOpenpgpConfig(config, team.isRsa));
  const workers = config.processing.openpgpWorkers > 0
    ? await startOpenpgpWorkers(config, await readSecret(config.pgp.passphraseFile, SECRET_ENV.pgpPassphrase, env), config.processing.openpgpWorkers)
    : undefined;
  const keys: KeyMaterial = { team, keyring, ...(workers ? { workers } : {}) };
  const templates = await loadAckTemplates(config);
  const report = await loadReportKnowledge(config);
  const context: EffectContext = { config, now, keys, lookups: lookupsFor(archive), report, archive, logger, templates };
  const outboxSender =
    config.outbound.mode === 'smtp'
      ? new OutboxSender({ archive, config, logger, now, deliver: await createSmtpRelay(config, env) })
      : null;
  // The bound keeps memory flat under a burst: ~4 messages waiting per worker.
  const queue = new WorkQueue(config.processing.concurrency, config.processing.concurrency * 4 + 16);

  const app: App = {
    config,
    archive,
    context,
    queue,
    outboxSender,
    accept: (raw, transport) => archive.spool.put(raw, transport, now()),
    process: (message) =>
      queue.push(() => processSpooled(message, context)).then((outcome) => {
        outboxSender?.wake();
        return outcome;
      }),
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
    async recoverSpool() {
      const ids = await archive.spool.list();
      if (ids.length > 0) logger.info({ count: ids.length }, 'recovering spooled messages');
      let processed = 0;
      // Each job reads its own entry, so a large spool is never all in memory at once.
      await Promise.all(
        ids.map((id) =>
          queue
            .push(async () => processSpooled(await archive.spool.read(id), context))
            .then((outcome) => {
              if (outcome.kind === 'archived') processed++;
            }),
        ),
      );
      await archive.spool.removeStaleTemps(60 * 60 * 1000);
      return processed;
    },
    async start() {
      await app.recoverSpool();
      await outboxSender?.start();
    },
    async reloadKeys() {
      // Stages read ctx.keys for every message: swapping the members is the whole reload.
      keys.keyring = await loadKeyring(config.pgp.keyringDir, logger, hardenedOpenpgpConfig(config, team.isRsa));
      if (keys.workers) {
        const old = keys.workers;
        keys.workers = await startOpenpgpWorkers(config, await readSecret(config.pgp.passphraseFile, SECRET_ENV.pgpPassphrase, env), config.processing.openpgpWorkers);
        await old.close();
      }
      logger.info({ keys: keys.keyring.keys.length }, 'keyring reloaded');
    },
    async stop() {
      await queue.drain();
      await outboxSender?.stop();
      await keys.workers?.close();
    },
  };
  return app;
}
