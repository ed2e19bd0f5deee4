import type { Command } from 'commander';
import { escapeForLog } from '../log/escape.js';
import type { OutboxEntry } from '../store/store.js';
import { type CliIo, type GlobalOptions, loadConfigFor, writeLine } from './cli-io.js';
import { EXIT } from './exit-codes.js';
import { withStore } from './with-store.js';

interface ListOptions extends GlobalOptions {
  failed?: boolean;
  json?: boolean;
}

const KEY = /^[A-Za-z0-9][A-Za-z0-9-]{0,63}\.\d{3,9}\.(ack|on-duty)$/;

/**
 * `intake outbox list|retry|drop`: the acknowledgement queue as an operator tool, like
 * Postfix's `postqueue -p` / `postsuper -r|-d`. Delivered entries are not in the queue
 * (they are the sent-mail archive: `intake export` writes them as acks/<NNN>.eml).
 */
export function registerOutbox(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const outbox = program.command('outbox').description('the acknowledgement queue: what waits, what failed and why');
  outbox
    .command('list')
    .description('entries waiting or failed: key, recipient, attempts, next attempt, last error')
    .option('--failed', 'only entries given up on')
    .option('--json', 'one JSON object per entry')
    .action(async (_o: unknown, command: Command) => setExit(await list(command.optsWithGlobals<ListOptions>(), io)));
  outbox
    .command('retry')
    .description('make an entry (or every failed one) due now, attempts reset')
    .argument('[key]', 'outbox key, e.g. XYZ-2026-00042.001.ack')
    .option('--all-failed', 'every failed entry')
    .action(async (key: string | undefined, _o: unknown, command: Command) => setExit(await retry(key, command.optsWithGlobals<GlobalOptions & { allFailed?: boolean }>(), io)));
  outbox
    .command('drop')
    .description('remove an entry from the queue for good (it is never sent)')
    .argument('<key>', 'outbox key')
    .action(async (key: string, _o: unknown, command: Command) => setExit(await drop(key, command.optsWithGlobals<GlobalOptions>(), io)));
}

async function list(options: ListOptions, io: CliIo): Promise<number> {
  const config = await loadConfigFor(options, io);
  const entries = await withStore(config, io.env, (store) => store.outbox.list({ failed: options.failed === true }));
  for (const entry of entries) writeLine(io.stdout, options.json ? JSON.stringify(view(entry)) : line(entry));
  if (!options.json && entries.length === 0) writeLine(io.stderr, options.failed ? 'no failed entries' : 'the queue is empty');
  return EXIT.ok;
}

async function retry(key: string | undefined, options: GlobalOptions & { allFailed?: boolean }, io: CliIo): Promise<number> {
  if ((key === undefined) === (options.allFailed !== true) || (key !== undefined && !KEY.test(key))) {
    writeLine(io.stderr, 'intake outbox retry: give one outbox key (as `intake outbox list` prints it) or --all-failed');
    return EXIT.usage;
  }
  const config = await loadConfigFor(options, io);
  const count = await withStore(config, io.env, (store) => store.outbox.retry(key ? { key } : { allFailed: true }, new Date()));
  if (key && count === 0) {
    writeLine(io.stderr, `intake outbox retry: no waiting or failed entry ${key}`);
    return EXIT.noInput;
  }
  writeLine(io.stdout, JSON.stringify({ retried: count }));
  return EXIT.ok;
}

async function drop(key: string, options: GlobalOptions, io: CliIo): Promise<number> {
  if (!KEY.test(key)) {
    writeLine(io.stderr, `intake outbox drop: not an outbox key: ${escapeForLog(key, 80)}`);
    return EXIT.usage;
  }
  const config = await loadConfigFor(options, io);
  if (!(await withStore(config, io.env, (store) => store.outbox.drop(key)))) {
    writeLine(io.stderr, `intake outbox drop: no waiting or failed entry ${key}`);
    return EXIT.noInput;
  }
  writeLine(io.stdout, JSON.stringify({ dropped: key }));
  return EXIT.ok;
}

function view(e: OutboxEntry) {
  return {
    key: e.key,
    kind: e.kind,
    ticket: e.ticket,
    seq: e.seq,
    recipient: e.recipient,
    attempts: e.attempts,
    queuedAt: e.queuedAt,
    nextAttemptAt: e.failedAt ? null : e.nextAttemptAt,
    failedAt: e.failedAt,
    lastError: e.lastError,
    composed: e.raw !== null,
  };
}

function line(e: OutboxEntry): string {
  const when = e.failedAt ? `failed ${e.failedAt}` : `next ${e.nextAttemptAt}`;
  const error = e.lastError ? `  last error: ${escapeForLog(e.lastError, 160)}` : '';
  return `${e.key}  to ${escapeForLog(e.recipient, 80)}  attempts=${e.attempts}  ${when}${e.raw ? '' : '  (to be composed again)'}${error}`;
}
