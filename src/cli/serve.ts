import type { Command } from 'commander';
import { openApp, type App } from '../app.js';
import type { Config } from '../config/schema.js';
import type { LoggerHandle } from '../log/create-logger.js';
import { escapeForLog } from '../log/escape.js';
import type { TeamKey } from '../keys/team-key.js';
import type { IntakeMetrics } from '../monitor/metrics.js';
import type { MonitorServer } from '../monitor/monitor-server.js';
import { checkStartup } from '../startup/check-startup.js';
import { packageVersion } from '../version.js';
import { type CliIo, type GlobalOptions, loadConfigFileFor, loggerFor } from './cli-io.js';
import { EXIT } from './exit-codes.js';
import type { ProcessSignals } from './process-signals.js';

export function registerServe(program: Command, io: CliIo, setExit: (code: number) => void, signals: ProcessSignals): void {
  program
    .command('serve')
    .description('run the daemon: recovery of received messages, enabled transports, outbox sender')
    .action(async (_options: unknown, command: Command) => {
      setExit(await runServe(command.optsWithGlobals<GlobalOptions>(), io, signals));
    });
}

/**
 * Runs until the first SIGTERM/SIGINT (main.ts), then stops taking mail, finishes what
 * is in flight and returns 0; a second signal makes main.ts exit at once. Before anything
 * starts, the start-up check (the same as `intake config check`) refuses with every
 * reason: exit 78 (configuration), 77 (permission) or 73 (cannot create). A listener
 * that cannot bind returns 1 after a line saying why.
 */
export async function runServe(options: GlobalOptions, io: CliIo, signals: ProcessSignals): Promise<number> {
  const { file, config } = await loadConfigFileFor(options, io);
  const log = loggerFor(config, io.stdout as NodeJS.WritableStream, io.stderr);
  const { logger } = log;
  const check = await checkStartup(config, io.env, new Date());
  for (const warning of check.warnings) logger.warn({ check: 'start-up' }, warning.text);
  if (check.problems.length > 0 || !check.teamKey) {
    const problems = check.problems.map((p) => p.text);
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more: intake config check lists them)` : '';
    logger.error({ problems }, `intake serve cannot start: ${problems[0] ?? 'the team key cannot be used'}${more}`);
    log.close();
    return check.problems[0]?.exit ?? EXIT.config;
  }
  let app: App;
  let monitor: MonitorServer | null;
  try {
    ({ app, monitor } = await startAll(config, logger, io, check.teamKey));
  } catch (error) {
    logger.error({ err: escapeForLog((error as Error).message, 500) }, 'intake serve cannot start');
    log.close();
    return EXIT.failure;
  }
  const unsubscribe = subscribeSignals(app, log, signals);
  try {
    logger.info(startedFields(app, config, file, monitor), 'intake serve started');
    // With no transport enabled (MTA pipe delivery, `serve` only for retries and the
    // outbox) nothing else may hold the event loop open: the wait for the signal must.
    const keepAlive = setInterval(() => undefined, 3_600_000);
    const stop = signals.stop;
    if (!stop.aborted) await new Promise((resolve) => stop.addEventListener('abort', resolve, { once: true }));
    clearInterval(keepAlive);
    logger.info('stopping: no new mail accepted; finishing in-flight messages');
    await monitor?.stop();
    await app.stop();
    logger.info({ counts: app.counters.snapshot() }, 'intake serve stopped');
  } finally {
    unsubscribe();
    log.close();
  }
  return EXIT.ok;
}

/**
 * The app and its components, then (metrics.enabled) GET /metrics and /healthz, which
 * start once the app runs and stop before it. If anything fails, what started is stopped.
 * prom-client is loaded only when metrics are on: no other command pays for it.
 */
async function startAll(config: Config, logger: LoggerHandle['logger'], io: CliIo, teamKey: TeamKey): Promise<{ app: App; monitor: MonitorServer | null }> {
  const metrics = config.metrics.enabled ? new (await import('../monitor/metrics.js')).IntakeMetrics(packageVersion()) : null;
  const app = await openApp({ config, logger, env: io.env, daemon: true, teamKey, ...(metrics ? { events: metrics } : {}) });
  await app.start();
  try {
    return { app, monitor: metrics ? await startMonitor(app, metrics, config, logger) : null };
  } catch (error) {
    await app.stop();
    throw error;
  }
}

/** GET /metrics and /healthz (metrics.enabled), started once the app runs, stopped before it. */
async function startMonitor(app: App, metrics: IntakeMetrics, config: Config, logger: LoggerHandle['logger']): Promise<MonitorServer> {
  metrics.attach({ teamKeyExpires: () => app.context.keys.team.expires, depths: () => app.depths() });
  const { MonitorServer: Server } = await import('../monitor/monitor-server.js');
  const monitor = new Server({ config, metrics, health: app.healthSources, logger });
  await monitor.start();
  return monitor;
}

/**
 * SIGHUP: reopen the log file first (logrotate has just moved it), then re-read the keys.
 * SIGUSR1/SIGUSR2: logged and otherwise ignored (process-signals.ts says why).
 */
function subscribeSignals(app: App, log: LoggerHandle, signals: ProcessSignals): () => void {
  const { logger } = log;
  const offs = [
    signals.on('SIGHUP', () => {
      log.reopen();
      logger.info('SIGHUP: log file reopened; re-reading keys');
      void app.reloadKeys().catch((error: Error) => logger.error({ err: escapeForLog(error.message, 500) }, 'key reload failed; the previous keys stay in use'));
    }),
    ...(['SIGUSR1', 'SIGUSR2'] as const).map((name) =>
      signals.on(name, () => logger.warn({ signal: name }, `${name} ignored: intake serve has no inspector and stops only on SIGTERM/SIGINT`)),
    ),
  ];
  return () => offs.forEach((off) => off());
}

/** Who is running what (issue 13 item 5): one line an operator can read at a glance. */
function startedFields(app: App, config: Config, file: string, monitor: MonitorServer | null): Record<string, unknown> {
  const team = app.context.keys.team;
  const listeners = [...app.components.values(), ...(monitor ? [monitor] : [])]
    .map((c) => ({ name: c.name, health: c.health?.() }))
    .filter((c) => c.health)
    .map((c) => ({ name: c.name, kind: c.health!.kind, address: c.health!.address }));
  return {
    version: packageVersion(),
    node: process.version,
    config: file,
    team: config.team.name,
    teamKey: { fingerprint: team.fingerprint, expires: team.expires?.toISOString() ?? null },
    store: app.storeInfo,
    archive: config.archive.dir,
    listeners,
    components: [...app.components.keys()],
  };
}
