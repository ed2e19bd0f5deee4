import path from 'node:path';
import type { Command } from 'commander';
import { exportArchive, ExportError } from '../archive/export-archive.js';
import { escapeForLog } from '../log/escape.js';
import { formatTicketId, parseTicketId } from '../model/ticket-id.js';
import { type CliIo, type GlobalOptions, loadConfigFor, writeLine } from './cli-io.js';
import { EXIT } from './exit-codes.js';
import { withSqlStore as opened } from './with-sql-store.js';

interface ExportOptions extends GlobalOptions {
  ticket: string[];
  since?: string;
}

/** `intake export DIR [--ticket ID]… [--since DATE]`: the store as files (DESIGN §2, §4). */
export function registerExport(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('export')
    .description('write the store as files (tickets/<ID>/…, manifest.json with the SHA-256 of every file); never changes the store')
    .argument('<dir>', 'a new or empty directory')
    .option('--ticket <id>', 'only this ticket (repeatable)', (v: string, all: string[]) => [...all, v], [])
    .option('--since <date>', 'only tickets with a message received on or after this date (ISO 8601)')
    .action(async (dir: string, _o: unknown, command: Command) => setExit(await runExport(dir, command.optsWithGlobals<ExportOptions>(), io)));
}

async function runExport(dir: string, options: ExportOptions, io: CliIo): Promise<number> {
  const config = await loadConfigFor(options, io);
  const tickets: string[] = [];
  for (const raw of options.ticket) {
    const parsed = parseTicketId(config.team.ticketPrefix, raw.trim());
    if (!parsed) {
      writeLine(io.stderr, `intake export: not a ticket id of this team: ${escapeForLog(raw, 40)}`);
      return EXIT.usage;
    }
    tickets.push(formatTicketId(config.team.ticketPrefix, parsed));
  }
  const since = options.since === undefined ? undefined : new Date(options.since);
  if (since && Number.isNaN(since.getTime())) {
    writeLine(io.stderr, `intake export: --since is not a date: ${escapeForLog(options.since!, 40)}`);
    return EXIT.usage;
  }
  try {
    const manifest = await opened(config, io, (store) => exportArchive(store, path.resolve(io.cwd, dir), { tickets, ...(since ? { since } : {}) }));
    writeLine(io.stdout, JSON.stringify({ tickets: manifest.tickets, messages: manifest.messages, files: Object.keys(manifest.files).length }));
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof ExportError)) throw error;
    writeLine(io.stderr, `intake export: ${error.message}`);
    return EXIT.failure;
  }
}
