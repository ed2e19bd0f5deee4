import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readHeaders, firstHeader } from '../../src/model/raw-headers.js';
import { repliesOf } from '../../src/store/replies.js';
import type { SqlStore } from '../../src/store/sql-store.js';
import { decryptWith, expectSignedByTeam, fixtureKey, fixturePgp } from '../helpers/ack-checks.js';
import { runCli } from '../helpers/cli.js';
import { run } from '../helpers/openpgp-tools.js';
import { encryptedPayload, topHeader } from '../helpers/pgp-mime.js';
import { FIXTURES } from '../helpers/pipeline.js';
import { cliConfigFor } from '../helpers/store-cli.js';
import { storeEngines } from '../helpers/store-engines.js';
import { seedMessage } from '../helpers/store-seed.js';
import { readFileSync } from 'node:fs';
import { gpgTeamKey } from '../helpers/gpg-team-keys.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * `intake reply` on both store engines with the built CLI: the queued mail is the
 * operator's text, signed by the team key and encrypted to the reporter's curated key —
 * gpg and sqop verify and decrypt it — threaded to the reporter's last message.
 */
const engines = storeEngines();
const TEAM = {
  fingerprint: '',
  publicKey: readFileSync(path.join(FIXTURES, 'keys', 'team.pub.asc'), 'utf8'),
};

async function teamIdentity() {
  const result = await run('gpg', ['--with-colons', '--show-keys', path.join(FIXTURES, 'keys', 'team.pub.asc')]);
  return { ...TEAM, fingerprint: /^fpr:+([0-9A-F]{40}):/m.exec(result.stdout.toString())![1]! };
}

async function setup(store: SqlStore, from = 'alice@example.org') {
  const first = await seedMessage(store, { body: 'first report', from, subject: 'scan from 198.51.100.7' });
  const second = await seedMessage(store, { body: 'more details', from, ticket: first.ticket, subject: `Re: [${first.ticket}] scan` });
  const { dir, config } = await cliConfigFor(store, { pgp: fixturePgp() });
  const bodyFile = path.join(dir, 'reply.txt');
  const text = 'Hello,\n\nwe blocked 198.51.100.7 at 10:40 UTC. Thank you!\n\n-- \nXYZ-CERT\n';
  await writeFile(bodyFile, text);
  const cli = (...args: string[]) => runCli(['--config', config, 'reply', first.ticket, '--file', bodyFile, ...args], { cwd: dir });
  return { ticket: first.ticket, parentRaw: (await store.tickets.raw(second.sha256))!, text, cli, dir, config };
}

async function queuedMail(store: SqlStore) {
  const [entry] = await store.outbox.claimDue({ owner: 'test', now: new Date(Date.now() + 1000), ms: 60_000 }, 10);
  return entry!;
}

describe.each(engines)('intake reply: $name', (engine) => {
  it('queues the operator’s text signed and encrypted to the reporter: gpg and sqop verify and decrypt it', async () => {
    const { store } = await engine.fresh();
    const { ticket, parentRaw, text, cli, dir } = await setup(store);
    const result = await cli('--require-encryption');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe(`${ticket} reply 1 queued to alice@example.org (signed and encrypted)`);

    const entry = await queuedMail(store);
    expect(entry).toMatchObject({ kind: 'reply', recipient: 'alice@example.org', encrypted: true });
    const raw = entry.raw!;
    expect(topHeader(raw, 'subject')).toBe(`Re: [${ticket}] scan from 198.51.100.7`);
    expect(topHeader(raw, 'in-reply-to')).toBe(firstHeader(readHeaders(parentRaw), 'message-id'));
    expect(topHeader(raw, 'auto-submitted')).toBeNull();
    expect(raw.toString()).not.toContain('blocked 198.51.100.7');

    const alice = fixtureKey('alice');
    const inner = await decryptWith(raw, alice);
    expect(await expectSignedByTeam(inner, await teamIdentity())).toBe(text);
    const keyFile = path.join(dir, 'alice.sec.asc');
    await writeFile(keyFile, alice.secretKey);
    const bySqop = await run('sqop', ['decrypt', keyFile], encryptedPayload(raw));
    expect(bySqop.code, bySqop.stderr).toBe(0);
    expect(bySqop.stdout.equals(inner)).toBe(true);

    // Kept in the ticket, and the reporter's answer to it threads back by its Message-ID.
    const [reply] = await repliesOf(store.sql, ticket);
    expect(reply).toMatchObject({ n: 1, body: text, encrypted: true, recipient: 'alice@example.org' });
    expect(await store.lookups.ticketByMessageId(topHeader(raw, 'message-id')!)).toBe(ticket);
  });

  it('without a usable curated key: refused with --require-encryption (69), signed only without it', async () => {
    const { store } = await engine.fresh();
    const { ticket, cli } = await setup(store, 'carol@example.org');
    const refused = await cli('--require-encryption');
    expect(refused.code).toBe(69);
    expect(refused.stderr).toMatch(/no usable key/);
    expect(await repliesOf(store.sql, ticket)).toEqual([]);
    const signedOnly = await cli();
    expect(signedOnly.code, signedOnly.stderr).toBe(0);
    expect(signedOnly.stdout).toContain('not encrypted: no curated key');
    const entry = await queuedMail(store);
    expect(entry.encrypted).toBe(false);
    expect(topHeader(entry.raw!, 'content-type')).toMatch(/^multipart\/signed/);
  });

  it('refuses a body with control characters (65), a stranger as --to (64), an unknown ticket (66)', async () => {
    const { store } = await engine.fresh();
    const { ticket, dir, config } = await setup(store);
    const bad = path.join(dir, 'bad.txt');
    await writeFile(bad, 'hello \u0000 \u001b[31m');
    expect((await runCli(['--config', config, 'reply', ticket, '--file', bad], { cwd: dir })).code).toBe(65);
    const ok = path.join(dir, 'reply.txt');
    expect((await runCli(['--config', config, 'reply', ticket, '--file', ok, '--to', 'mallory@evil.example'], { cwd: dir })).code).toBe(64);
    expect((await runCli(['--config', config, 'reply', 'XYZ-2026-00999', '--file', ok], { cwd: dir })).code).toBe(66);
    expect(await repliesOf(store.sql, ticket)).toEqual([]);
  });
  it('refuses to sign with a team key the hardened policy refuses (expired): 78, nothing queued', async () => {
    const { store } = await engine.fresh();
    const { ticket } = await setup(store);
    const keys = await tempDir('intake-reply-key-');
    const expiredKey = path.join(keys, 'team.sec.asc');
    await writeFile(expiredKey, await gpgTeamKey('expired'), { mode: 0o600 });
    const { dir, config } = await cliConfigFor(store, { pgp: { ...fixturePgp(), privateKeyFile: expiredKey } });
    const bodyFile = path.join(dir, 'reply.txt');
    await writeFile(bodyFile, 'We are looking into it.\n');
    const refused = await runCli(['--config', config, 'reply', ticket, '--file', bodyFile], { cwd: dir });
    expect(refused.code, refused.stderr).toBe(78);
    expect(refused.stderr).toMatch(/expired/);
    expect(await repliesOf(store.sql, ticket)).toEqual([]);
  });
});
