import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/config-error.js';
import { versionLine } from '../version.js';
import type { CliIo } from './cli-io.js';
import { COMMANDS, commandNameIn } from './commands.js';
import { EXIT } from './exit-codes.js';
import type { ProcessSignals } from './process-signals.js';

/**
 * Builds the `intake` command line from one registry of commands (cli/commands.ts, one
 * file each) and runs it. Only the command that runs is loaded; the others are listed by
 * name and description, so `--help` still shows them all. Returns the exit code;
 * main.ts is the only place that exits the process.
 */
export async function runCli(argv: string[], io: CliIo, signals: ProcessSignals): Promise<number> {
  let exitCode: number = EXIT.ok;
  const setExit = (code: number): void => {
    exitCode = code;
  };
  const program = new Command('intake')
    .description('csirt-intake: the mail front door of a CSIRT')
    .version(versionLine(), '-V, --version', 'print the version of csirt-intake and of the Node.js it runs on')
    .option('--config <file>', 'configuration file (default config/default.yaml, env INTAKE_CONFIG)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });

  const wanted = commandNameIn(argv);
  for (const entry of COMMANDS) {
    if (entry.name === wanted) (await entry.load())(program, io, setExit, signals);
    else program.command(entry.name).description(entry.description);
  }

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here too, with exit code 0.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof ConfigError) {
      io.stderr.write(`${error.message}\n`);
      return EXIT.config;
    }
    throw error;
  }
}

export { versionLine };
