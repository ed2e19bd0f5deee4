// Loaded with `node --import` by test/cli/startup.test.ts: records the npm packages a
// command imports and writes them, one per line, to $INTAKE_TEST_IMPORTS at exit.
import { writeFileSync } from 'node:fs';
import module from 'node:module';

const packages = new Set();
module.registerHooks({
  load(url, context, nextLoad) {
    const match = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (match) packages.add(match[1]);
    return nextLoad(url, context);
  },
});
process.on('exit', () => writeFileSync(process.env.INTAKE_TEST_IMPORTS, [...packages].sort().join('\n')));
