import { access } from 'node:fs/promises';
import type { Command } from 'commander';
import type { App } from '../app.js';
import { ConfigError } from '../config/config-error.js';
import type { Config } from '../config/schema.js';
import type { DaemonHandoff, HandoffResult, IngestEnvelope } from '../ingest/daemon-handoff.js';
import { readInput, returnPath, stripAngles } from '../ingest/file-source.js';
import type { LoggerHandle } from '../log/create-logger.js';
import { NO_EVENTS } from '../model/intake-events.js';
import { fileTransport } from '../model/transport.js';
import type { CliIo, GlobalOptions } from './cli-io.js';
import { EXIT } from './exit-codes.js';
import { handoffTarget } from './handoff-target.js';

interface IngestOptions extends GlobalOptions {
  sender?: string;
  recipient: string[];
}

export function registerIngest(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('ingest')
    .description('process raw RFC 5322 messages from files or stdin (MTA pipe delivery)')
    .argument('[files...]', 'message files; - or nothing reads stdin')
    .option('--sender <address>', 'envelope sender (MAIL FROM); else the Return-Path header')
    .option('--recipient <address>', 'envelope recipient (repeatable)', (v: string, all: string[]) => [...all, v], [])
    .action(async (files: string[], _options: unknown, command: Command) => {
      setExit(await runIngest(files, command.optsWithGlobals<IngestOptions>(), io));
    });
}

/**
 * `intake ingest` as main.ts runs it for an MTA, without commander (cli/ingest-argv.ts):
 * a configuration error ends it as it ends any command in run-cli.ts.
 */
export async function runIngestCommand(files: string[], options: IngestOptions, io: CliIo): Promise<number> {
  try {
    return await runIngest(files, options, io);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.stderr.write(`${error.message}\n`);
    return EXIT.config;
  }
}

/** The JSON line of one message on stdout, and the exit code it asks for. */
type Verdict = { line: Record<string, unknown>; code: number };
const retry = (error: string): Verdict => ({ line: { ticket: null, seq: null, status: 'retry', error }, code: EXIT.tempFail });
const rejected = (error: string, code: number): Verdict => ({ line: { ticket: null, seq: null, status: 'rejected', error }, code });

/**
 * One JSON line per message on stdout. With `intake serve` listening on `lmtp.socket`
 * each message is handed to it (daemon-handoff.ts); otherwise — and whenever the daemon
 * gives no verdict — this process loads the keys and runs the pipeline itself, by the
 * same rules, so the verdict never depends on whether the daemon runs. Exit 0 when every
 * message is durably stored, 75 (EX_TEMPFAIL) when any must be retried — the MTA keeps
 * it and tries again —, 65 (EX_DATAERR) over smtp.maxMessageBytes, 67 (EX_NOUSER) when
 * --recipient names no team address, 66 when a named file does not exist (nothing is
 * processed then).
 */
export async function runIngest(files: string[], options: IngestOptions, io: CliIo): Promise<number> {
  const sources = files.length > 0 ? files : ['-'];
  for (const source of sources) {
    if (source === '-') continue;
    try {
      await access(source);
    } catch {
      io.stderr.write(`intake ingest: cannot open ${source}\n`);
      return EXIT.noInput;
    }
  }
  const daemon = await connectDaemon(options, io);
  // The daemon greets and takes LHLO while the message is read.
  daemon?.prepare();
  const local = new LocalIngest(options, io, sources.length);
  // No daemon to hand off to: the sandbox worker starts while the message is still read.
  if (!daemon) local.prepare();
  let exitCode: number = EXIT.ok;
  const one = async (source: string): Promise<Verdict> => {
    const raw = await readInput(source, { fd: io.stdinFd, stream: () => io.stdin });
    const envelope: IngestEnvelope = {
      sender: options.sender !== undefined ? stripAngles(options.sender) : returnPath(raw),
      recipients: options.recipient,
    };
    const handed: HandoffResult = daemon ? await daemon.deliver(raw, envelope) : { kind: 'local', reason: 'no daemon socket' };
    return handed.kind === 'local' ? local.ingest(raw, envelope) : daemonVerdict(handed);
  };
  try {
    // A few messages in flight (their store commits share transactions); lines in input order.
    for await (const verdict of inOrder(sources, daemon ? 1 : INGEST_WINDOW, one)) {
      io.stdout.write(`${JSON.stringify(verdict.line)}\n`);
      exitCode = worse(exitCode, verdict.code);
    }
  } finally {
    daemon?.close();
    await local.close();
  }
  return exitCode;
}

/** Messages processed at once by a local `intake ingest` of several files. */
const INGEST_WINDOW = 4;
/** From this many files on, `workers: auto` starts one sandbox worker per core for `intake ingest` (else one). */
const BATCH_FOR_WORKERS = 16;

