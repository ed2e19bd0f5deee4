import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, writeCliConfig } from '../helpers/cli.js';
import { FIXTURES } from '../helpers/pipeline.js';
import { tempDir } from '../helpers/temp-dir.js';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const listOrEmpty = (dir: string) => readdir(dir).catch(() => [] as string[]);

describe('intake reprocess', () => {
  it('re-judges a message after the signer key is imported, leaving raw.eml, ticket and ack alone', async () => {
    const dir = await tempDir();
    const config = await writeCliConfig(dir, { pgp: { privateKeyFile: path.join(FIXTURES, 'keys/team.sec.asc'), keyringDir: 'ring' } });
    const fixture = path.join(FIXTURES, 'mail/openpgp/signed-encrypted-mime-plain-cv25519-gpg.eml');
    const ingest = await runCli(['--config', config, 'ingest', '--sender', 'alice@example.org', fixture], { cwd: dir });
    expect(JSON.parse(ingest.stdout)).toMatchObject({ ticket: 'XYZ-2026-00001', status: 'new' });
    // The files as `intake export` writes them, before and after.
    const exported = async (name: string) => {
      expect((await runCli(['--config', config, 'export', name], { cwd: dir })).code).toBe(0);
      return path.join(dir, name);
    };
    const first = await exported('export-before');
    const messageDir = path.join(first, 'tickets/XYZ-2026-00001/messages/001');
    const before = JSON.parse(await readFile(path.join(messageDir, 'message.json'), 'utf8'));
    expect(before.signature).toMatchObject({ status: 'unknown-key', fromMatchesSigner: false });
    const rawBefore = sha256(await readFile(path.join(messageDir, 'raw.eml')));
    const outboxBefore = await listOrEmpty(path.join(dir, 'data/outbox'));

    expect((await runCli(['--config', config, 'keys', 'import', path.join(FIXTURES, 'keys/constituents/alice.asc')], { cwd: dir })).code).toBe(0);
    const again = await runCli(['--config', config, 'reprocess', 'xyz-2026-00001'], { cwd: dir });
    expect(again.code).toBe(0);
    const line = JSON.parse(again.stdout);
    expect(line).toMatchObject({ ticket: 'XYZ-2026-00001', seq: 1 });
    expect(line.changed).toContain('signature:unknown-key→valid');
    expect(line.changed).not.toContain('encryption');

    const second = await exported('export-after');
    const afterDir = path.join(second, 'tickets/XYZ-2026-00001/messages/001');
    const after = JSON.parse(await readFile(path.join(afterDir, 'message.json'), 'utf8'));
    expect(after.signature).toMatchObject({ status: 'valid', coverage: 'whole', fromMatchesSigner: true });
    for (const kept of ['ticket', 'seq', 'receivedAt', 'transport', 'threading', 'ack', 'sha256']) expect(after[kept]).toEqual(before[kept]);
    expect(sha256(await readFile(path.join(afterDir, 'raw.eml')))).toBe(rawBefore);
    expect(await listOrEmpty(path.join(dir, 'data/outbox'))).toEqual(outboxBefore);
    expect(await listOrEmpty(path.join(second, 'tickets/XYZ-2026-00001/acks'))).toEqual(await listOrEmpty(path.join(first, 'tickets/XYZ-2026-00001/acks')));
    const ticket = JSON.parse(await readFile(path.join(second, 'tickets/XYZ-2026-00001/ticket.json'), 'utf8'));
    expect(ticket.reporter.fingerprint).toBe(after.signature.signers[0].fingerprint);
    const log = await readFile(path.join(dir, 'data/logs/intake.log'), 'utf8');
    const reprocessed = log.split('\n').filter((l) => l.includes('message reprocessed'));
    expect(reprocessed).toHaveLength(1);
    expect(JSON.parse(reprocessed[0]!).changed).toEqual(line.changed);
    expect(log).not.toContain('MARKER-');
    const shown = await runCli(['--config', config, 'tickets', 'show', 'XYZ-2026-00001'], { cwd: dir });
    expect(shown.stdout).toContain(`signer ${after.signature.signers[0].fingerprint} valid`);
    expect(shown.stdout).toContain('From matches signer: yes');
  });

  it('refuses an id that is not ours and reports a missing ticket', async () => {
    const dir = await tempDir();
    const config = await writeCliConfig(dir);
    expect((await runCli(['--config', config, 'reprocess', 'ABC-1'], { cwd: dir })).code).toBe(64);
    expect((await runCli(['--config', config, 'reprocess', 'XYZ-2026-00009'], { cwd: dir })).code).toBe(66);
  });
});
