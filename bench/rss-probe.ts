import { writeFileSync } from 'node:fs';

/**
 * Preloaded (`node --import`) into a command the hostile bench runs: on exit, writes the
 * process's peak RSS (worker threads included: they share the process) to the file named
 * by BENCH_RSS_FILE. Works against any build of the CLI, so a baseline can be measured.
 */
const file = process.env.BENCH_RSS_FILE;
if (file) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
