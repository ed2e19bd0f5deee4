import { access } from 'node:fs/promises';
import type { Command } from 'commander';
import { openApp, type App } from '../app.js';
import { readInput, transportForFile } from '../ingest/file-source.js';
import { type CliIo, type GlobalOptions, loadConfigFor, loggerFor, writeLine } from './cli-io.js';
import { EXIT } from './exit-codes.js';

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
 * One JSON line per message on stdout. Exit 0 when every message is durably archived,
 * 75 (EX_TEMPFAIL) when any must be retried — the MTA keeps it and tries again — and
 * 66 when a named file does not exist (nothing is processed then).
 */
export async function runIngest(files: string[], options: IngestOptions, io: CliIo): Promise<number> {
  const sources = files.length > 0 ? files : ['-'];
  for (const source of sources) {
    if (source === '-') continue;
    try {
      await access(source);
    } catch {
      writeLine(io.stderr, `intake ingest: cannot open ${source}`);
      return EXIT.noInput;
    }
  }
  const config = await loadConfigFor(options, io);
  const log = loggerFor(config, io.stderr);
  let app: App;
  try {
    app = await openApp({ config, logger: log.logger, env: io.env });
  } catch (error) {
    // The MTA still holds the message: tell it to retry rather than bounce.
    log.logger.error({ err: (error as Error).message }, 'cannot start: message left with the MTA for retry');
    log.flush();
    return EXIT.tempFail;
  }
  let exitCode: number = EXIT.ok;
  try {
    for (const source of sources) {
      const raw = await readInput(source, io.stdin);
      const outcome = await app.ingest(raw, transportForFile(raw, { sender: options.sender, recipients: options.recipient }));
      if (outcome.kind === 'archived') {
        writeLine(io.stdout, JSON.stringify({ ticket: outcome.ticket, seq: outcome.seq, status: outcome.status }));
      } else {
        writeLine(io.stdout, JSON.stringify({ ticket: null, seq: null, status: 'retry', error: outcome.error.code }));
        exitCode = EXIT.tempFail;
      }
    }
  } finally {
    await app.stop();
    log.flush();
  }
  return exitCode;
}
