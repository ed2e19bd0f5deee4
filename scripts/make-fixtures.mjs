#!/usr/bin/env node
// Regenerates every committed fixture with real tools (gpg, sqop, openpgp.js, …).
// Each generator is one file under scripts/fixtures/ exporting `async function generate(root)`;
// `npm run fixtures -- NAME…` runs only those. Fixtures are never edited by hand.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const here = path.dirname(new URL(import.meta.url).pathname);
const root = path.resolve(here, '..', 'fixtures');
const wanted = process.argv.slice(2);
const generators = (await readdir(path.join(here, 'fixtures')))
  .filter((name) => name.endsWith('.mjs'))
  .sort()
  .filter((name) => wanted.length === 0 || wanted.includes(name.replace(/\.mjs$/, '')));

for (const name of generators) {
  const module = await import(pathToFileURL(path.join(here, 'fixtures', name)).href);
  const started = Date.now();
  const written = await module.generate(root);
  console.log(`${name}: ${written ?? '?'} file(s) in ${Date.now() - started} ms`);
}
