import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, loadMessage, runPipelineOn } from '../helpers/pipeline.js';
import { pgpFixtures, pgpTestApp, reporterTransport, sortSigners, unwrapDraft, type PgpFixture } from './pgp-fixtures.js';

/**
 * Every OpenPGP fixture through the whole pipeline: the verdicts in message.json must be
 * the intended ones written by scripts/fixtures/openpgp.mjs, and the report body (what
 * forms and indicators read) must come from the decrypted/verified payload — or, for
 * wrapped and partial cases, never from it.
 */
async function check({ file, expected }: PgpFixture) {
  const t = await pgpTestApp(expected);
  const run = await runPipelineOn(t, file, { transport: reporterTransport });
  expect(run.outcome.kind).toBe('archived');
  expect(sortSigners(run.record!)).toMatchObject(sortSigners(expected.record as never));

  const draft = await unwrapDraft(t, await loadMessage(file));
  for (const text of expected.body?.includes ?? []) expect(draft.body.text, `body includes ${text}`).toContain(text);
  for (const text of expected.body?.excludes ?? []) expect(draft.body.text, `body excludes ${text}`).not.toContain(text);
  const names = run.record!.attachments.map((a) => a.filename);
  for (const name of expected.attachments ?? []) expect(names).toContain(name);
  expect(draft.offeredKeys.map((k) => k.fingerprint)).toEqual(expected.offeredKeys ?? []);

  if (run.record!.encryption.status === 'decrypted') {
    const dir = t.app.archive.layout.messageDir(run.record!.ticket, run.record!.seq);
    const decrypted = await readFile(path.join(dir, 'decrypted.eml')).catch(() => null);
    if (draft.decrypted) expect(decrypted?.equals(draft.decrypted)).toBe(true);
  }
}

describe('OpenPGP matrix and shapes (fixtures/mail/openpgp)', () => {
  for (const fixture of pgpFixtures('openpgp')) it(fixture.name, () => check(fixture));
});

describe('hostile OpenPGP mail (fixtures/mail/hostile/pgp-*)', () => {
  for (const fixture of pgpFixtures('hostile')) {
    if (fixture.name.startsWith('pgp-replay-2')) continue; // needs its original first: replay.test.ts
    it(fixture.name, () => check(fixture));
  }
});

void FIXTURES;
