import * as openpgp from 'openpgp';
import type { SignerVerdict } from '../model/message-record.js';
import type { PgpContext } from './pgp-context.js';
import type { SignatureIssuer } from './signature-packet.js';
import type { UnjudgedSignature } from './unjudged-signatures.js';

/**
 * Each signature judged on its own (docs/research/security.md §1.3): openpgp.js' own
 * `expectSigned` passes when *any* signature verifies, so it is never relied upon.
 * The signer is the curated key holding the issuer key ID — never a user ID carried in
 * the message — and a key's revocation or expiry gives its own status.
 */
export type Verification = Awaited<ReturnType<openpgp.Message<Uint8Array>['verify']>>[number];

export async function judgeSignatures(verifications: readonly Verification[], ctx: PgpContext): Promise<SignerVerdict[]> {
  const result: SignerVerdict[] = [];
  for (const verification of verifications) result.push(await judgeOne(verification, ctx));
  return result;
}

async function judgeOne(verification: Verification, ctx: PgpContext): Promise<SignerVerdict> {
  const keyId = verification.keyID.toHex().toUpperCase();
  const packet = await verification.signature.then((s) => s.packets[0] ?? null, () => null);
  const created = packet?.created ?? null;
  const flags = timeFlags(created, ctx);
  const key = ctx.keyring.byKeyId(keyId);
  const base = { keyId, created: created ? created.toISOString() : null, flags };
  if (!key) {
    const issuer = packet?.issuerFingerprint ? Buffer.from(packet.issuerFingerprint).toString('hex').toUpperCase() : null;
    return { ...base, fingerprint: issuer, status: 'unknown-key', reason: 'not-in-keyring', userIds: [] };
  }
  const status = await ctx.keyring.status(key, ctx.receivedAt);
  const identity = { ...base, fingerprint: status.fingerprint, userIds: status.userIds };
  let failure: string | null = null;
  try {
    await verification.verified;
  } catch (error) {
    failure = (error as Error).message;
  }
  if (status.revoked || (failure && /revoked/i.test(failure))) return { ...identity, status: 'revoked-key', reason: 'key-revoked' };
  if (failure === null) {
    return status.expired ? { ...identity, status: 'expired-key', reason: 'key-expired' } : { ...identity, status: 'valid', reason: null };
  }
  if (/expired/i.test(failure) && status.expired) return { ...identity, status: 'expired-key', reason: 'key-expired' };
  return { ...identity, status: 'invalid', reason: failureReason(failure) };
}

/**
 * A signature that was sent but cannot be judged (unjudged-signatures.ts) is `invalid`
 * with its reason, or `unknown-key` when its issuer is not in the curated keyring either
 * (DESIGN §6) — never dropped, so the message never reads as unsigned.
 */
export async function judgeUnjudged(signatures: readonly UnjudgedSignature[], ctx: PgpContext): Promise<SignerVerdict[]> {
  const result: SignerVerdict[] = [];
  for (const { issuer, reason } of signatures) result.push(await unjudgedVerdict(issuer, reason, ctx));
  return result;
}

export async function unjudgedVerdict(issuer: SignatureIssuer, reason: string, ctx: PgpContext): Promise<SignerVerdict> {
  const key = (issuer.fingerprint ? ctx.keyring.byFingerprint(issuer.fingerprint) : null) ?? (issuer.keyId ? ctx.keyring.byKeyId(issuer.keyId) : null);
  const base = { keyId: issuer.keyId ?? '', reason, created: issuer.created ? issuer.created.toISOString() : null, flags: timeFlags(issuer.created, ctx) };
  if (!key) return { ...base, fingerprint: issuer.fingerprint, status: 'unknown-key', userIds: [] };
  const status = await ctx.keyring.status(key, ctx.receivedAt);
  return { ...base, fingerprint: status.fingerprint, status: 'invalid', userIds: status.userIds };
}

function failureReason(message: string): string {
  if (/too weak|shorter than|RSA keys/i.test(message)) return 'weak-key';
  if (/hash algorithm/i.test(message)) return 'weak-hash';
  if (/digest did not match|signature did not match|verification failed|Invalid signature/i.test(message)) return 'bad-signature';
  if (/in the future/i.test(message)) return 'created-in-future';
  if (/expired/i.test(message)) return 'signature-expired';
  if (/notation/i.test(message)) return 'unknown-critical-notation';
  if (/newer than the signature/i.test(message)) return 'key-newer-than-signature';
  return 'unverifiable';
}

/** `old` and `future` are judged against the time of receipt, so reprocessing agrees. */
function timeFlags(created: Date | null, ctx: PgpContext): string[] {
  if (!created) return [];
  const flags: string[] = [];
  if (created.getTime() < ctx.receivedAt.getTime() - ctx.maxSignatureAgeMs) flags.push('old');
  if (created.getTime() > ctx.receivedAt.getTime() + ctx.clockSkewMs) flags.push('future');
  return flags;
}

/**
 * The date signatures are verified at: the time of receipt plus the tolerated skew, or
 * later when a signature claims a later creation time (so that a future-dated but
 * genuine signature is flagged `future` rather than failing; openpgp.js checks the key
 * at the signature's own creation time either way).
 */
export function verificationDate(signatures: ReadonlyArray<{ created: Date | null }>, ctx: PgpContext): Date {
  const latest = Math.max(ctx.receivedAt.getTime() + ctx.clockSkewMs, ...signatures.map((s) => (s.created ? s.created.getTime() + 1000 : 0)));
  return new Date(latest);
}
