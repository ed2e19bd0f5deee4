import { access, constants, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/schema.js';
import { sqlitePath } from '../store/open-store.js';
import type { Finding } from './finding.js';

/** Directories the daemon writes, with the key that names each. */
export function writableDirs(config: Config): Array<[key: string, dir: string]> {
  const dirs: Array<[string, string]> = [
    ['archive.dir', config.archive.dir],
  ];
  if (config.log.file) dirs.push(['log.file', path.dirname(config.log.file)]);
  if (config.lmtp.enabled && config.lmtp.socket) dirs.push(['lmtp.socket', path.dirname(config.lmtp.socket)]);
  if (config.store.engine === 'sqlite' && config.store.path) dirs.push(['store.path', path.dirname(config.store.path)]);
  return dirs;
}

/**
 * Files the daemon writes that may exist already: the log file, and the SQLite store with
 * its WAL and shared-memory files (a CLI run once as root leaves them root's: the daemon
 * could then not open its own store).
 */
function writableFiles(config: Config): Array<[key: string, file: string]> {
  const files: Array<[string, string]> = [];
  if (config.log.file) files.push(['log.file', config.log.file]);
  if (config.store.engine === 'sqlite') {
    const db = sqlitePath(config);
    for (const file of [db, `${db}-wal`, `${db}-shm`]) files.push([config.store.path ? 'store.path' : 'archive.dir', file]);
  }
  return files;
}

/**
 * Every directory `intake serve` writes must be writable by this user — or, when it does
 * not exist yet, creatable: its nearest existing ancestor is a writable directory. An
 * existing log file and SQLite store must be writable too. Checked with access(2), which also sees a
 * read-only mount (EROFS); nothing is created here.
 */
export async function checkPaths(config: Config): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const [key, dir] of writableDirs(config)) {
    const problem = await creatableDir(dir);
    if (problem) findings.push({ text: `${key}: ${problem}`, exit: problem.includes('not a directory') ? 73 : 77 });
  }
  for (const [key, file] of writableFiles(config)) {
    const info = await stat(file).catch(() => null);
    if (info && !info.isFile()) findings.push({ text: `${key}: ${file} is not a regular file`, exit: 73 });
    else if (info && !(await allowed(file, constants.W_OK))) findings.push({ text: `${key}: ${file} is not writable ${byWhom()}`, exit: 77 });
  }
  return findings;
}

async function creatableDir(dir: string): Promise<string | null> {
  for (let current = dir; ; current = path.dirname(current)) {
    const info = await stat(current).catch((error: NodeJS.ErrnoException) => error);
    if (info instanceof Error) {
      // ENOTDIR: a parent is a regular file; walking up finds and names it.
      if ((info.code === 'ENOENT' || info.code === 'ENOTDIR') && current !== path.dirname(current)) continue;
      if (info.code === 'EACCES') return `${dir} cannot be reached ${byWhom()}: a directory above it may not be searched`;
      return `${dir}: ${info.message}`;
    }
    if (!info.isDirectory()) return `${current} is not a directory${current === dir ? '' : ` (so ${dir} cannot be created)`}`;
    if (await allowed(current, constants.W_OK | constants.X_OK)) return null;
    return current === dir ? `${dir} is not writable ${byWhom()}` : `${dir} does not exist and ${current} is not writable ${byWhom()}`;
  }
}

async function allowed(file: string, mode: number): Promise<boolean> {
  return access(file, mode).then(() => true, () => false);
}

function byWhom(): string {
  const uid = process.getuid?.();
  return uid === undefined ? '' : `by uid ${uid} (the user intake runs as)`;
}
