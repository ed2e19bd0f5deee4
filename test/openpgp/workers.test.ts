import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sandboxWorkerCount } from '../../src/app.js';
import { createTestApp, FIXTURES, runPipelineOn } from '../helpers/pipeline.js';
import { pgpFixtures, pgpTestApp, reporterTransport, sortSigners } from './pgp-fixtures.js';

/**
 * With processing.workers > 0 the same verdicts come out of sandbox worker threads that
 * read the keys themselves at start-up (the build's worker script: npm test builds).
 */
const wanted = ['signed-encrypted-mime-attachment-cv25519-gpg', 'encrypted-inline-attachment-rsa3072-sqop', 'shape-encrypted-attachment-gpg'];

describe('sandbox worker threads', () => {
  it('give the same verdicts, attachments and report as the main thread', async () => {
    const fixtures = pgpFixtures('openpgp').filter((f) => wanted.includes(f.name));
    expect(fixtures).toHaveLength(wanted.length);
    const inThreadApp = await pgpTestApp(fixtures[0]!.expected);
    const pooled = await createTestApp({
      pgp: { privateKeyFile: path.join(FIXTURES, 'keys/team.sec.asc'), keyringDir: path.join(FIXTURES, 'keys/constituents') },
      processing: { workers: 2 },
    });
    pooled.clock.set(fixtures[0]!.expected.receivedAt);
    try {
      for (const fixture of fixtures) {
        const inThread = await runPipelineOn(inThreadApp, fixture.file, { transport: reporterTransport });
        const inWorker = await runPipelineOn(pooled, fixture.file, { transport: reporterTransport });
        expect(sortSigners(inWorker.record!)).toMatchObject(sortSigners(fixture.expected.record as never));
        for (const key of ['encryption', 'signature', 'attachments', 'form', 'indicators', 'classification', 'headers', 'from'] as const) {
          expect(inWorker.record![key]).toEqual(inThread.record![key]);
        }
      }
    } finally {
      await pooled.app.stop();
    }
  });
});

describe('processing.workers: auto (the default)', () => {
  it('starts one worker per core (at most 4) for intake serve and one for one-shot commands', async () => {
    const os = await import('node:os');
    const t = await createTestApp({ processing: { workers: 'auto' } });
    expect(t.config.processing.workers).toBe('auto');
    expect(sandboxWorkerCount(t.config, false)).toBe(1);
    expect(sandboxWorkerCount(t.config, true)).toBe(Math.min(os.availableParallelism(), 4));
    expect(sandboxWorkerCount({ ...t.config, processing: { ...t.config.processing, workers: 3 } }, false)).toBe(3);
    await t.app.stop();
  });
});
