import { describe, expect, it } from 'vitest';
import { STEPS } from '../../src/pipeline/run-pipeline.js';
import { createTestApp, runPipelineOn, type TestApp } from '../helpers/pipeline.js';

/**
 * parse-mime, open-openpgp and understand run in one sandbox call (tasks.ts `read`). What
 * the parts before an overrun read is kept, as when they were separate calls: a report
 * whose understanding overruns is stored with its outer headers and the overrun names
 * the part that ran. The log line keeps every stage with its own time.
 */
const normal = Buffer.from('From: Alice <alice@example.org>\r\nTo: cert@xyz.example\r\nSubject: scan 1\r\nMessage-ID: <parts-1@example.org>\r\n\r\nScanning from 192.0.2.1 since Monday.\r\n');

/** About twice as slow to understand as to parse: 60,000 lines of indicators are 3.6 MB (about 1 s to parse and 2 s to understand, measured 2026-12). */
function slowToUnderstand(lines: number): Buffer {
  let body = '';
  for (let i = 0; i < lines; i++) body += `Source IP: 198.51.${i % 250}.${i % 200} port ${i} host h${i}.example.net\r\n`;
  return Buffer.from(`From: Mallory <mallory@example.net>\r\nTo: cert@xyz.example\r\nSubject: many indicators\r\nMessage-ID: <parts-2@example.org>\r\n\r\n${body}`);
}

/** The stages and their times from the app's "report processed" log line. */
function loggedStages(t: TestApp): Array<{ stage: string; ms: number }> {
  const line = t.logs.lines.find((l) => l.msg === 'report processed') as { stages: Array<{ stage: string; ms: number }> } | undefined;
  expect(line, 'a "report processed" line').toBeDefined();
  return line!.stages;
}

describe('one sandbox call per message', () => {
  it('logs every stage in order, each with its time', async () => {
    const t = await createTestApp({ processing: { workers: 1 } });
    try {
      const run = await runPipelineOn(t, normal);
      expect(run.record!.indicators.ips).toContain('192.0.2.1');
      const stages = loggedStages(t);
      expect(stages.map((s) => s.stage)).toEqual(STEPS.map((s) => s.name));
      for (const { ms } of stages) expect(ms).toBeGreaterThanOrEqual(0);
      // Understood in the worker with the rest: its time is extract-report's, not parse-mime's.
      expect(stages.find((s) => s.stage === 'extract-report')!.ms).toBeGreaterThan(0);
    } finally {
      await t.app.stop();
    }
  });

  it('an overrun while understanding keeps what parse-mime read, and names the part that ran', { timeout: 120_000 }, async () => {
    // The whole text read (report.maxTextBytes). The budget falls halfway through
    // understanding as this machine does it now — measured on the same message first —
    // so that neither a slow parse (a loaded CI machine) nor a quick understanding (a fast
    // one) moves the overrun out of that part.
    const report = { maxTextBytes: 8 * 1024 * 1024 };
    const message = slowToUnderstand(60_000);
    const measured = await createTestApp({ processing: { workers: 1, timeoutSeconds: 120 }, report });
    let budgetSeconds: number;
    try {
      await runPipelineOn(measured, message);
      const stages = loggedStages(measured);
      const ms = (stage: string) => stages.find((s) => s.stage === stage)!.ms;
      expect(ms('extract-report')).toBeGreaterThan(200);
      budgetSeconds = (ms('parse-mime') + ms('unwrap-openpgp') + ms('extract-report') / 2) / 1000;
    } finally {
      await measured.app.stop();
    }
    const t = await createTestApp({ processing: { workers: 1, timeoutSeconds: budgetSeconds }, report });
    try {
      const run = await runPipelineOn(t, message, { expectErrors: true });
      expect(run.record!.parse).toMatchObject({ status: 'overrun' });
      expect(run.record!.parse.error).toMatch(/^understand overran/);
      expect(run.record!.headers).toMatchObject({ subject: 'many indicators', messageId: '<parts-2@example.org>' });
      expect(run.ticket!.flags).toContain('overrun');
      const logged = t.logs.lines.find((l) => l.msg === 'message overran its processing budget; sandbox worker terminated and replaced');
      expect(logged).toMatchObject({ limit: 'time', task: 'understand', sha256: run.record!.sha256 });
      const next = await runPipelineOn(t, normal);
      expect(next.record!.parse.status).toBe('ok');
    } finally {
      await t.app.stop();
    }
  });
});
