import * as openpgp from 'openpgp';
import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { loadKeyring } from '../../src/keys/keyring.js';
import { readTeamKey } from '../../src/keys/team-key.js';
import { hardenedOpenpgpConfig } from '../../src/openpgp/openpgp-config.js';
import { forMessage, pgpContextFor, type PgpContext } from '../../src/openpgp/pgp-context.js';
import { verifyDetached } from '../../src/openpgp/pgp-operations.js';
import { pgpTestApp } from './pgp-fixtures.js';

/**
 * Signatures openpgp.js will not read are still signatures (DESIGN §6): each names its
 * issuer and is `invalid` (curated issuer) or `unknown-key`, with a reason.
 */
async function context(): Promise<PgpContext> {
  const t = await pgpTestApp({ teamKey: 'team', receivedAt: '2026-11-23T10:00:00.000Z' });
  const { config } = t.app.context;
  const team = await readTeamKey(config.pgp.privateKeyFile, null);
  const keyring = await loadKeyring(config.pgp.keyringDir, pino({ level: 'silent' }), hardenedOpenpgpConfig(config, team.isRsa));
  // One message's context, as the pipeline builds it: the shared keys and limits, then its
  // receipt time and a fresh budget.
  return forMessage(pgpContextFor({ config, keys: { team, keyring } }), new Date('2026-11-23T10:00:00Z'));
}

/** A v4 signature packet (legacy header, tag 2) with no creation time and an unhashed issuer. */
function signatureWithoutCreationTime(keyId: Buffer): Uint8Array {
  const unhashed = Buffer.concat([Buffer.from([9, 16]), keyId]);
  const body = Buffer.concat([Buffer.from([4, 0x00, 22, 8, 0, 0, 0, unhashed.length]), unhashed, Buffer.from([0xab, 0xcd, 0, 8, 0xff])]);
  return Buffer.concat([Buffer.from([0x88, body.length]), body]);
}

describe('signatures openpgp.js refuses to read', () => {
  it('a malformed v4 signature names its issuer: unknown-key with the reason, not a nameless error', async () => {
    const ctx = await context();
    const verdict = await verifyDetached(Buffer.from('data'), signatureWithoutCreationTime(Buffer.from('0102030405060708', 'hex')), ctx);
    expect(verdict).toEqual([expect.objectContaining({ status: 'unknown-key', keyId: '0102030405060708', fingerprint: null, reason: 'malformed' })]);
  });

  it('the same from a curated key is invalid and carries that key’s fingerprint', async () => {
    const ctx = await context();
    const alice = ctx.keyring.byAddress('alice@example.org')[0]!;
    const keyId = Buffer.from(alice.getKeyID().toHex(), 'hex');
    const armored = openpgp.armor(openpgp.enums.armor.signature, signatureWithoutCreationTime(keyId));
    const verdict = await verifyDetached(Buffer.from('data'), armored, ctx);
    expect(verdict).toEqual([expect.objectContaining({ status: 'invalid', fingerprint: alice.getFingerprint().toUpperCase(), reason: 'malformed' })]);
  });

  it('garbage that holds no signature packet stays an error', async () => {
    const ctx = await context();
    expect(await verifyDetached(Buffer.from('data'), Buffer.from('not a signature at all'), ctx)).toEqual({ error: expect.any(String) });
  });
});

