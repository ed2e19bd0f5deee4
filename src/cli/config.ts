import type { Command } from 'commander';
import YAML from 'yaml';
import { configPathFrom, ConfigError, loadConfig } from '../config/load-config.js';
import { SECRET_ENV } from '../config/secrets.js';
import { checkStartup } from '../startup/check-startup.js';
import { type CliIo, type GlobalOptions, writeLine } from './cli-io.js';
import { EXIT } from './exit-codes.js';

export function registerConfig(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const config = program.command('config').description('validate or print the configuration');
  config
    .command('check')
    .description('check everything intake serve checks at start (schema, team key and passphrase, secrets, writable paths, ports), listing every problem at once')
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
  let warnings: string[] = [];
  try {
    const { config } = await loadConfig(file, io.cwd);
    const check = await checkStartup(config, io.env, new Date());
    problems = check.problems.map((p) => p.text);
    warnings = check.warnings.map((w) => w.text);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems = error.problems;
  }
  for (const warning of warnings) writeLine(io.stderr, `warning: ${warning}`);
  if (problems.length === 0) {
    writeLine(io.stdout, `${file}: ok${warnings.length > 0 ? ` (${warnings.length} warning(s))` : ''}`);
    return EXIT.ok;
  }
  writeLine(io.stderr, `${file}: ${problems.length} problem(s)`);
  for (const problem of problems) writeLine(io.stderr, `  ${problem}`);
  return EXIT.config;
}

async function printConfig(options: GlobalOptions, io: CliIo): Promise<number> {
  const { file, config } = await loadConfig(configPathFrom(options.config, io.env), io.cwd);
  // The file holds no secrets (only *File paths); show where each secret comes from.
  const places: Record<keyof typeof SECRET_ENV, [string, string | null]> = {
    pgpPassphrase: ['pgp.passphraseFile', config.pgp.passphraseFile],
    imapPassword: ['imap.passwordFile', config.imap.passwordFile],
    outboundPassword: ['outbound.passwordFile', config.outbound.passwordFile],
    rtToken: ['handoff.rt.tokenFile', config.handoff.rt?.tokenFile ?? null],
    rtPassword: ['handoff.rt.passwordFile', config.handoff.rt?.passwordFile ?? null],
  };
  const secrets = Object.fromEntries(
    Object.entries(SECRET_ENV).map(([name, env]) => {
      const [key, file] = places[name as keyof typeof SECRET_ENV];
      const from = io.env[env] ? `env ${env}` : file ? `${key} ${file}` : null;
      return [name, from ? `[redacted] (from ${from})` : `not set (neither ${key} nor env ${env})`];
    }),
  );
  writeLine(io.stdout, `# resolved from ${file}`);
  io.stdout.write(YAML.stringify({ ...config, secrets }));
  return EXIT.ok;
}
