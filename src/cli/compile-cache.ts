import module from 'node:module';
import os from 'node:os';
import path from 'node:path';

/**
 * Turns on Node's module compile cache (V8 code cache on disk) before any of our modules
 * or their dependencies are compiled: a one-shot `intake ingest` from an MTA then skips
 * most of the parsing and compiling of ~150 modules on every later start.
 *
 * The cache holds compiled code that Node runs, so it must live where only this user
 * can write: whoever can write it can run code as us. `NODE_COMPILE_CACHE` (Node's own
 * variable) wins; otherwise `<tmpdir>/csirt-intake-compile-cache-<uid>`, created mode
 * 0700 and used only when it is a real directory owned by us and writable by nobody
 * else. That works for an MTA's user and for a read-only installation alike. Anything
 * wrong — no such directory possible, a foreign owner, a full disk — and Node runs
 * without the cache: it is an optimisation, never a reason to refuse mail.
 * `NODE_DISABLE_COMPILE_CACHE=1` turns it off (Node honours it in enableCompileCache).
 * The same private directory keeps what is derived from the configuration file by
 * content (`config-yaml/`, cli/handoff-target.ts), for the same reason and on the same trust.
 */
export function enableCompileCache(env: NodeJS.ProcessEnv = process.env): string | null {
  try {
    const directory = env.NODE_COMPILE_CACHE ? undefined : privateCacheDir();
    if (directory === null) return null;
    const result = module.enableCompileCache(directory === undefined ? undefined : { directory });
    return result.directory ?? null;
  } catch {
    return null;
  }
}

/**
 * node:fs as the built-in CommonJS module: an ES `import` of node:fs builds its module
 * facade by reading every export, which loads fs streams too (a few milliseconds that
 * `intake --version` and a hand-off to the daemon would otherwise spend here first).
 */
const { lstatSync, mkdirSync } = process.getBuiltinModule('node:fs');

/** The per-user directory below the temp dir, or null when it is not safe to use. */
export function privateCacheDir(tmpdir = os.tmpdir()): string | null {
  const uid = process.getuid?.();
  if (uid === undefined) return null;
  const dir = path.join(tmpdir, `csirt-intake-compile-cache-${uid}`);
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return null;
  }
  try {
    // lstat: a symlink planted by someone else is refused, never followed.
    const stat = lstatSync(dir);
    if (!stat.isDirectory() || stat.uid !== uid || (stat.mode & 0o022) !== 0) return null;
  } catch {
    return null;
  }
  return dir;
}
