import { BUILD_ID } from '../build-id.js';
import { readCached, writeCached } from '../fs/content-cache.js';
import { readConfigText } from './config-text.js';
import type { LoadedConfig } from './load-config.js';
import { resolvePaths } from './resolve-paths.js';
import type { Config } from './schema.js';

/**
 * The configuration as every command but `config check` reads it: like loadConfig, but
 * what the schema made of this exact text is remembered in `cacheDir` (fs/content-cache.ts),
 * keyed by the build too (build-id.ts), so that an MTA's `intake ingest` loads neither
 * YAML nor the schema library once the file has been read (README "Performance"). Same
 * text, same code: same result; any other text or build is validated as usual, and a
 * file with problems is never cached (its ConfigError is thrown anew each time).
 */
export async function readConfig(file: string, cwd: string, cacheDir: string | null): Promise<LoadedConfig> {
  const text = await readConfigText(file);
  const kind = BUILD_ID && cacheDir ? `config-${BUILD_ID}` : null;
  const cached = kind ? await readCached(cacheDir, kind, text) : undefined;
  if (cached !== undefined) return { file, config: resolvePaths(cached as Config, cwd) };
  const { validatedConfig } = await import('./load-config.js');
  const validated = validatedConfig(file, text);
  if (kind) await writeCached(cacheDir, kind, text, validated);
  return { file, config: resolvePaths(validated, cwd) };
}
