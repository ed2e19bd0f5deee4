import YAML from 'yaml';
import { ConfigError } from './config-error.js';
import { describeIssue } from './describe-issue.js';
import { readConfigText } from './config-text.js';
import { resolvePaths } from './resolve-paths.js';
import { configSchema, type Config } from './schema.js';

export { ConfigError };
export { configPathFrom, DEFAULT_CONFIG_PATH } from './config-path.js';

export interface LoadedConfig {
  file: string;
  config: Config;
}

export async function loadConfig(file: string, cwd = process.cwd()): Promise<LoadedConfig> {
  return { file, config: parseConfig(file, await readConfigText(file), cwd) };
}

export function parseConfig(file: string, text: string, cwd: string): Config {
  return resolvePaths(validatedConfig(file, text), cwd);
}

/** The file's configuration as the schema reads it, before paths are resolved (what read-config.ts caches). */
export function validatedConfig(file: string, text: string): Config {
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
  return result.data;
}
