import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { transportForFile } from '../../src/ingest/file-source.js';
import { FIXTURES, createTestApp, runPipelineOn } from '../helpers/pipeline.js';

const DIR = path.join(FIXTURES, 'mail', 'forms');

interface Expected {
  record?: Record<string, unknown>;
  ticket?: Record<string, unknown>;
}

/**
 * The golden report fixtures of scripts/fixtures/forms.mjs: every reporting-form template,
 * the machine formats and free text, each through the real pipeline (the hygiene checks
 * of runPipelineOn include "no report text in any log line"). The expectations are the
 * intended readings written down by the generator.
 */
describe('golden report fixtures (fixtures/mail/forms)', async () => {
  const names = (await readdir(DIR)).filter((n) => n.endsWith('.eml')).sort();
  const t = await createTestApp({}, 'file');

  it.each(names)('%s', async (name) => {
    const raw = await readFile(path.join(DIR, name));
    const expected = JSON.parse(await readFile(path.join(DIR, name.replace(/\.eml$/, '.expected.json')), 'utf8')) as Expected;
    const run = await runPipelineOn(t, raw, { transport: transportForFile(raw, { recipients: ['cert@xyz.example'] }) });
    expect(run.outcome).toMatchObject({ kind: 'archived', status: 'new' });
    if (expected.record) expect(run.record).toMatchObject(expected.record);
    if (expected.ticket) expect(run.ticket).toMatchObject(expected.ticket);
  });
});
