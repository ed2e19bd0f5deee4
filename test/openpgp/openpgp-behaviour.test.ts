import { execFile } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import * as openpgp from 'openpgp';
import { describe, expect, it } from 'vitest';
import { hardenedOpenpgpConfig } from '../../src/openpgp/openpgp-config.js';
import { PendingKeys } from '../../src/keys/pending-keys.js';
import { exportedArchive, exportedMessageDir, FIXTURES, loadMessage, runPipelineOn } from '../helpers/pipeline.js';
import { rsaImplicitRejection } from '../../src/openpgp/rsa-implicit-rejection.js';
import { testConfig } from '../helpers/test-config.js';
import { tempDir } from '../helpers/temp-dir.js';
import { pgpFixtures, pgpTestApp, reporterTransport, unwrapDraft } from './pgp-fixtures.js';

const hostile = Object.fromEntries(pgpFixtures('hostile').map((f) => [f.name, f]));
const shapes = Object.fromEntries(pgpFixtures('openpgp').map((f) => [f.name, f]));

describe('replayed ciphertext', () => {
  it('links a re-sent ciphertext to the first ticket and does not make its plaintext the body', async () => {
    const original = hostile['pgp-replay-1-original']!;
    const t = await pgpTestApp(original.expected);
    const first = await runPipelineOn(t, original.file, { transport: reporterTransport });
    const resent = await runPipelineOn(t, hostile['pgp-replay-2-resent']!.file, { transport: reporterTransport });
    expect(first.record!.encryption.replayOf).toBeNull();
    expect(resent.outcome).toMatchObject({ status: 'new', ticket: 'XYZ-2026-00002' });
    expect(resent.record!.encryption).toMatchObject({ status: 'decrypted', replayOf: { ticket: 'XYZ-2026-00001', seq: 1 } });
    expect(resent.record!.signature).toMatchObject({ status: 'valid', fromMatchesSigner: false });
    expect(resent.ticket!.flags).toContain('replayed-ciphertext');
    expect(first.ticket!.flags).not.toContain('replayed-ciphertext');

    const replayDraft = await unwrapDraft(t, await loadMessage(hostile['pgp-replay-2-resent']!.file));
    expect(replayDraft.body.text).not.toContain('VICTIM');
    // The original, seen again (a retry of the same bytes), is not its own replay.
    const originalDraft = await unwrapDraft(t, await loadMessage(original.file));
    expect(originalDraft.encryption.replayOf).toBeNull();
    expect(originalDraft.body.text).toContain('VICTIM');
  });

  it('an export imported into a fresh store keeps the ciphertext lookup (replays are still recognised)', async () => {
    const original = hostile['pgp-replay-1-original']!;
    const t = await pgpTestApp(original.expected);
    const first = await runPipelineOn(t, original.file, { transport: reporterTransport });
    const digest = first.record!.encryption.parts![0]!.sha256!;
    const exported = await exportedArchive(t);
    const { SqlStore } = await import('../../src/store/sql-store.js');
    const { SqliteEngine } = await import('../../src/store/sqlite-engine.js');
    const { importArchive } = await import('../../src/archive/import-archive.js');
    const file = path.join(path.dirname(exported.root), 'fresh.sqlite');
    const fresh = await SqlStore.open(await SqliteEngine.open({ file }), file);
    expect(await fresh.lookups.firstCiphertext(digest)).toBeNull();
    await importArchive(fresh, exported.root);
    expect(await fresh.lookups.firstCiphertext(digest)).toMatchObject({ ticket: 'XYZ-2026-00001', seq: 1 });
    await fresh.close();
  });
});

describe('Thunderbird protected headers', () => {
  it('records the inner Subject, threads by the tag in it, and keeps the outer Subject for urgency', async () => {
    const fixture = shapes['shape-protected-headers']!;
    const t = await pgpTestApp(fixture.expected);
    await runPipelineOn(t, shapes['signed-mime-plain-cv25519-gpg']!.file, { transport: reporterTransport });
    const run = await runPipelineOn(t, fixture.file, { transport: reporterTransport });
    expect(run.outcome).toMatchObject({ status: 'followup', ticket: 'XYZ-2026-00001' });
    expect(run.record!.threading.kind).toBe('tag');
    expect(run.record!.headers).toMatchObject({ subjectDecoded: '...', innerSubject: '[XYZ-2026-00001] more scanning from the same hosts' });
    expect(run.record!.urgent.flag).toBe(false);
  });
});

