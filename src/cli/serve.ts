import type { Command } from 'commander';
import { openApp } from '../app.js';
import { type CliIo, type GlobalOptions, loadConfigFor, loggerFor } from './cli-io.js';
import { EXIT } from './exit-codes.js';

export function registerServe(program: Command, io: CliIo, setExit: (code: number) => void, signal: AbortSignal): void {
  program
    .command('serve')
    .description('run the daemon: spool recovery, enabled transports, outbox sender')
    .action(async (_options: unknown, command: Command) => {
      setExit(await runServe(command.optsWithGlobals<GlobalOptions>(), io, signal));
    });
}

/** Runs until `signal` aborts (SIGTERM/SIGINT in main.ts), then finishes in-flight work. */
export async function runServe(options: GlobalOptions, io: CliIo, signal: AbortSignal): Promise<number> {
  const config = await loadConfigFor(options, io);
  const log = loggerFor(config, io.stdout as NodeJS.WritableStream);
  const app = await openApp({ config, logger: log.logger, env: io.env });
  // SIGHUP re-reads the curated keyring (after `intake keys import` or `accept`).
  const reload = (): void => void app.reloadKeys().catch((error: Error) => log.logger.error({ err: error.message }, 'keyring reload failed; the previous keys stay in use'));
  process.on('SIGHUP', reload);
  try {
    await app.start();
    log.logger.info({ archive: config.archive.dir }, 'intake serve started');
    if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    log.logger.info('stopping: finishing in-flight messages');
    await app.stop();
    log.logger.info('intake serve stopped');
  } finally {
    process.off('SIGHUP', reload);
    log.flush();
  }
  return EXIT.ok;
}
