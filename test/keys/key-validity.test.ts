import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as openpgp from 'openpgp';
import { describe, expect, it } from 'vitest';
import { importKeys } from '../../src/keys/import-keys.js';
import { keyStatus } from '../../src/keys/key-validity.js';
import { createKeyring } from '../../src/keys/keyring.js';
import { PendingKeys } from '../../src/keys/pending-keys.js';
import { fileTransport } from '../../src/model/transport.js';
import { SqliteEngine } from '../../src/store/sqlite-engine.js';
import { SqlStore } from '../../src/store/sql-store.js';
import { tempDir } from '../helpers/temp-dir.js';
import { seedRecord } from '../helpers/store-seed.js';

const created = new Date('2025-01-01T00:00:00Z');
const later = new Date('2026-11-23T10:00:00Z');

/** openpgp v6 does not export GenerateKeyOptions: the options of generateKey's last overload (format 'object'). */
type KeyOptions = Parameters<typeof openpgp.generateKey>[0];

async function makeKey(email: string, options: Partial<Omit<KeyOptions, 'format'>> = {}) {
  const { publicKey, privateKey } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'curve25519Legacy',
    userIDs: [{ name: 'Test', email }],
    date: created,
    ...options,
    format: 'object',
  });
  return { publicKey, privateKey };
}

describe('key validity', () => {
  it('reports a fresh key as usable with its valid user ID addresses', async () => {
    const { publicKey } = await makeKey('alice@example.org');
    const status = await keyStatus(publicKey, later);
    expect(status).toMatchObject({ problem: null, revoked: false, expired: false, canEncrypt: true, canSign: true, expires: null });
    expect(status.addresses).toEqual(['alice@example.org']);
  });

  it('reports an expired key as expired and not usable for encryption', async () => {
    const { publicKey } = await makeKey('carol@example.org', { keyExpirationTime: 365 * 24 * 3600 });
    const status = await keyStatus(publicKey, later);
    expect(status).toMatchObject({ problem: 'expired', expired: true, canEncrypt: false });
    expect(status.expires).toBe('2026-01-01T00:00:00.000Z');
    expect((await keyStatus(publicKey, new Date('2025-06-01T00:00:00Z'))).problem).toBeNull();
  });

  it('reports a revoked key as revoked', async () => {
    const { privateKey } = await makeKey('dave@example.org');
    const { publicKey: revoked } = await openpgp.revokeKey({ key: privateKey, date: new Date('2025-06-01T00:00:00Z'), format: 'object' });
    const status = await keyStatus(revoked, later);
    expect(status).toMatchObject({ problem: 'revoked', revoked: true, canEncrypt: false, canSign: false });
  });

  it('finds an encryption key by address only when it is currently usable', async () => {
    const good = await makeKey('alice@example.org');
    const expired = await makeKey('carol@example.org', { keyExpirationTime: 3600 });
    const keyring = createKeyring([good.publicKey, expired.publicKey]);
    expect((await keyring.encryptionKeyFor('Alice@Example.org', later))?.getFingerprint()).toBe(good.publicKey.getFingerprint());
    expect(await keyring.encryptionKeyFor('carol@example.org', later)).toBeNull();
    expect(keyring.byAddress('carol@example.org')).toHaveLength(1);
    const subkeyId = good.publicKey.getSubkeys()[0]!.getKeyID().toHex();
    expect(keyring.byKeyId(subkeyId)?.getFingerprint()).toBe(good.publicKey.getFingerprint());
  });
});

describe('pending keys and import', () => {
  it('keeps keys seen in mail apart and moves one into the keyring only on accept', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'intake.sqlite');
    const store = await SqlStore.open(await SqliteEngine.open({ file }), file);
    const { publicKey } = await makeKey('newcomer@example.org');
    const fingerprint = publicKey.getFingerprint().toUpperCase();
    // Two messages offering the same key, committed as the pipeline commits them.
    for (const [n, source] of [[1, 'attachment'], [2, 'autocrypt']] as const) {
      const received = await store.receive(Buffer.from(`mail ${n}`), fileTransport('newcomer@example.org', []), later, { owner: 't', now: later, ms: 1000 });
      const placed = await store.place({ sha256: received.sha256, receiptId: received.receiptId, receivedAt: later, ticket: n === 2 ? 'XYZ-2026-00001' : null, prefix: 'XYZ', year: 2026, threading: { kind: 'new', senderKnown: true }, quota: null });
      if (placed.kind !== 'placed') throw new Error('not placed');
      const { ticket, seq } = placed.placement;
      await store.commit({
        sha256: received.sha256, receiptId: received.receiptId, ticket, seq, decrypted: null, attachments: [], messageIds: [], ciphertexts: [], outgoing: [],
        record: seedRecord(ticket, seq, received.sha256, { body: `mail ${n}`, from: 'newcomer@example.org' }),
        pendingKeys: [{ fingerprint, armored: publicKey.armor(), source, from: 'newcomer@example.org', seenAt: later.toISOString() }],
        fold: { sender: 'newcomer@example.org', rereadReporterKey: false },
        mode: 'first', now: later,
      });
    }
    const pending = new PendingKeys(store.pendingKeys);
    const listed = await pending.list();
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ fingerprint, sightings: [{ seq: 1, source: 'attachment' }, { seq: 2, source: 'autocrypt' }] });

    const keyringDir = path.join(dir, 'constituents');
    expect(await pending.accept('0'.repeat(40), keyringDir)).toBe(false);
    expect(await pending.accept(fingerprint.toLowerCase(), keyringDir)).toBe(true);
    expect(await pending.list()).toEqual([]);
    expect(await readdir(keyringDir)).toEqual([`${fingerprint}.asc`]);
    await store.close();
  });

  it('imports armored keys under their fingerprint and merges a second import', async () => {
    const dir = await tempDir();
    const { publicKey, privateKey } = await makeKey('alice@example.org');
    const file = path.join(dir, 'alice.asc');
    await writeFile(file, privateKey.armor());
    const first = await importKeys(await readFile(file), path.join(dir, 'ring'));
    expect(first).toEqual([{ fingerprint: publicKey.getFingerprint().toUpperCase(), merged: false }]);
    const stored = await readFile(path.join(dir, 'ring', `${first[0]!.fingerprint}.asc`), 'utf8');
    expect(stored).toContain('BEGIN PGP PUBLIC KEY BLOCK');
    expect(stored).not.toContain('PRIVATE');
    expect(await importKeys(Buffer.from(publicKey.armor()), path.join(dir, 'ring'))).toEqual([{ fingerprint: first[0]!.fingerprint, merged: true }]);
    await expect(importKeys(Buffer.from('not a key'), path.join(dir, 'ring'))).rejects.toThrow();
  });
});

describe('config check of keys', () => {
  it('names keyring files that would be skipped', async () => {
    const { keyringProblems } = await import('../../src/keys/check-keys.js');
    const { testConfig } = await import('../helpers/test-config.js');
    const { mkdir } = await import('node:fs/promises');
    const dir = await tempDir();
    const config = testConfig(dir);
    expect(await keyringProblems(config)).toEqual([]);
    await mkdir(config.pgp.keyringDir, { recursive: true });
    await writeFile(path.join(config.pgp.keyringDir, 'broken.asc'), 'not a key');
    await writeFile(path.join(config.pgp.keyringDir, 'alice.asc'), (await makeKey('alice@example.org')).publicKey.armor());
    const problems = await keyringProblems(config);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^pgp.keyringDir: .*broken.asc is not an OpenPGP key/);
  });
});
