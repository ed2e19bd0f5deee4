import { copyFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startCli, writeCliConfig } from '../helpers/cli.js';
import { createTestApp, FIXTURES, runPipelineOn } from '../helpers/pipeline.js';
import { tempDir } from '../helpers/temp-dir.js';
import { pgpFixtures, reporterTransport } from './pgp-fixtures.js';

/** Keys are read at start-up; reloadKeys (SIGHUP for `intake serve`) reads the keyring again. */
const fixtures = Object.fromEntries(pgpFixtures('openpgp').map((f) => [f.name, f]));

describe('keyring reload', () => {
  for (const workers of [0, 1]) {
    it(`uses a key imported after start-up once reloaded (workers: ${workers})`, async () => {
      const first = fixtures['signed-mime-plain-cv25519-gpg']!;
      const second = fixtures['signed-mime-plain-cv25519-sqop']!;
      const t = await createTestApp({ pgp: { privateKeyFile: path.join(FIXTURES, 'keys/team.sec.asc'), keyringDir: 'ring' }, processing: { workers } });
      t.clock.set([first.expected.receivedAt, second.expected.receivedAt].sort()[1]!);
      try {
        expect((await runPipelineOn(t, first.file, { transport: reporterTransport })).record!.signature.status).toBe('unknown-key');
        await mkdir(path.join(t.dir, 'ring'), { recursive: true });
        await copyFile(path.join(FIXTURES, 'keys/constituents/alice.asc'), path.join(t.dir, 'ring/alice.asc'));
        expect((await runPipelineOn(t, second.file, { transport: reporterTransport })).record!.signature.status).toBe('unknown-key');
        await t.app.reloadKeys();
        const again = await runPipelineOn(t, Buffer.concat([await readFile(path.join(FIXTURES, second.file)), Buffer.from('\r\n')]), { transport: reporterTransport });
        expect(again.record!.signature).toMatchObject({ status: 'valid', fromMatchesSigner: true });
        expect(t.logs.lines.some((l) => l.msg === 'keyring reloaded' && l.keys === 1)).toBe(true);
      } finally {
        await t.app.stop();
      }
    });
  }

  it('intake serve reloads the keyring on SIGHUP and keeps running', async () => {
    const dir = await tempDir();
    // The outbox sender (loopback relay, nothing queued) keeps serve running.
    const config = await writeCliConfig(dir, {
      pgp: { privateKeyFile: path.join(FIXTURES, 'keys/team.sec.asc'), keyringDir: 'ring' },
      outbound: { mode: 'smtp', host: '127.0.0.1', port: 9 },
    });
    const child = startCli(['--config', config, 'serve'], { cwd: dir });
    let out = '';
    child.stdout!.on('data', (c) => (out += c));
    const closed = new Promise((r) => child.once('close', r));
    const waitFor = async (text: string) => {
      for (let i = 0; i < 300 && !out.includes(text) && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 50));
      expect(out).toContain(text);
    };
    try {
      await waitFor('intake serve started');
      child.kill('SIGHUP');
      await waitFor('keyring reloaded');
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill('SIGTERM');
      await closed;
    }
    expect(child.exitCode).toBe(0);
  });
});
