import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { escapeForLog } from '../log/escape.js';
import { type CliIo, type GlobalOptions, loadConfigFor, writeLine } from './cli-io.js';
import { EXIT } from './exit-codes.js';
import type { ProcessSignals } from './process-signals.js';
import { LEVEL_VALUES, matches, parseSince, type TailFilter } from './tail-filter.js';
import { formatTailLine } from './tail-line.js';

interface TailOptions extends GlobalOptions {
  urgent?: boolean;
  lines: string;
  level: string;
  ticket?: string;
  since?: string;
  json?: boolean;
}

export function registerTail(program: Command, io: CliIo, setExit: (code: number) => void, signals: ProcessSignals): void {
  program
    .command('tail')
    .description('follow the log file: one line per report, times in the team time zone, errors stand out')
    .option('--level <level>', 'lowest level shown: trace, debug, info, warn, error, fatal', 'info')
    .option('--urgent', 'only urgent reports')
    .option('--ticket <id>', 'only lines about this ticket')
    .option('--since <when>', 'start with the lines written since an ISO date/time or an age (10m, 2h, 1d) instead of the last -n')
    .option('--json', 'the log lines themselves (filtered), one JSON object per line')
    .option('-n, --lines <n>', 'how many existing lines to show first', '10')
    .action(async (_options: unknown, command: Command) => {
      setExit(await runTail(command.optsWithGlobals<TailOptions>(), io, signals.stop));
    });
}

const POLL_MS = 250;

/**
 * Shows the last lines of `log.file` (or those since `--since`), then each new line as it
 * is written, until the signal aborts: one line per entry, times in `team.timezone`.
 * Survives rotation and truncation: when the file shrinks or is replaced it starts again
 * from the beginning of the new file.
 */
export async function runTail(options: TailOptions, io: CliIo, signal: AbortSignal): Promise<number> {
  const minLevel = LEVEL_VALUES[options.level.toLowerCase()];
  const sinceMs = options.since === undefined ? null : parseSince(options.since, new Date());
  if (minLevel === undefined || sinceMs === null && options.since !== undefined) {
    writeLine(io.stderr, `intake tail: ${minLevel === undefined ? `unknown --level ${escapeForLog(options.level, 20)}` : `--since ${escapeForLog(options.since ?? '', 40)} is neither a date nor an age (10m, 2h, 1d)`}`);
    return EXIT.usage;
  }
  const config = await loadConfigFor(options, io);
  const file = config.log.file;
  if (!file) {
    writeLine(io.stderr, 'intake tail: log.file is not set in the configuration');
    return EXIT.config;
  }
  const filter: TailFilter = { minLevel, urgentOnly: options.urgent === true, ticket: options.ticket?.toUpperCase() ?? null, sinceMs };
  const style = { colour: Boolean((io.stdout as { isTTY?: boolean }).isTTY) && !io.env.NO_COLOR, timeZone: config.team.timezone };
  const emit = (line: string): void => {
    if (line.trim() === '') return;
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return; // not one of our lines (a partial write is completed on the next poll)
    }
    if (!matches(entry, filter)) return;
    writeLine(io.stdout, options.json ? JSON.stringify(entry) : formatTailLine(entry, style));
  };
  writeLine(io.stderr, `intake tail: ${file}, times in ${config.team.timezone}`);

  let info = await stat(file).catch(() => null);
  if (!info) writeLine(io.stderr, `intake tail: waiting for ${file} to appear`);
  let position = info ? (sinceMs !== null ? await emitAll(file, info.size, emit) : await emitLast(file, info.size, Math.max(0, Number(options.lines) || 0), emit)) : 0;
  let inode = info?.ino ?? null;
  let partial = '';
  while (!signal.aborted) {
    await sleep(POLL_MS, signal);
    info = await stat(file).catch(() => null);
    if (!info) continue;
    if (info.ino !== inode || info.size < position) {
      inode = info.ino;
      position = 0;
      partial = '';
    }
    if (info.size === position) continue;
    const chunk = await readRange(file, position, info.size);
    position = info.size;
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    lines.forEach(emit);
  }
  return EXIT.ok;
}

async function readRange(file: string, from: number, to: number): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(to - from);
    await handle.read(buffer, 0, buffer.length, from);
    return buffer.toString('utf8');
  } finally {
    await handle.close();
  }
}

/** Emits the last `count` complete lines before `size`; returns the offset to follow from. */
async function emitLast(file: string, size: number, count: number, emit: (line: string) => void): Promise<number> {
  const window = Math.min(size, 256 * 1024);
  const text = await readRange(file, size - window, size);
  const complete = text.slice(0, text.lastIndexOf('\n') + 1);
  if (count > 0) complete.split('\n').filter(Boolean).slice(-count).forEach(emit);
  return size - window + Buffer.byteLength(complete);
}

/** Emits every complete line before `size` (the filter keeps those since --since); streamed, never all in memory. */
async function emitAll(file: string, size: number, emit: (line: string) => void): Promise<number> {
  if (size === 0) return 0;
  let consumed = 0;
  const lines = createInterface({ input: createReadStream(file, { start: 0, end: size - 1 }), crlfDelay: Infinity });
  for await (const line of lines) {
    const length = Buffer.byteLength(line) + 1;
    if (consumed + length > size) break; // the last line has no newline yet: followed from here
    consumed += length;
    emit(line);
  }
  return consumed;
}

/** Resolves after `ms`, or at once when `signal` aborts; leaves no listener behind either way. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
