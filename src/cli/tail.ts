import { open, stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { prettyFactory } from 'pino-pretty';
import { type CliIo, type GlobalOptions, loadConfigFor, writeLine } from './cli-io.js';
import { EXIT } from './exit-codes.js';
import type { ProcessSignals } from './process-signals.js';

interface TailOptions extends GlobalOptions {
  urgent?: boolean;
  lines: string;
}

export function registerTail(program: Command, io: CliIo, setExit: (code: number) => void, signals: ProcessSignals): void {
  program
    .command('tail')
    .description('follow the log file, human-readable (like tail -f through pino-pretty)')
    .option('--urgent', 'only urgent reports')
    .option('-n, --lines <n>', 'how many existing lines to show first', '10')
    .action(async (_options: unknown, command: Command) => {
      setExit(await runTail(command.optsWithGlobals<TailOptions>(), io, signals.stop));
    });
}

const POLL_MS = 250;

/**
 * Shows the last lines of `log.file`, then each new line as it is written, until the
 * signal aborts. Survives rotation and truncation: when the file shrinks or is replaced
 * it starts again from the beginning of the new file.
 */
export async function runTail(options: TailOptions, io: CliIo, signal: AbortSignal): Promise<number> {
  const config = await loadConfigFor(options, io);
  const file = config.log.file;
  if (!file) {
    writeLine(io.stderr, 'intake tail: log.file is not set in the configuration');
    return EXIT.config;
  }
  const pretty = prettyFactory({ colorize: Boolean((io.stdout as { isTTY?: boolean }).isTTY), translateTime: 'SYS:standard' });
  const emit = (line: string): void => {
    if (line.trim() === '') return;
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return; // not one of our lines (a partial write is completed on the next poll)
    }
    if (options.urgent && entry.urgent !== true) return;
    io.stdout.write(pretty(entry));
  };

  let position = await startPosition(file, Math.max(0, Number(options.lines) || 0), emit);
  let inode = (await stat(file).catch(() => null))?.ino ?? null;
  let partial = '';
  while (!signal.aborted) {
    await sleep(POLL_MS, signal);
    const info = await stat(file).catch(() => null);
    if (!info) continue;
    if (info.ino !== inode || info.size < position) {
      inode = info.ino;
      position = 0;
      partial = '';
    }
    if (info.size === position) continue;
    const handle = await open(file, 'r');
    try {
      const buffer = Buffer.alloc(info.size - position);
      await handle.read(buffer, 0, buffer.length, position);
      position = info.size;
      const text = partial + buffer.toString('utf8');
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      lines.forEach(emit);
    } finally {
      await handle.close();
    }
  }
  return EXIT.ok;
}

/** Emits the last `count` complete lines; returns the offset to follow from. */
async function startPosition(file: string, count: number, emit: (line: string) => void): Promise<number> {
  const info = await stat(file).catch(() => null);
  if (!info) return 0;
  const window = Math.min(info.size, 256 * 1024);
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(window);
    await handle.read(buffer, 0, window, info.size - window);
    const text = buffer.toString('utf8');
    const complete = text.slice(0, text.lastIndexOf('\n') + 1);
    const lines = complete.split('\n').filter(Boolean);
    if (count > 0) lines.slice(-count).forEach(emit);
    return info.size - window + Buffer.byteLength(complete);
  } finally {
    await handle.close();
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
