import os from 'node:os';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { readSecret, SECRET_ENV } from '../config/secrets.js';
import type { IntakeEvents } from '../model/intake-events.js';
import type { Sandbox } from './sandbox.js';
import { startWorkerPool } from './worker-pool.js';

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
export async function startSandboxWorkers(config: Config, env: NodeJS.ProcessEnv, deps: { daemon: boolean; batch: boolean; logger: Logger; events: IntakeEvents }): Promise<Sandbox | null> {
  const size = sandboxWorkerCount(config, deps.daemon, deps.batch);
  if (size === 0) return null;
  return startWorkerPool({
    size,
    init: { config, passphrase: await readSecret(config.pgp.passphraseFile, SECRET_ENV.pgpPassphrase, env) },
    memoryMiB: config.processing.workerMemoryMiB,
    logger: deps.logger,
    events: deps.events,
  });
}
