import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/schema.js';
import { listDirOrEmpty } from '../fs/read-files.js';
import { readPublicKeys } from './keyring.js';

/**
 * What `intake config check` says about the curated keyring: files that would be skipped
 * at start-up. (The team key is checked as the daemon loads it: startup/check-team-key.ts.)
 */
export async function keyringProblems(config: Config): Promise<string[]> {
  const problems: string[] = [];
  let names: string[];
  try {
    names = await listDirOrEmpty(config.pgp.keyringDir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EACCES' ? `is not readable by uid ${process.getuid?.() ?? '?'} (the user intake runs as)` : `cannot be read (${code ?? (error as Error).message})`;
    return [`pgp.keyringDir: ${config.pgp.keyringDir} ${why}`];
  }
  for (const name of names.filter((n) => n.endsWith('.asc')).sort()) {
    const file = path.join(config.pgp.keyringDir, name);
    try {
      await readPublicKeys(await readFile(file));
    } catch {
      problems.push(`pgp.keyringDir: ${file} is not an OpenPGP key (it would be skipped)`);
    }
  }
  return problems;
}
