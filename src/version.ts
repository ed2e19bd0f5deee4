import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The installed csirt-intake version, from its package.json: found by walking up from
 * this module, which sits at src/ in a checkout and at dist/src/ once built.
 */
let cached: string | undefined;

export function packageVersion(): string {
  if (cached !== undefined) return cached;
  let dir = import.meta.dirname;
  for (;;) {
    try {
      const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (manifest.name === 'csirt-intake' && manifest.version) return (cached = manifest.version);
    } catch {
      // no package.json here (or not ours): keep walking up
    }
    const parent = path.dirname(dir);
    if (parent === dir) return (cached = 'unknown');
    dir = parent;
  }
}

/** `intake --version`: what an operator pastes into a bug report. */
export function versionLine(): string {
  return `csirt-intake ${packageVersion()} (Node.js ${process.version})`;
}
