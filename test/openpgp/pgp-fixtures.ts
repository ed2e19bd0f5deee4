import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import { initialDraft } from '../../src/model/draft.js';
import { sha256Hex } from '../../src/model/digest.js';
import { fileTransport } from '../../src/model/transport.js';
import { parseMime } from '../../src/pipeline/stages/parse-mime.js';
import { unwrapOpenpgp } from '../../src/pipeline/stages/unwrap-openpgp.js';
import type { SignerVerdict } from '../../src/model/message-record.js';
import { createTestApp, exportedMessageDir, FIXTURES, loadMessage, runPipelineOn, type TestApp } from '../helpers/pipeline.js';

/** What scripts/fixtures/openpgp.mjs writes beside each OpenPGP fixture. */
export interface PgpExpectation {
  receivedAt: string;
  teamKey: 'team' | 'team-rsa';
  record: Record<string, unknown>;
  body?: { includes?: string[]; excludes?: string[] };
  attachments?: string[];
  offeredKeys?: string[];
  replayOf?: string;
  literalFilename?: string;
}

export interface PgpFixture {
  name: string;
  file: string;
  expected: PgpExpectation;
}

export function pgpFixtures(dir: 'openpgp' | 'hostile' | 'realworld'): PgpFixture[] {
  const folder = path.join(FIXTURES, 'mail', dir);
  return readdirSync(folder)
    .filter((n) => n.endsWith('.eml') && (dir !== 'hostile' || n.startsWith('pgp-')))
    .sort()
    .map((n) => {
      const name = n.slice(0, -4);
      const expected = JSON.parse(readFileSync(path.join(folder, `${name}.expected.json`), 'utf8')) as PgpExpectation;
      return { name, file: `mail/${dir}/${n}`, expected };
    });
}

/** A real app with the fixture team key and the curated fixture keyring, clock at receipt. */
export async function pgpTestApp(expected: Pick<PgpExpectation, 'teamKey' | 'receivedAt'>, pgp: Record<string, unknown> = {}): Promise<TestApp> {
  const t = await createTestApp({
    pgp: { privateKeyFile: path.join(FIXTURES, 'keys', `${expected.teamKey}.sec.asc`), keyringDir: path.join(FIXTURES, 'keys', 'constituents'), ...pgp },
  });
  t.clock.set(expected.receivedAt);
  return t;
}

export const reporterTransport = fileTransport('reporter@example.org', ['cert@xyz.example']);

/** parse-mime + unwrap-openpgp on one message, for what message.json does not hold (the body). */
export async function unwrapDraft(t: TestApp, raw: Buffer) {
  const message = { receiptId: 'test', raw, sha256: sha256Hex(raw), receivedAt: t.clock.now(), transport: reporterTransport };
  return unwrapOpenpgp(await parseMime(initialDraft(message), t.app.context), t.app.context);
}

/** Signature order within a message is the tool's; compare signers by fingerprint. */
export function sortSigners<T extends { signature?: { signers?: Array<Partial<SignerVerdict>> } }>(record: T): T {
  const signers = record.signature?.signers;
  if (!signers) return record;
  const sorted = [...signers].sort((a, b) => `${a.fingerprint}${a.status}`.localeCompare(`${b.fingerprint}${b.status}`));
  return { ...record, signature: { ...record.signature, signers: sorted } };
}

/**
 * One OpenPGP fixture through the whole pipeline: the verdicts in message.json must be
 * the intended ones its generator wrote, and the report body (what forms and indicators
 * read) must come from the decrypted/verified payload — or, for wrapped and partial
 * cases, never from it.
 */
export async function checkPgpFixture({ file, expected }: PgpFixture): Promise<void> {
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
    const dir = await exportedMessageDir(t, run.record!.ticket, run.record!.seq);
    const decrypted = await readFile(path.join(dir, 'decrypted.eml')).catch(() => null);
    if (draft.decrypted) expect(decrypted?.equals(draft.decrypted)).toBe(true);
  }
}
