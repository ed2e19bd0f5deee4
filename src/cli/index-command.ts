import type { Command } from 'commander';
import { Archive } from '../effects/archive.js';
import { rebuildIndex } from '../effects/rebuild-index.js';
import { type CliIo, type GlobalOptions, loadConfigFor, writeLine } from './cli-io.js';
import { EXIT } from './exit-codes.js';

export function registerIndex(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('index')
    .description('maintain the lookup index (dedup, threading)')
    .command('rebuild')
    .description('recreate data/index from the tickets (stop `intake serve` first)')
    .action(async (_options: unknown, command: Command) => {
      const config = await loadConfigFor(command.optsWithGlobals<GlobalOptions>(), io);
      const counts = await rebuildIndex(new Archive(config.archive.dir, config.team.ticketPrefix));
      writeLine(io.stdout, JSON.stringify(counts));
      setExit(EXIT.ok);
    });
}
