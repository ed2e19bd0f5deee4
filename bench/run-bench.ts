import { spawn } from 'node:child_process';
import path from 'node:path';

/**
 * `npm run bench`: runs each section in its own Node process (so each peak RSS is its
 * own) and prints the figures as a table and as JSON lines. Sections are the compiled
 * scripts next to this file; `npm run bench -- NAME…` runs only those.
 */
const SECTIONS = ['ingest-plain', 'ingest-encrypted', 'ack-signing', 'openpgp-decrypt', 'openpgp-large', 'forms', 'smtp-load', 'startup', 'pipe', 'store', 'serve-encrypted', 'ingest-files', 'hostile', 'search'];

const wanted = process.argv.slice(2);
const selected = wanted.length > 0 ? SECTIONS.filter((s) => wanted.includes(s)) : SECTIONS;
const here = import.meta.dirname;

console.log(`node ${process.version} on ${process.platform}/${process.arch}`);
for (const section of selected) {
  const figures = await runSection(path.join(here, `${section}.js`));
  for (const line of figures) console.log(JSON.stringify(line));
}

function runSection(script: string): Promise<Array<Record<string, unknown>>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${path.basename(script)} exited with ${code}`));
      resolve(out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>));
    });
  });
}
