import type { Command } from 'commander';
import { checkStore } from '../store/check-store.js';
import { type CliIo, type GlobalOptions, loadConfigFor, writeLine } from './cli-io.js';
import { EXIT } from './exit-codes.js';
import { withSqlStore as opened } from './with-sql-store.js';

/** `intake check`: store consistency, every raw message and attachment re-hashed. */
export function registerCheck(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('check')
    .description('store consistency, and every raw message and attachment re-hashed')
    .option('--json', 'one JSON document')
    .action(async (_o: unknown, command: Command) => setExit(await runCheck(command.optsWithGlobals<GlobalOptions & { json?: boolean }>(), io)));
}

async function runCheck(options: GlobalOptions & { json?: boolean }, io: CliIo): Promise<number> {
  const config = await loadConfigFor(options, io);
  const report = await opened(config, io, (store) => checkStore(store.sql));
  if (options.json) writeLine(io.stdout, JSON.stringify(report, null, 2));
  else {
    writeLine(io.stdout, `${report.rawMessages} raw messages and ${report.attachments} attachments re-hashed; ${report.messages} messages in ${report.tickets} tickets; ${report.unfinished} placed but not yet committed`);
    for (const problem of report.problems) writeLine(io.stdout, `problem: ${problem}`);
    writeLine(io.stdout, report.problems.length === 0 ? 'store consistent' : `${report.problems.length} problems`);
  }
  return report.problems.length === 0 ? EXIT.ok : EXIT.failure;
}
