import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixturePgp } from '../helpers/ack-checks.js';
import { runCli } from '../helpers/cli.js';
import { FIXTURES } from '../helpers/pipeline.js';
import { cliConfigFor } from '../helpers/store-cli.js';
import { storeEngines } from '../helpers/store-engines.js';

/**
 * The workbench over what the real pipeline stored, on both engines: reports taken in by
 * `intake ingest` (a PGP/MIME signed+encrypted one made by gpg, a filled-in CERT/CC form)
 * are found by `intake search` — by the decrypted words, the signer's fingerprint, a
 * declared host's network, a domain — and read with `tickets show --body`.
 */
const engines = storeEngines();
const ALICE = 'E4A7D13E9392012E88BA501F0B48262379B53BFC';

describe.each(engines)('search and read what the pipeline stored: $name', (engine) => {
  it('finds an encrypted report by its decrypted words and signer, a form by its declared hosts, and shows the plaintext', async () => {
    const { store } = await engine.fresh();
    const { dir, config } = await cliConfigFor(store, { pgp: fixturePgp() });
    const cli = (...args: string[]) => runCli(['--config', config, ...args], { cwd: dir });
    const ingested = await cli(
      'ingest',
      '--sender',
      'alice@example.org',
      path.join(FIXTURES, 'mail/openpgp/signed-encrypted-mime-plain-cv25519-gpg.eml'),
      path.join(FIXTURES, 'mail/forms/01-cert-cc-v5.eml'),
    );
    expect(ingested.code, ingested.stderr).toBe(0);
    const [encrypted, form] = ingested.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { ticket: string }).ticket);

    const ids = async (...terms: string[]) => (await cli('search', '--json', ...terms)).stdout.trim().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { ticket: string }).ticket);
    expect(await ids('MARKER-signed-encrypted-mime-plain-cv25519-gpg')).toEqual([encrypted]);
    expect(await ids(ALICE)).toEqual([encrypted]);
    expect(await ids('192.0.2.0/28')).toEqual([form]);
    expect(await ids('192.0.2.16/28')).toEqual([]);
    expect(await ids('physics.example.edu')).toEqual([form]);
    expect(await ids('198.51.100.23', 'irc.example.net')).toEqual([form]);
    // The ciphertext itself is not what is indexed.
    expect(await ids('BEGIN PGP MESSAGE')).toEqual([]);

    const body = await cli('tickets', 'show', encrypted!, '--body');
    expect(body.code, body.stderr).toBe(0);
    expect(body.stdout).toContain('--- report text (decrypted) ---');
    expect(body.stdout).toContain('MARKER-signed-encrypted-mime-plain-cv25519-gpg');
    expect(body.stdout).toContain(`signer ${ALICE}: valid`);
    expect(body.stdout).toContain('From matches signer: yes');
    expect(body.stdout).not.toContain('-----BEGIN PGP');
    const formBody = await cli('tickets', 'show', form!, '--body');
    expect(formBody.stdout).toContain('  declared affected hosts: 192.0.2.10, 192.0.2.11, web1.physics.example.edu');
    expect(formBody.stdout).toContain('  declared attack sources: 198.51.100.23');

    // An export imported into another store is searchable there too.
    const exported = path.join(dir, 'export');
    expect((await cli('export', exported)).code).toBe(0);
    const { store: other } = await engine.fresh();
    const second = await cliConfigFor(other, { pgp: fixturePgp() });
    const imported = await runCli(['--config', second.config, 'import', exported], { cwd: second.dir });
    expect(imported.code, imported.stderr).toBe(0);
    const found = await runCli(['--config', second.config, 'search', '--json', 'MARKER-signed-encrypted-mime-plain-cv25519-gpg', '192.0.2.0/24'], { cwd: second.dir });
    expect(found.stdout.trim()).toBe('');
    const inOther = await runCli(['--config', second.config, 'search', '--json', 'MARKER-signed-encrypted-mime-plain-cv25519-gpg'], { cwd: second.dir });
    expect(JSON.parse(inOther.stdout.trim()).ticket).toBe(encrypted);
  });
});
