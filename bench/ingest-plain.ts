import { fileTransport } from '../src/model/transport.js';
import { benchWorkspace, peakRssMiB, plainReport, report, round } from './bench-lib.js';

/**
 * Issue 2 figure: ingest 500 plain 4 KB reports through the whole pipeline (spool,
 * parse, ticket, archive — every fsync included), with the default concurrency.
 */
const COUNT = Number(process.env.BENCH_COUNT ?? 500);
const workspace = await benchWorkspace();
const messages = Array.from({ length: COUNT }, (_, i) => plainReport(i));
const transport = fileTransport('reporter@example.org', ['cert@xyz.example']);

const started = performance.now();
const outcomes = await Promise.all(messages.map((raw) => workspace.app.ingest(raw, transport)));
const seconds = (performance.now() - started) / 1000;
await workspace.app.stop();
await workspace.cleanup();

const archived = outcomes.filter((o) => o.kind === 'archived').length;
report({
  section: 'ingest-plain',
  messages: COUNT,
  archived,
  seconds: round(seconds, 2),
  messagesPerSecond: round(COUNT / seconds),
  peakRssMiB: peakRssMiB(),
});
