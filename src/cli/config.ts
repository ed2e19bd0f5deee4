import type { Command } from 'commander';
import YAML from 'yaml';
import { checkEnvironment } from '../config/check-environment.js';
import { configPathFrom, ConfigError, loadConfig } from '../config/load-config.js';
import { SECRET_ENV } from '../config/secrets.js';
import { type CliIo, type GlobalOptions, writeLine } from './cli-io.js';
import { EXIT } from './exit-codes.js';

export function registerConfig(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const config = program.command('config').description('validate or print the configuration');
  config
    .command('check')
    .description('validate the configuration, listing every problem at once')
    .action(async (_options: unknown, command: Command) => {
      setExit(await checkConfig(command.optsWithGlobals<GlobalOptions>(), io));
    });
  config
    .command('print')
    .description('print the resolved configuration (defaults filled in, paths absolute, secrets redacted)')
    .action(async (_options: unknown, command: Command) => {
      setExit(await printConfig(command.optsWithGlobals<GlobalOptions>(), io));
    });
}

async function checkConfig(options: GlobalOptions, io: CliIo): Promise<number> {
  const file = configPathFrom(options.config, io.env);
  let problems: string[];
  try {
    const { config } = await loadConfig(file, io.cwd);
    problems = await checkEnvironment(config);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems = error.problems;
  }
  if (problems.length === 0) {
    writeLine(io.stdout, `${file}: ok`);
    return EXIT.ok;
  }
  writeLine(io.stderr, `${file}: ${problems.length} problem(s)`);
  for (const problem of problems) writeLine(io.stderr, `  ${problem}`);
  return EXIT.config;
}

async function printConfig(options: GlobalOptions, io: CliIo): Promise<number> {
  const { file, config } = await loadConfig(configPathFrom(options.config, io.env), io.cwd);
  // The file holds no secrets (only *File paths); show where each secret would come from.
  const secrets = Object.fromEntries(
    Object.entries(SECRET_ENV).map(([name, env]) => [name, io.env[env] ? `[redacted] (from env ${env})` : `env ${env} not set`]),
  );
  writeLine(io.stdout, `# resolved from ${file}`);
  io.stdout.write(YAML.stringify({ ...config, secrets }));
  return EXIT.ok;
}
