import path from 'node:path';
import type { Command } from 'commander';
import { importArchive } from '../archive/import-archive.js';
import { escapeForLog } from '../log/escape.js';
import { type CliIo, type GlobalOptions, loadConfigFor, writeLine } from './cli-io.js';
import { EXIT } from './exit-codes.js';
import { withSqlStore as opened } from './with-sql-store.js';

/** `intake import DIR`: an export, or an older release's file archive, into the store; idempotent. */
export function registerImport(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('import')
    .description('read an export, or the archive directory of an older csirt-intake, into the store; idempotent')
    .argument('<dir>', 'export or archive directory')
    .action(async (dir: string, _o: unknown, command: Command) => setExit(await runImport(dir, command.optsWithGlobals<GlobalOptions>(), io)));
}

async function runImport(dir: string, options: GlobalOptions, io: CliIo): Promise<number> {
  const config = await loadConfigFor(options, io);
  try {
    const result = await opened(config, io, (store) => importArchive(store, path.resolve(io.cwd, dir), new Date(), config.pgp.pendingDir));
    writeLine(io.stdout, JSON.stringify(result));
    for (const refused of result.refused) writeLine(io.stderr, `intake import: refused ${refused}`);
    return result.refused.length > 0 ? EXIT.dataErr : EXIT.ok;
  } catch (error) {
    writeLine(io.stderr, `intake import: ${escapeForLog((error as Error).message, 300)}`);
    return EXIT.dataErr;
  }
}
