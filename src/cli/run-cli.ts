import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/load-config.js';
import { type CliIo, writeLine } from './cli-io.js';
import { registerConfig } from './config.js';
import { EXIT } from './exit-codes.js';
import { registerIndex } from './index-command.js';
import { registerIngest } from './ingest.js';
import { registerKeys } from './keys.js';
import { registerReprocess } from './reprocess.js';
import { registerServe } from './serve.js';
import { registerStats } from './stats.js';
import { registerTail } from './tail.js';
import { registerTickets } from './tickets.js';

/**
 * Builds the `intake` command line from one registry of commands (one file each) and
 * runs it. Returns the exit code; main.ts is the only place that exits the process.
 */
export async function runCli(argv: string[], io: CliIo, signal: AbortSignal): Promise<number> {
  let exitCode: number = EXIT.ok;
  const setExit = (code: number): void => {
    exitCode = code;
  };
  const program = new Command('intake')
    .description('csirt-intake: the mail front door of a CSIRT')
    .option('--config <file>', 'configuration file (default config/default.yaml, env INTAKE_CONFIG)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });

  registerServe(program, io, setExit, signal);
  registerIngest(program, io, setExit);
  registerTickets(program, io, setExit);
  registerTail(program, io, setExit, signal);
  registerConfig(program, io, setExit);
  registerIndex(program, io, setExit);
  registerKeys(program, io, setExit);
  registerReprocess(program, io, setExit);
  registerStats(program, io, setExit);

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here too, with exit code 0.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof ConfigError) {
      writeLine(io.stderr, error.message);
      return EXIT.config;
    }
    throw error;
  }
}
