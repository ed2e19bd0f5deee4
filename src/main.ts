#!/usr/bin/env node
import { enableCompileCache } from './cli/compile-cache.js';
import { EXIT } from './cli/exit-codes.js';

/**
 * The process edge: argv, environment and signals in, an exit code out. The first
 * SIGTERM/SIGINT asks the running command to finish its in-flight work; a second one
 * exits at once.
 *
 * The compile cache is switched on before anything else is loaded, and the command line
 * is imported only then (a static import would be compiled first): every command loads
 * just the modules it needs (cli/run-cli.ts).
 */
enableCompileCache();
const { runCli } = await import('./cli/run-cli.js');

const stop = new AbortController();
let signals = 0;
for (const name of ['SIGTERM', 'SIGINT'] as const) {
  process.on(name, () => {
    signals++;
    if (signals > 1) process.exit(EXIT.tempFail);
    stop.abort();
  });
}

let code: number;
try {
  code = await runCli(
    process.argv.slice(2),
    { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() },
    stop.signal,
  );
} catch (error) {
  process.stderr.write(`intake: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  // An unexpected failure must make an MTA retry, never bounce or drop the message.
  code = EXIT.tempFail;
}
process.exit(code);
