// Loaded with `node --import` by test/cli/startup.test.ts: records the npm packages a
// command imports and writes them, one per line, to $INTAKE_TEST_IMPORTS at exit.
// From the TypeScript build (dist/src) a package is a module under node_modules/; from the
// bundles (dist/intake, scripts/bundle.mjs) it is any package with a module in a chunk the
// command loaded, read from the chunk's source map: loading a chunk evaluates its modules.
import { readFileSync, writeFileSync } from 'node:fs';
import module from 'node:module';
import { fileURLToPath } from 'node:url';

const PACKAGE = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//;
const packages = new Set();
module.registerHooks({
  load(url, context, nextLoad) {
    const match = PACKAGE.exec(url);
    if (match) packages.add(match[1]);
    else if (url.startsWith('file:') && url.includes('/dist/intake/')) {
      let map = { sources: [] };
      try {
        map = JSON.parse(readFileSync(`${fileURLToPath(url)}.map`, 'utf8'));
      } catch {
        // a chunk of only bundler glue has no map
      }
      for (const source of map.sources) {
        const inside = PACKAGE.exec(`/${source}`);
        if (inside) packages.add(inside[1]);
      }
    }
    return nextLoad(url, context);
  },
});
process.on('exit', () => writeFileSync(process.env.INTAKE_TEST_IMPORTS, [...packages].sort().join('\n')));
