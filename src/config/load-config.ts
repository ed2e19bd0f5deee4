import { readFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { ConfigError } from './config-error.js';
import { describeIssue } from './describe-issue.js';
import { configSchema, type Config } from './schema.js';

export { ConfigError };
export { configPathFrom, DEFAULT_CONFIG_PATH } from './config-path.js';

export interface LoadedConfig {
  file: string;
  config: Config;
}

export async function loadConfig(file: string, cwd = process.cwd()): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    // The default is relative to the working directory: outside a checkout it is not there.
    const hint = missing ? ' (give the file with --config FILE or env INTAKE_CONFIG; the default config/default.yaml is relative to the working directory)' : '';
    throw new ConfigError(file, [`cannot read: ${(error as Error).message}${hint}`]);
  }
  return { file, config: parseConfig(file, text, cwd) };
}

export function parseConfig(file: string, text: string, cwd: string): Config {
  const document = YAML.parseDocument(text, { uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new ConfigError(
      file,
      document.errors.map((e) => `YAML ${e.linePos?.[0] ? `line ${e.linePos[0].line}` : ''}: ${e.message.split('\n')[0]}`),
    );
  }
  const input: unknown = document.toJS();
  if (input === null || input === undefined) {
    throw new ConfigError(file, ['the file is empty: a configuration needs at least the team section (see config/default.yaml)']);
  }
  const result = configSchema.safeParse(input);
  if (!result.success) {
    throw new ConfigError(file, result.error.issues.flatMap((issue) => describeIssue(issue, input, configSchema)));
  }
  return resolvePaths(result.data, cwd);
}

/** Relative paths in the configuration are relative to the working directory. */
function resolvePaths(config: Config, cwd: string): Config {
  const abs = (p: string): string => path.resolve(cwd, p);
  const absOrNull = (p: string | null): string | null => (p === null ? null : abs(p));
  return {
    ...config,
    pgp: {
      ...config.pgp,
      privateKeyFile: abs(config.pgp.privateKeyFile),
      passphraseFile: absOrNull(config.pgp.passphraseFile),
      keyringDir: abs(config.pgp.keyringDir),
      pendingDir: abs(config.pgp.pendingDir),
    },
    archive: { dir: abs(config.archive.dir) },
    smtp: {
      ...config.smtp,
      tls: config.smtp.tls && { keyFile: abs(config.smtp.tls.keyFile), certFile: abs(config.smtp.tls.certFile) },
    },
    lmtp: { ...config.lmtp, socket: absOrNull(config.lmtp.socket) },
    imap: { ...config.imap, passwordFile: absOrNull(config.imap.passwordFile) },
    outbound: { ...config.outbound, passwordFile: absOrNull(config.outbound.passwordFile) },
    ack: {
      ...config.ack,
      templateFile: absOrNull(config.ack.templateFile),
      onDutyTemplateFile: absOrNull(config.ack.onDutyTemplateFile),
    },
    log: { ...config.log, file: absOrNull(config.log.file) },
    report: { ...config.report, templateDirs: config.report.templateDirs.map(abs), rulesFile: absOrNull(config.report.rulesFile) },
    store: { ...config.store, path: absOrNull(config.store.path), urlFile: absOrNull(config.store.urlFile) },
  };
}
