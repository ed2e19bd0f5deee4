import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, afterEach, expect } from 'vitest';
import { openApp, type App } from '../../src/app.js';
import type { Config } from '../../src/config/schema.js';
import type { MessageRecord, TicketRecord } from '../../src/model/message-record.js';
import type { Outcome } from '../../src/model/outcome.js';
import { fileTransport, type TransportInfo } from '../../src/model/transport.js';
import { fixedClock } from './clock.js';
import { logSink, type LogSink } from './log-sink.js';
import { tempDir, type TempScope } from './temp-dir.js';
import { ensureTeamKey } from './team-key.js';
import { testConfig } from './test-config.js';
import { exportArchive } from '../../src/archive/export-archive.js';
import { ArchiveLayout } from '../../src/archive/layout.js';

export const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures');

/** Apps hold their store open: stopped (and closed) after their test, or their file for `scope: 'file'`. */
const opened: Record<TempScope, App[]> = { test: [], file: [] };
afterEach(async () => {
  for (const app of opened.test.splice(0)) await app.stop().catch(() => undefined);
});
afterAll(async () => {
  for (const app of opened.file.splice(0)) await app.stop().catch(() => undefined);
});

export interface TestApp {
  app: App;
  config: Config;
  logs: LogSink;
  clock: ReturnType<typeof fixedClock>;
  dir: string;
}

export interface TestAppOptions {
  /** `file` keeps the archive across the tests of a file (default: removed after each test). */
  scope?: TempScope;
  /** Start of the fixed clock (ISO); default fixedClock's. */
  clock?: string;
  /** Runs in the fresh directory before the app opens (seed keys, templates, …). */
  prepare?: (dir: string) => Promise<void>;
  /** Generate a team key at pgp.privateKeyFile when none is there (default true), as an operator would. */
  teamKey?: boolean;
}

/** A real app on a fresh temporary archive. */
export async function createTestApp(
  overrides: Parameters<typeof testConfig>[1] = {},
  scopeOrOptions: TempScope | TestAppOptions = {},
): Promise<TestApp> {
  const options = typeof scopeOrOptions === 'string' ? { scope: scopeOrOptions } : scopeOrOptions;
  const dir = await tempDir('intake-test-', options.scope ?? 'test');
  const config = testConfig(dir, overrides);
  await options.prepare?.(dir);
  const logs = logSink();
  const clock = fixedClock(options.clock);
  if (options.teamKey !== false) await ensureTeamKey(config, clock.now());
  const app = await openApp({ config, logger: logs.logger, now: clock.now, env: {} });
  opened[options.scope ?? 'test'].push(app);
  return { app, config, logs, clock, dir };
}

export interface PipelineRun {
  outcome: Outcome;
  record: MessageRecord | null;
  ticket: TicketRecord | null;
}

export interface RunOptions {
  transport?: TransportInfo;
  /** Error-level log lines this input is expected to cause. */
  expectErrors?: boolean;
}

/** Reads `fixtures/<relative>` or takes raw bytes. */
export async function loadMessage(input: string | Buffer): Promise<Buffer> {
  return typeof input === 'string' ? readFile(path.join(FIXTURES, input)) : input;
}

/**
 * Runs one message through the real app (store, pipeline) and checks the
 * hygiene every pipeline test shares: exactly one outcome line for this message, no
 * error-level line unless expected, and no report text (Subject, body lines) in any log
 * line.
 */
export async function runPipelineOn(t: TestApp, input: string | Buffer, options: RunOptions = {}): Promise<PipelineRun> {
  const raw = await loadMessage(input);
  const before = t.logs.lines.length;
  const outcome = await t.app.ingest(raw, options.transport ?? fileTransport('reporter@example.org', ['cert@xyz.example']));
  const lines = t.logs.lines.slice(before);

  const outcomes = lines.filter((l) => ['report processed', 'duplicate message', 'processing failed; message kept in the store for retry'].includes(String(l.msg)));
  expect(outcomes, 'exactly one outcome line per message').toHaveLength(1);
  if (!options.expectErrors) {
    expect(lines.filter((l) => Number(l.level) >= 50), 'no error-level log lines').toEqual([]);
  }
  await expectNoReportTextIn(JSON.stringify(lines), raw);

  let record: MessageRecord | null = null;
  let ticket: TicketRecord | null = null;
  if (outcome.kind === 'archived') {
    record = (await t.app.store.tickets.message(outcome.ticket, outcome.seq))?.record ?? null;
    ticket = await t.app.store.tickets.get(outcome.ticket);
  }
  return { outcome, record, ticket };
}

/** Subject and every body line of 12+ characters must be absent from the log text. */
export async function expectNoReportTextIn(logText: string, raw: Buffer): Promise<void> {
  const mail = await simpleParser(raw).catch(() => null);
  if (!mail) return;
  const secrets = [mail.subject ?? '', ...(mail.text ?? '').split(/\r?\n/)]
    .map((s) => s.trim())
    .filter((s) => s.length >= 12);
  for (const secret of secrets) {
    expect(logText.includes(secret), `report text leaked into a log line: ${secret.slice(0, 40)}`).toBe(false);
    expect(logText.includes(JSON.stringify(secret).slice(1, -1)), `escaped report text in a log line: ${secret.slice(0, 40)}`).toBe(false);
  }
}

/**
 * The store as `intake export` writes it (DESIGN §4 file layout), in a fresh temp dir:
 * tests that look at files (modes, names, bytes) look at the export.
 */
export async function exportedArchive(t: TestApp): Promise<ArchiveLayout> {
  const dir = path.join(await tempDir('intake-export-'), 'export');
  await exportArchive(t.app.store, dir);
  return new ArchiveLayout(dir);
}

/** The directory of one message in a fresh export. */
export async function exportedMessageDir(t: TestApp, ticket: string, seq: number): Promise<string> {
  return (await exportedArchive(t)).messageDir(ticket, seq);
}
