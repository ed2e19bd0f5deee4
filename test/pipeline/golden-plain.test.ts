import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { transportForFile } from '../../src/ingest/file-source.js';
import { FIXTURES, createTestApp, exportedArchive, runPipelineOn } from '../helpers/pipeline.js';

const DIR = path.join(FIXTURES, 'mail', 'plain');

interface Expected {
  outcome: Record<string, unknown>;
  record?: Record<string, unknown>;
  ticket?: Record<string, unknown>;
}

/** Every file under `dir`, relative, recursively. */
async function walk(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = path.join(prefix, entry.name);
    if (entry.isDirectory()) out.push(rel, ...(await walk(path.join(dir, entry.name), rel)));
    else out.push(rel);
  }
  return out;
}

describe('golden plain fixtures (fixtures/mail/plain, processed in name order into one archive)', async () => {
  const names = (await readdir(DIR)).filter((n) => n.endsWith('.eml')).sort();
  const t = await createTestApp({}, 'file');

  it.each(names)('%s', async (name) => {
    const raw = await readFile(path.join(DIR, name));
    const expected = JSON.parse(await readFile(path.join(DIR, name.replace(/\.eml$/, '.expected.json')), 'utf8')) as Expected;
    const run = await runPipelineOn(t, raw, { transport: transportForFile(raw, { recipients: ['cert@xyz.example'] }) });

    expect(run.outcome).toMatchObject({ kind: 'archived', ...expected.outcome });
    if (expected.record) expect(run.record).toMatchObject(expected.record);
    if (expected.ticket) expect(run.ticket).toMatchObject(expected.ticket);
    // The archived raw.eml is the exact bytes received.
    const placed = run.outcome.kind === 'archived' ? run.outcome : null;
    const stored = (await t.app.store.tickets.raw((await t.app.store.tickets.message(placed!.ticket, placed!.seq))!.record.sha256))!;
    expect(stored.equals(raw)).toBe(true);
  });

  it('never builds a path from message content (hostile attachment names stay in JSON)', async () => {
    const files = await walk((await exportedArchive(t)).root);
    const safe = /^[A-Za-z0-9._-]+$/;
    for (const file of files) {
      for (const part of file.split(path.sep)) expect(part, file).toMatch(safe);
    }
    const attachmentFiles = files.filter((f) => f.includes(`${path.sep}attachments${path.sep}`));
    expect(attachmentFiles.length).toBe(5);
    for (const f of attachmentFiles) expect(path.basename(f)).toMatch(/^[0-9a-f]{64}$/);
    expect(files.some((f) => f.includes('passwd') || f.includes('CON'))).toBe(false);
  });
});
