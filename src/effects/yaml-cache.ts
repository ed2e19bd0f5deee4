import { readFile } from 'node:fs/promises';
import { BUILD_ID } from '../build-id.js';
import { readCached, writeCached } from '../fs/content-cache.js';

/**
 * Reads a YAML data file (form template, rules), remembering its parsed form in
 * `cacheDir` (fs/content-cache.ts, keyed by the text): the yaml library needs tens of
 * milliseconds for a rules file, and `intake ingest` starts once per message when an MTA
 * pipes mail in. A file with YAML errors is never cached.
 */
export type YamlResult = { value: unknown; errors: [] } | { value: null; errors: string[] };

const CACHE_KIND = 'yaml-v1';

export async function readYamlFile(file: string, cacheDir: string | null): Promise<YamlResult> {
  return parseYamlText(await readFile(file, 'utf8'), cacheDir);
}

async function parseYamlText(text: string, cacheDir: string | null): Promise<YamlResult> {
  const cached = await readCached(cacheDir, CACHE_KIND, text);
  if (cached !== undefined) return { value: cached, errors: [] };
  const { default: YAML } = await import('yaml');
  const document = YAML.parseDocument(text, { uniqueKeys: true });
  if (document.errors.length > 0) return { value: null, errors: document.errors.map((e) => e.message.split('\n')[0] ?? e.message) };
  const value: unknown = document.toJS() ?? {};
  await writeCached(cacheDir, CACHE_KIND, text, value);
  return { value, errors: [] };
}

export type Validated<T> = { value: T } | { problems: string[] };

/**
 * The file's YAML as `validate` (a schema) accepts it, or its problems. What a valid file
 * validated to is remembered too, under `kind` and this build (build-id.ts: a changed
 * schema never meets a value the old one made), so that a worker of `intake ingest` loads
 * neither YAML nor the schema library for the shipped forms and rules. `yamlProblem`
 * words a YAML error; a file that cannot be read throws.
 */
export async function readValidatedYamlFile<T>(
  file: string,
  cacheDir: string | null,
  kind: string,
  validate: (value: unknown) => Promise<Validated<T>>,
  yamlProblem: (error: string) => string,
): Promise<Validated<T>> {
  const text = await readFile(file, 'utf8');
  const validatedKind = BUILD_ID && cacheDir ? `${kind}-${BUILD_ID}` : null;
  const cached = validatedKind ? await readCached(cacheDir, validatedKind, text) : undefined;
  if (cached !== undefined) return { value: cached as T };
  const yaml = await parseYamlText(text, cacheDir);
  if (yaml.errors.length > 0) return { problems: yaml.errors.map(yamlProblem) };
  const result = await validate(yaml.value);
  if ('value' in result && validatedKind) await writeCached(cacheDir, validatedKind, text, result.value);
  return result;
}
