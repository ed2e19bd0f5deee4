import type { Command } from 'commander';
import { openApp, type App } from '../app.js';
import { escapeForLog } from '../log/escape.js';
import { packageVersion } from '../version.js';
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

/**
 * Runs until `signal` aborts (the first SIGTERM/SIGINT, see main.ts), then stops taking
 * mail, finishes what is in flight, flushes the log and returns 0. A second signal makes
 * main.ts exit at once. Start-up failures (port in use, unreadable key) return 1 after
 * a log line saying why.
 */
export async function runServe(options: GlobalOptions, io: CliIo, signal: AbortSignal): Promise<number> {
  const config = await loadConfigFor(options, io);
  const log = loggerFor(config, io.stdout as NodeJS.WritableStream);
  const { logger } = log;
  let app: App;
  try {
    app = await openApp({ config, logger, env: io.env, daemon: true });
  } catch (error) {
    logger.error({ err: escapeForLog((error as Error).message, 500) }, 'intake serve cannot start');
    log.flush();
    return EXIT.failure;
  }
  const running = app;
  // SIGHUP re-reads the curated keyring (after `intake keys import` or `accept`).
  const reload = (): void =>
    void running.reloadKeys().catch((error: Error) => logger.error({ err: error.message }, 'keyring reload failed; the previous keys stay in use'));
  process.on('SIGHUP', reload);
  try {
    await app.start();
  } catch (error) {
    process.off('SIGHUP', reload);
    logger.error({ err: escapeForLog((error as Error).message, 500) }, 'intake serve cannot start');
    log.flush();
    return EXIT.failure;
  }
  try {
    logger.info(
      { version: packageVersion(), node: process.version, archive: config.archive.dir, components: [...app.components.keys()] },
      'intake serve started',
    );
    // With no transport enabled (MTA pipe delivery, `serve` only for retries and the
    // outbox) nothing else may hold the event loop open: the wait for the signal must.
    const keepAlive = setInterval(() => undefined, 3_600_000);
    if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    clearInterval(keepAlive);
    logger.info('stopping: no new mail accepted; finishing in-flight messages');
    await app.stop();
    logger.info({ counts: app.counters.snapshot() }, 'intake serve stopped');
  } finally {
    process.off('SIGHUP', reload);
    log.flush();
  }
  return EXIT.ok;
}
