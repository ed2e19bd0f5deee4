import path from 'node:path';
import type { Command } from 'commander';
import { escapeForLog } from '../log/escape.js';
import type { SqliteEngine } from '../store/sqlite-engine.js';
import { type CliIo, type GlobalOptions, loadConfigFor, writeLine } from './cli-io.js';
import { EXIT } from './exit-codes.js';
import { withSqlStore as opened } from './with-sql-store.js';

/** `intake backup FILE`: a consistent online copy of the SQLite store. */
export function registerBackup(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('backup')
    .description('consistent online copy of the SQLite store (PostgreSQL: use pg_dump)')
    .argument('<file>', 'the copy to write (must not exist)')
    .action(async (file: string, _o: unknown, command: Command) => setExit(await runBackup(file, command.optsWithGlobals<GlobalOptions>(), io)));
}

async function runBackup(file: string, options: GlobalOptions, io: CliIo): Promise<number> {
  const config = await loadConfigFor(options, io);
  if (config.store.engine === 'postgresql') {
    writeLine(io.stderr, 'intake backup: the store is PostgreSQL — back it up with pg_dump (e.g. pg_dump -Fc -f intake.dump DBNAME), or your usual PostgreSQL backups');
    return EXIT.usage;
  }
  const target = path.resolve(io.cwd, file);
  try {
    await opened(config, io, async (store) => {
      const engine = store.sql as SqliteEngine;
      await engine.backupTo(target);
    });
  } catch (error) {
    writeLine(io.stderr, `intake backup: ${escapeForLog((error as Error).message, 300)}`);
    return EXIT.failure;
  }
  writeLine(io.stdout, JSON.stringify({ backup: target }));
  return EXIT.ok;
}
