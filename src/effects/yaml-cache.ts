import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { writeFileAtomic } from '../fs/atomic-file.js';

/**
 * Reads a YAML data file (form template, rules), remembering its parsed form as JSON under
 * `cacheDir/<sha256 of the text>.json`: the yaml library needs tens of milliseconds for a
 * rules file, and `intake ingest` starts once per message when an MTA pipes mail in.
 * The cache holds only what the YAML said — every caller validates it again — and is
 * keyed by content, so an edited file is simply parsed anew. A file with YAML errors is
 * never cached.
 */
export type YamlResult = { value: unknown; errors: [] } | { value: null; errors: string[] };

const CACHE_FORMAT = 'yaml-v1';

export async function readYamlFile(file: string, cacheDir: string | null): Promise<YamlResult> {
  const text = await readFile(file, 'utf8');
  const key = createHash('sha256').update(`${CACHE_FORMAT}\0${text}`).digest('hex');
  const cached = cacheDir ? await readCached(path.join(cacheDir, `${key}.json`)) : undefined;
  if (cached !== undefined) return { value: cached, errors: [] };
  const document = YAML.parseDocument(text, { uniqueKeys: true });
  if (document.errors.length > 0) return { value: null, errors: document.errors.map((e) => e.message.split('\n')[0] ?? e.message) };
  const value: unknown = document.toJS() ?? {};
  if (cacheDir) await writeCache(cacheDir, `${key}.json`, value);
  return { value, errors: [] };
}

async function readCached(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** Best effort: a cache that cannot be written costs time, never correctness. */
async function writeCache(dir: string, name: string, value: unknown): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    await writeFileAtomic(path.join(dir, name), JSON.stringify(value), { syncDir: false });
  } catch {
    // read-only archive, full disk: parse again next time
  }
}
