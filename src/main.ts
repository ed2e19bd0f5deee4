#!/usr/bin/env node
import { enableCompileCache } from './cli/compile-cache.js';
import { EXIT } from './cli/exit-codes.js';
import { mtaIngestArgs } from './cli/ingest-argv.js';
import { ProcessSignals } from './cli/process-signals.js';

/**
 * The process edge: argv, environment and signals in, an exit code out. The first
 * SIGTERM/SIGINT asks the running command to finish its in-flight work; a second one
 * exits at once. SIGHUP, SIGUSR1 and SIGUSR2 go to whoever subscribed (process-signals.ts).
 * The handlers are installed first of all: a listener on SIGUSR1 is what keeps Node from
 * opening its inspector (bin/intake also passes --disable-sigusr1, for the moment before
 * this module runs).
 *
 * The compile cache is switched on before anything else is loaded, and the command line
 * is imported only then (a static import would be compiled first): every command loads
 * just the modules it needs (cli/run-cli.ts), and `intake ingest` as an MTA calls it
 * not even the command-line library (cli/ingest-argv.ts).
 */
const signals = new ProcessSignals((line) => process.stderr.write(`${line}\n`));
let stops = 0;
for (const name of ['SIGTERM', 'SIGINT'] as const) {
  process.on(name, () => {
    stops++;
    if (stops > 1) process.exit(EXIT.tempFail);
    signals.requestStop();
  });
}
for (const name of ['SIGHUP', 'SIGUSR1', 'SIGUSR2'] as const) process.on(name, () => signals.deliver(name));

enableCompileCache();

const argv = process.argv.slice(2);
// process.stdin is a getter that builds a stream (fs or net, ~10 ms): built only if a command reads it that way.
const io = {
  get stdin() {
    return process.stdin;
  },
  stdinFd: 0,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
};
let code: number;
try {
  // An MTA's `intake ingest` skips the command-line library (cli/ingest-argv.ts).
  const mta = mtaIngestArgs(argv);
  if (mta) code = await (await import('./cli/ingest.js')).runIngestCommand(mta.files, mta.options, io);
  else if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    // What commander would print for it, without loading commander.
    io.stdout.write(`${(await import('./version.js')).versionLine()}\n`);
    code = EXIT.ok;
  } else code = await (await import('./cli/run-cli.js')).runCli(argv, io, signals);
} catch (error) {
  process.stderr.write(`intake: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  // An unexpected failure must make an MTA retry, never bounce or drop the message.
  code = EXIT.tempFail;
}
process.exit(code);