/** `work` over `items` with at most `window` running, yielding the results in input order. */
async function* inOrder<T, R>(items: readonly T[], window: number, work: (item: T) => Promise<R>): AsyncGenerator<R> {
  const running: Array<Promise<R>> = [];
  let next = 0;
  while (next < items.length && running.length < window) running.push(work(items[next++]!));
  while (running.length > 0) {
    const result = await running.shift()!;
    if (next < items.length) running.push(work(items[next++]!));
    yield result;
  }
}

async function connectDaemon(options: IngestOptions, io: CliIo): Promise<DaemonHandoff | null> {
  const target = await handoffTarget(options.config, io.env, io.cwd);
  if (!target) return null;
  const { DaemonHandoff } = await import('../ingest/daemon-handoff.js');
  return new DaemonHandoff(target.socket, target.defaultRecipient);
}

function daemonVerdict(result: Exclude<HandoffResult, { kind: 'local' }>): Verdict {
  if (result.kind === 'tempfail') return retry('daemon-tempfail');
  const { verdict } = result;
  if (verdict.kind === 'queued') return { line: { ticket: null, seq: null, status: 'queued' }, code: EXIT.ok };
  return { line: { ticket: verdict.ticket, seq: verdict.seq, status: verdict.status }, code: EXIT.ok };
}

/** 75 wins (the MTA must retry), then the first refusal, then success. */
function worse(a: number, b: number): number {
  const rank = (code: number) => (code === EXIT.tempFail ? 2 : code === EXIT.ok ? 0 : 1);
  return rank(b) > rank(a) ? b : a;
}

/**
 * Processing in this process: the configuration, logger and app (keys, archive) are
 * loaded on the first message that needs them, never when the daemon takes them all.
 */
class LocalIngest {
  private opened: { config: Config; log: LoggerHandle; app: App | null } | null = null;
  private opening: Promise<{ config: Config; log: LoggerHandle; app: App | null }> | null = null;

  constructor(
    private readonly options: IngestOptions,
    private readonly io: CliIo,
    private readonly count: number,
  ) {}

  async ingest(raw: Buffer, envelope: IngestEnvelope): Promise<Verdict> {
    const { config, log, app } = await this.open();
    // The listeners' rules (mail-listener.ts), so that a hand-off and this path agree.
    if (raw.length > config.smtp.maxMessageBytes) return rejected('too-large', EXIT.dataErr);
    const team = new Set(config.team.addresses.map((a) => a.toLowerCase()));
    const recipients = envelope.recipients.filter((r) => team.has(r.toLowerCase()));
    if (envelope.recipients.length > 0 && recipients.length === 0) return rejected('unknown-recipient', EXIT.noUser);
    if (!app) return retry('cannot-start');
    const outcome = await app.ingest(raw, fileTransport(envelope.sender, recipients));
    log.flush();
    if (outcome.kind === 'archived') return { line: { ticket: outcome.ticket, seq: outcome.seq, status: outcome.status }, code: EXIT.ok };
    return retry(outcome.error.code);
  }

  /** Starts loading now, before the first message has arrived. */
  prepare(): void {
    // A configuration error surfaces where the first message awaits it, not as an unhandled rejection.
    this.open().catch(() => undefined);
  }

  async close(): Promise<void> {
    const opened = this.opening ? await this.opening.catch(() => null) : null;
    // Pickup-directory mode: the acknowledgements are files, written now (serve delivers in `smtp` mode).
    if (opened?.app && opened.config.outbound.mode === 'outbox') {
      await opened.app.outboxSender.runOnce().catch((error: Error) => opened.log.logger.error({ err: error.message }, 'outbox pass failed; intake serve will write the acknowledgements'));
    }
    await opened?.app?.stop();
    opened?.log.flush();
  }

  /** Once, whichever of the messages in flight asks first. */
  private open() {
    this.opening ??= this.load();
    return this.opening;
  }

  private async load() {
    const { loadConfigFor, loggerFor } = await import('./cli-io.js');
    const config = await loadConfigFor(this.options, this.io);
    const log = loggerFor(config, this.io.stderr);
    let app: App | null = null;
    try {
      // A batch of files is worth a sandbox worker per core (`workers: auto`); one message gets one.
      // Started before the application is even loaded: their start-up is the longest part of a run.
      const batch = this.count >= BATCH_FOR_WORKERS;
      const { startSandboxWorkers } = await import('../sandbox/start-sandbox.js');
      const sandbox = await startSandboxWorkers(config, this.io.env, { daemon: false, batch, logger: log.logger, events: NO_EVENTS });
      const { openApp } = await import('../app.js');
      app = await openApp({ config, logger: log.logger, env: this.io.env, batch, sandbox });
    } catch (error) {
      // The MTA still holds the message: tell it to retry rather than bounce.
      log.logger.error({ err: (error as Error).message }, 'cannot start: message left with the MTA for retry');
      log.flush();
    }
    return (this.opened = { config, log, app });
  }
}
