import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { escapeText } from '../../src/cli/ticket-body.js';
import { runCli } from '../helpers/cli.js';
import { cliConfigFor } from '../helpers/store-cli.js';
import { storeEngines } from '../helpers/store-engines.js';
import { seedMessage } from '../helpers/store-seed.js';

/** `intake tickets show ID --body [--seq N]` and `--attachment` on both engines, with the built CLI. */
const engines = storeEngines();
const FPR = 'E4A7D13E9392012E88BA501F0B48262379B53BFC';
const HOSTILE = 'Dear CERT,\n\u001b[2J\u001b[1;31mFAKE: all clear\u001b[0m\nfile: \u202egpj.exe\u0000hidden\rover\n\tindented line\n';

describe.each(engines)('intake tickets show --body: $name', (engine) => {
  it('prints the report text with ANSI, bidi controls, NUL and a lone CR escaped, line breaks and tabs kept', async () => {
    const { store } = await engine.fresh();
    const { ticket } = await seedMessage(store, { body: HOSTILE, indicators: { ips: ['198.51.100.7'], domains: ['evil.example'] } });
    const { dir, config } = await cliConfigFor(store);
    const result = await runCli(['--config', config, 'tickets', 'show', ticket, '--body'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).not.toMatch(/[\u0000\u001b\u202e\r]/);
    expect(result.stdout).toContain('\\u001b[2J\\u001b[1;31mFAKE: all clear\\u001b[0m\n');
    expect(result.stdout).toContain('file: \\u202egpj.exe\\u0000hidden\\rover\n\tindented line');
    expect(result.stdout).toContain('--- report text (as received, not encrypted) ---');
    expect(result.stdout).toContain('  addresses: 198.51.100.7');
    expect(result.stdout).toContain('  domains: evil.example');
  });

  it('shows the decrypted text of an encrypted report with its verdicts, never the ciphertext; --seq picks one message', async () => {
    const { store } = await engine.fresh();
    const first = await seedMessage(store, {
      body: '-----BEGIN PGP MESSAGE-----\n\nhQEMA-ciphertext\n-----END PGP MESSAGE-----\n',
      encrypted: true,
      decrypted: Buffer.from('Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nGr=C3=BC=C3=9Fe, the plaintext report.\r\n'),
      signers: [{ fingerprint: FPR, keyId: FPR.slice(-16), userIds: ['Alice <alice@example.org>'] }],
    });
    await seedMessage(store, { body: 'second message', ticket: first.ticket });
    const { dir, config } = await cliConfigFor(store);
    const all = await runCli(['--config', config, 'tickets', 'show', first.ticket, '--body'], { cwd: dir });
    expect(all.stdout).toContain('--- report text (decrypted) ---\nGrüße, the plaintext report.\n--- end ---');
    expect(all.stdout).toContain(`    signer ${FPR}: valid Alice <alice@example.org>`);
    expect(all.stdout).toContain('From matches signer: yes');
    expect(all.stdout).not.toContain('BEGIN PGP MESSAGE');
    expect(all.stdout).toContain('second message');
    const one = await runCli(['--config', config, 'tickets', 'show', first.ticket, '--body', '--seq', '2'], { cwd: dir });
    expect(one.stdout).toContain(`${first.ticket} #2`);
    expect(one.stdout).not.toContain('plaintext report');
    const json = JSON.parse((await runCli(['--config', config, 'tickets', 'show', first.ticket, '--body', '--json', '--seq', '1'], { cwd: dir })).stdout);
    expect(json.messages.map((m: { source: string; text: string }) => [m.source, m.text.trim()])).toEqual([['decrypted', 'Grüße, the plaintext report.']]);
    expect((await runCli(['--config', config, 'tickets', 'show', first.ticket, '--body', '--seq', '9'], { cwd: dir })).code).toBe(66);
  });

  it('--attachment writes one attachment of the ticket to stdout, and nothing else', async () => {
    const { store } = await engine.fresh();
    const content = Buffer.from('time,src\n03:00,198.51.100.7\n');
    const sha = createHash('sha256').update(content).digest('hex');
    const { ticket } = await seedMessage(store, { body: 'see the log', attachments: [{ filename: '../../etc/passwd\u001b[2J', contentType: 'text/csv', content }] });
    const other = await seedMessage(store, { body: 'other', attachments: [{ filename: 'x', contentType: 'text/plain', content: Buffer.from('not yours') }] });
    const { dir, config } = await cliConfigFor(store);
    const cli = (...args: string[]) => runCli(['--config', config, 'tickets', 'show', ...args], { cwd: dir });
    const written = await cli(ticket, '--attachment', sha.toUpperCase());
    expect(written.code, written.stderr).toBe(0);
    expect(written.stdout).toBe(content.toString());
    const listed = await cli(ticket, '--body');
    expect(listed.stdout).toContain(`attachment ${sha} ${content.length} B text/csv name=../../etc/passwd\\u001b[2J`);
    const foreign = other.record.attachments[0]!.sha256;
    expect((await cli(ticket, '--attachment', foreign)).code).toBe(66);
    expect((await cli(ticket, '--attachment', 'abc')).code).toBe(64);
  });
});

describe('terminal escaping of report text', () => {
  it('keeps line breaks and tabs, makes every other control visible', () => {
    expect(escapeText('a\r\nb\tc\u0007\u0085\u2066d\r')).toBe('a\nb\tc\\u0007\\u0085\\u2066d\\r');
  });
});
