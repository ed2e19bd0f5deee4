import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { transportForFile } from '../../src/ingest/file-source.js';
import { FIXTURES, createTestApp, runPipelineOn } from '../helpers/pipeline.js';

const DIR = path.join(FIXTURES, 'mail', 'machine');

interface Expected {
  record: Record<string, unknown> & { form?: Record<string, unknown> };
  /** Warnings matched as regular expressions, when their wording comes from a library. */
  warningPatterns?: string[];
}

/**
 * Machine formats as real senders write them (scripts/fixtures/machine-formats.mjs; issue
 * 12 item 3): X-ARF 0.1/0.2 inline and attached, report.txt that is not strict YAML,
 * XARF v3 in both its shapes, an ARF envelope carrying XARF, an RFC 6591 report — each
 * through the real pipeline, read and classified as the specifications mean.
 */
describe('machine-format fixtures (fixtures/mail/machine)', async () => {
  const names = (await readdir(DIR)).filter((n) => n.endsWith('.eml')).sort();
  // One app for the whole file: its store stays open across the fixtures.
  const t = await createTestApp({}, 'file');

  it.each(names)('%s', async (name) => {
    const raw = await readFile(path.join(DIR, name));
    const expected = JSON.parse(await readFile(path.join(DIR, name.replace(/\.eml$/, '.expected.json')), 'utf8')) as Expected;
    const run = await runPipelineOn(t, raw, { transport: transportForFile(raw, { recipients: ['cert@xyz.example'] }) });
    expect(run.outcome).toMatchObject({ kind: 'archived', status: 'new' });
    expect(run.record).toMatchObject(expected.record);
    // Classification is the whole list: a login attack is nothing else besides.
    expect(run.record!.classification).toEqual(expected.record.classification);
    if (expected.warningPatterns) {
      expect(run.record!.form.warnings).toHaveLength(expected.warningPatterns.length);
      expected.warningPatterns.forEach((pattern, i) => expect(run.record!.form.warnings[i]).toMatch(new RegExp(pattern)));
    }
  });
});
