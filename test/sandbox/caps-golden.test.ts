import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MessageRecord } from '../../src/model/message-record.js';
import { FIXTURES, runPipelineOn } from '../helpers/pipeline.js';
import { pgpTestApp, reporterTransport, type PgpExpectation } from '../openpgp/pgp-fixtures.js';

/**
 * Golden verdicts for every cap of DESIGN §10 (scripts/fixtures/hostile-caps.mjs, made
 * with gpg): each hostile message is stored, with a verdict that names the cap it hit —
 * never a crash, a hang or a retry (parsed in the calling thread here; the sandbox
 * workers give the same verdicts, test/openpgp/workers.test.ts).
 */
interface CapsExpectation {
  receivedAt: string;
  teamKey: PgpExpectation['teamKey'];
  record: Record<string, unknown>;
  signers?: number;
  ciphertexts?: { decrypted: number; refused: number; error: string };
  parseError?: string;
}

const DIR = path.join(FIXTURES, 'mail', 'hostile');
const names = (await readdir(DIR)).filter((n) => n.startsWith('caps-') && n.endsWith('.eml')).sort();

describe('caps (fixtures/mail/hostile/caps-*)', () => {
  it('has a fixture for each cap', () => {
    expect(names.map((n) => n.replace(/^caps-|\.eml$/g, ''))).toEqual(
      ['decompressed-budget', 'header-field-too-long', 'mime-too-deep', 'too-many-ciphertexts', 'too-many-header-fields', 'too-many-mime-parts', 'too-many-partial-chunks', 'too-many-session-keys', 'too-many-signatures'],
    );
  });

  it.each(names)('%s', { timeout: 120_000 }, async (name) => {
    const expected = JSON.parse(await readFile(path.join(DIR, name.replace(/\.eml$/, '.expected.json')), 'utf8')) as CapsExpectation;
    const t = await pgpTestApp(expected, {});
    const run = await runPipelineOn(t, path.join('mail', 'hostile', name), { transport: reporterTransport });
    expect(run.outcome).toMatchObject({ kind: 'archived', status: 'new' });
    const record = run.record as MessageRecord;
    expect(record).toMatchObject(expected.record);
    if (expected.signers !== undefined) {
      expect(record.signature.signers).toHaveLength(expected.signers);
      expect(record.signature.signers.every((s) => s.status === 'valid')).toBe(true);
    }
    if (expected.ciphertexts) {
      const parts = record.encryption.parts ?? [];
      expect(parts.filter((p) => p.status === 'decrypted')).toHaveLength(expected.ciphertexts.decrypted);
      expect(parts.filter((p) => p.error === expected.ciphertexts!.error)).toHaveLength(expected.ciphertexts.refused);
    }
    if (expected.parseError) expect(record.parse.error).toContain(expected.parseError);
  });
});