describe('keys offered in mail', () => {
  it('stores an attached key and an Autocrypt key as pending, never in the keyring', async () => {
    const t = await pgpTestApp(shapes['shape-key-attachment']!.expected, { pendingDir: 'pending', keyringDir: path.join(FIXTURES, 'keys', 'constituents') });
    const attached = await runPipelineOn(t, shapes['shape-key-attachment']!.file, { transport: reporterTransport });
    await runPipelineOn(t, shapes['shape-autocrypt-header']!.file, { transport: reporterTransport });
    const [fingerprint] = shapes['shape-key-attachment']!.expected.offeredKeys!;
    const pending = await new PendingKeys(t.app.store.pendingKeys).list();
    expect(pending.map((p) => p.fingerprint)).toEqual([fingerprint]);
    expect(pending[0]!.sightings.map((s) => [s.source, s.ticket])).toEqual([
      ['attachment', attached.record!.ticket],
      ['autocrypt', 'XYZ-2026-00002'],
    ]);
    const merged = await new PendingKeys(t.app.store.pendingKeys).readKey(fingerprint!);
    expect(merged?.getFingerprint().toUpperCase()).toBe(fingerprint);
    expect(t.app.keys!.keyring.byFingerprint(fingerprint!)).toBeNull();
  });
});

describe('untrusted literal filenames', () => {
  it('keeps the literal-packet filename only inside message.json, and out of log lines and paths', async () => {
    const fixture = hostile['pgp-literal-filename']!;
    const t = await pgpTestApp(fixture.expected);
    const run = await runPipelineOn(t, fixture.file, { transport: reporterTransport });
    expect(run.record!.encryption.parts![0]!.literalFilename).toBe(fixture.expected.literalFilename);
    const dir = await exportedMessageDir(t, run.record!.ticket, run.record!.seq);
    expect((await readdir(dir)).sort()).toEqual(['decrypted.eml', 'message.json', 'raw.eml']);
    expect(t.logs.text()).not.toContain('GOODSIG');
    const mode = (await import('node:fs/promises')).stat(path.join(dir, 'decrypted.eml'));
    expect((await mode).mode & 0o777).toBe(0o600);
  });
});

describe('decrypted.eml', () => {
  it('holds the decrypted MIME as bytes, CRLF preserved, mode 0600', async () => {
    const fixture = shapes['signed-encrypted-mime-attachment-cv25519-gpg']!;
    const t = await pgpTestApp(fixture.expected);
    const run = await runPipelineOn(t, fixture.file, { transport: reporterTransport });
    const file = path.join(await exportedMessageDir(t, run.record!.ticket, run.record!.seq), 'decrypted.eml');
    const bytes = await readFile(file);
    expect(bytes.toString('latin1')).toMatch(/^Content-Type: multipart\/mixed; boundary="[^"]+"\r\n/);
    expect(bytes.toString('latin1')).not.toMatch(/[^\r]\n/);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });
});

describe('hardening', () => {
  it('configures openpgp.js as docs/research/security.md §3 recommends', () => {
    const config = testConfig('/tmp', { smtp: { maxMessageBytes: 10 * 1024 * 1024 } });
    const cv = hardenedOpenpgpConfig(config, false);
    const rsa = hardenedOpenpgpConfig(config, true);
    expect(cv).toMatchObject({ allowUnauthenticatedMessages: false, allowUnauthenticatedStream: false, enforceGrammar: true, maxDecompressedMessageSize: 10 * 1024 * 1024, constantTimePKCS1Decryption: false, minRSABits: 2047 });
    // RSA: constant-time flow unless the runtime rejects bad padding implicitly (rsa-decryption.test.ts).
    expect(rsa.constantTimePKCS1Decryption).toBe(!rsaImplicitRejection());
    expect(cv.rejectMessageHashAlgorithms!.has(openpgp.enums.hash.sha1)).toBe(true);
  });

  it('refuses a decompression limit above the archive cap', () => {
    expect(() => testConfig('/tmp', { pgp: { maxDecompressedMessageBytes: 64 * 1024 * 1024 } })).toThrow(/maxDecompressedMessageBytes/);
    expect(testConfig('/tmp', { pgp: { maxDecompressedMessageBytes: 1024 * 1024 } }).pgp.maxDecompressedMessageBytes).toBe(1024 * 1024);
  });

  it('stops the ~200 MiB zlib bomb at the limit with bounded memory', async () => {
    const dir = await tempDir();
    const script = path.resolve(import.meta.dirname, '../../dist/test-support/decrypt-rss.js');
    const { stdout } = await promisify(execFile)(process.execPath, [script, path.join(FIXTURES, 'mail/hostile/pgp-zlib-bomb.eml'), path.join(FIXTURES, 'keys/team.sec.asc')], { cwd: dir });
    const result = JSON.parse(stdout) as { error: string; maxRssMiB: number; baselineRssMiB: number };
    expect(result.error).toBe('too-large');
    // Without the limit openpgp.js inflates all 200 MiB (RSS +565 MiB, research §3).
    expect(result.maxRssMiB - result.baselineRssMiB).toBeLessThan(150);
  });
});
