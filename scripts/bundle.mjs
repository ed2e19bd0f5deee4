// The second half of `npm run build` (after tsc): the command line as a few bundles in
// dist/intake/, which bin/intake runs. An MTA starts `intake ingest` once per message, and
// Node's ES module loader spends a good part of that start resolving, reading and linking
// modules one by one — about 540 in the main thread and 450 in a sandbox worker before
// bundling, a few dozen chunks after (README "Performance" has the figures).
//
// Three entries: main.js (the process), worker-entry.js (a sandbox worker thread; the
// worker pool finds it beside its own chunk) and store-worker-entry.js (the store's thread
// in `intake serve`, found the same way by store/store-thread.ts). Every dynamic import() stays a separate
// chunk, so a command still loads only what it uses (cli/commands.ts). The dependencies
// are bundled too; Node's built-in modules and pg's optional native binding stay outside.
// Source maps (.js.map) map back to src/*.ts: NODE_OPTIONS=--enable-source-maps shows
// TypeScript positions in stack traces (not on by default: reading them costs ~50 ms a start).
import { createHash } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { build } from 'rolldown';

const root = path.resolve(import.meta.dirname, '..');
const outDir = path.join(root, 'dist', 'intake');

// src/build-id.ts: what the sources and the locked dependencies are, as one hash.
const hash = createHash('sha256');
const sources = (await readdir(path.join(root, 'src'), { recursive: true })).filter((f) => f.endsWith('.ts')).sort();
for (const file of [...sources.map((f) => path.join('src', f)), 'package-lock.json']) {
  hash.update(`${file}\0`).update(await readFile(path.join(root, file))).update('\0');
}
const buildId = hash.digest('hex');

await rm(outDir, { recursive: true, force: true });
await build({
  cwd: root,
  input: { main: 'src/main.ts', 'worker-entry': 'src/sandbox/worker-entry.ts', 'store-worker-entry': 'src/store/store-worker-entry.ts' },
  platform: 'node',
  external: [/^node:/, ...builtinModules, 'pg-native'],
  transform: { define: { __INTAKE_BUILD_ID__: JSON.stringify(buildId) } },
  // TypeScript sources import each other as './x.js'.
  resolve: { extensionAlias: { '.js': ['.ts', '.js'] } },
  output: {
    dir: outDir,
    format: 'esm',
    sourcemap: true,
    // Like tsc's maps: positions and file names, not a second copy of every source.
    sourcemapExcludeSources: true,
    entryFileNames: '[name].js',
    chunkFileNames: '[name]-[hash].js',
  },
  logLevel: 'warn',
});
