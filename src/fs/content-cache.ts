import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';

/**
 * A cache of values derived from a text (parsed YAML, a validated form template), as JSON
 * files under `dir`. An entry holds the text it was derived from and is used only for
 * exactly that text, so an edited file is simply derived anew and nothing is ever
 * invalidated; the file name is a cheap hash of the text (a collision only costs a miss,
 * and no node:crypto is loaded: ~10 ms of a start). Best effort both ways — a cache that
 * cannot be read or written costs time, never correctness — and only values that JSON
 * carries exactly are stored (no NaN or Infinity, no undefined, no class instances), so a
 * value read back is the value that was derived.
 */
interface Entry {
  kind: string;
  text: string;
  value: unknown;
}

/** The cached value derived by `kind` from `text`, or undefined when there is none. */
export async function readCached(dir: string | null, kind: string, text: string): Promise<unknown> {
  if (!dir) return undefined;
  try {
    const entry = JSON.parse(await readFile(entryFile(dir, kind, text), 'utf8')) as Entry;
    return entry.kind === kind && entry.text === text ? entry.value : undefined;
  } catch {
    return undefined;
  }
}

export async function writeCached(dir: string | null, kind: string, text: string, value: unknown): Promise<void> {
  if (!dir || !isExactJson(value)) return;
  const file = entryFile(dir, kind, text);
  // Written beside and renamed: a reader sees the old entry or the new one, never half.
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(JSON.stringify({ kind, text, value } satisfies Entry));
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch {
    // read-only or full disk: derived again next time
    await unlink(temp).catch(() => undefined);
  }
}

/** True when JSON.parse(JSON.stringify(value)) gives the same value back. */
export function isExactJson(value: unknown, depth = 0): boolean {
  if (depth > 64) return false;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0);
  if (Array.isArray(value)) return value.length === Object.keys(value).length && value.every((item) => isExactJson(item, depth + 1));
  if (typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return false;
  return Object.entries(value).every(([key, item]) => key !== '__proto__' && isExactJson(item, depth + 1));
}

function entryFile(dir: string, kind: string, text: string): string {
  return path.join(dir, `${kind.replace(/[^a-z0-9-]/gi, '_')}-${fnv1a(text)}-${text.length}.json`);
}

/** 32-bit FNV-1a over the UTF-16 code units: spreads names, nothing more. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(16).padStart(8, '0');
}
