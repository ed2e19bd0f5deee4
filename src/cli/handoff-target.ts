import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { configPathFrom } from '../config/config-path.js';
import { readCached, writeCached } from '../fs/content-cache.js';
import { privateCacheDir } from './compile-cache.js';

export interface HandoffTarget {
  socket: string;
  /** team.addresses[0]: the RCPT TO when the MTA named no recipient. */
  defaultRecipient: string;
}

/**
 * Where `intake serve` takes hand-offs (`lmtp.enabled` with `lmtp.socket`), read from the
 * configuration file without validating all of it: the daemon validated the file when
 * it started, and loading the schema would cost more than the whole hand-off. Null when
 * there is no such socket or the file cannot be read as expected — then `intake
 * ingest` loads the configuration properly and processes the message itself.
 */
export async function handoffTarget(configFlag: string | undefined, env: NodeJS.ProcessEnv, cwd: string): Promise<HandoffTarget | null> {
  try {
    const document = (await parsedConfigFile(configPathFrom(configFlag, env))) as {
      lmtp?: { enabled?: unknown; socket?: unknown };
      team?: { addresses?: unknown };
    } | null;
    const socket = document?.lmtp?.socket;
    const addresses = document?.team?.addresses;
    const first = Array.isArray(addresses) ? (addresses[0] as unknown) : undefined;
    if (document?.lmtp?.enabled !== true || typeof socket !== 'string' || socket === '' || typeof first !== 'string') return null;
    return { socket: path.resolve(cwd, socket), defaultRecipient: first };
  } catch {
    return null;
  }
}

/**
 * The file's YAML as data, remembered by content in this user's private cache directory
 * (cli/compile-cache.ts): a hand-off reads a small JSON file instead of loading the YAML
 * library. Throws on a YAML error, as the parser does.
 */
async function parsedConfigFile(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8');
  const dir = privateCacheDir();
  const cacheDir = dir && path.join(dir, 'config-yaml');
  const cached = await readCached(cacheDir, 'config-yaml-v1', text);
  if (cached !== undefined) return cached;
  const { default: YAML } = await import('yaml');
  const value: unknown = YAML.parse(text);
  await writeCached(cacheDir, 'config-yaml-v1', text, value);
  return value;
}
