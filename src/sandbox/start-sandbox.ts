import os from 'node:os';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { readSecretWithSource, SECRET_ENV } from '../config/secrets.js';
import type { IntakeEvents } from '../model/intake-events.js';
import { startWorkerPool, type WorkerSandbox } from './worker-pool.js';

/**
 * How many sandbox workers to start for this process. A one-shot command gets one: its
 * message needs an enforced budget like any other, and one thread, started while the
 * command reads its input and commits it, costs little (README "Performance").
 */
export function sandboxWorkerCount(config: Config, daemon: boolean, batch = false): number {
  const setting = config.processing.workers;
  if (setting !== 'auto') return setting;
  return daemon || batch ? Math.min(os.availableParallelism(), 4) : 1;
}

/**
 * The sandbox workers of this process, started without waiting for them; null for
 * `processing.workers: 0` (the tasks then run inline, app.ts). Its own small module so
 * that `intake ingest` starts them as soon as the configuration is read, before it
 * loads the rest of the application: a worker's start-up (its modules, the keys, the
 * report knowledge) then runs on another core while this thread loads its own.
 */
export async function startSandboxWorkers(config: Config, env: NodeJS.ProcessEnv, deps: { daemon: boolean; batch: boolean; logger: Logger; events: IntakeEvents }): Promise<WorkerSandbox | null> {
  const size = sandboxWorkerCount(config, deps.daemon, deps.batch);
  if (size === 0) return null;
  return startWorkerPool({
    size,
    // With its source, so that a wrong passphrase is named where it was set (team-key.ts).
    init: { config, passphrase: await readSecretWithSource(config.pgp.passphraseFile, SECRET_ENV.pgpPassphrase, env, 'pgp.passphraseFile') },
    memoryMiB: config.processing.workerMemoryMiB,
    logger: deps.logger,
    events: deps.events,
  });
}
