import { createHash } from 'node:crypto';
import * as openpgp from 'openpgp';
import type { SignerVerdict } from '../model/message-record.js';
import { judgeSignatures, judgeUnjudged, unjudgedVerdict, verificationDate } from './judge-signatures.js';
import { decompressedLeft, takeSignatures } from './message-budget.js';
import { packetCensus } from './packet-census.js';
import type { PgpContext } from './pgp-context.js';
import { drainPacketStream, signatureIssuersIn, unjudgedInPacketList } from './unjudged-signatures.js';

/**
 * The three OpenPGP operations mail needs — open a message (decrypt, or verify a signed
 * one), verify a detached signature, verify a cleartext signature — each returning a
 * value: an error is a verdict (`error` code), never an exception.
 */
export type OpenResult =
  | { ok: true; encrypted: boolean; data: Uint8Array; filename: string | null; signers: SignerVerdict[]; sha256: string | null }
  | { ok: false; encrypted: boolean; error: string; sha256: string | null };

const { packet: tag } = openpgp.enums;
const ENCRYPTION_TAGS = new Set<number>([tag.publicKeyEncryptedSessionKey, tag.symEncryptedSessionKey, tag.symmetricallyEncryptedData, tag.symEncryptedIntegrityProtectedData, tag.aeadEncryptedData]);

export async function openMessage(input: string | Uint8Array, ctx: PgpContext): Promise<OpenResult> {
  const binary = await dearmored(input, ctx);
  if ('error' in binary) return { ok: false, encrypted: false, error: binary.error, sha256: null };
  const refused = overBudget(binary.bytes, ctx);
  if (refused) return { ok: false, encrypted: true, error: refused, sha256: null };
  let message: openpgp.Message<Uint8Array>;
  try {
    message = (await openpgp.readMessage({ binaryMessage: binary.bytes, config: ctx.config })) as openpgp.Message<Uint8Array>;
  } catch (error) {
    return { ok: false, encrypted: false, error: errorCode(error), sha256: null };
  }
  const sha256 = ciphertextHash(message);
  const encrypted = sha256 !== null;
  if (!wellFormedTopLevel(message)) return { ok: false, encrypted, error: 'malformed', sha256 };
  if (encrypted && ++ctx.budget.ciphertexts > ctx.limits.ciphertexts) return { ok: false, encrypted, error: 'too-many-ciphertexts', sha256 };
  try {
    // One plaintext budget for the whole message: what earlier ciphertexts produced is gone.
    const config = { ...openpgp.config, ...ctx.config, maxDecompressedMessageSize: decompressedLeft(ctx.budget) };
    const opened = encrypted ? await message.decrypt([ctx.team.privateKey], undefined, undefined, ctx.receivedAt, config) : message;
    const data = opened.getLiteralData();
    if (!(data instanceof Uint8Array)) throw new Error('no literal data');
    ctx.budget.decompressedBytes += data.length;
    const packets = opened.unwrapCompressed().packets;
    await drainPacketStream(packets);
    const signaturePackets = packets.filterByTag(tag.signature) as unknown as Array<{ created: Date | null }>;
    if (takeSignatures(ctx.budget, signaturePackets.length) < signaturePackets.length) {
      return { ok: true, encrypted, data, filename: opened.getFilename(), signers: [tooManySignatures(ctx)], sha256 };
    }
    const verifications = await opened.verify(verificationKeys(ctx), verificationDate(signaturePackets, ctx), config);
    const signers = [...(await judgeSignatures(verifications, ctx)), ...(await judgeUnjudged(unjudgedInPacketList(packets), ctx))];
    return { ok: true, encrypted, data, filename: opened.getFilename(), signers, sha256 };
  } catch (error) {
    return { ok: false, encrypted, error: errorCode(error), sha256 };
  }
}

/** The binary of an armored message (RFC 9580 §6.2), or the armor error as a verdict code. */
async function dearmored(input: string | Uint8Array, ctx: PgpContext): Promise<{ bytes: Uint8Array } | { error: string }> {
  if (typeof input !== 'string') return { bytes: input };
  try {
    const { type, data } = await openpgp.unarmor(input, { ...openpgp.config, ...ctx.config });
    if (type !== openpgp.enums.armor.message) return { error: 'bad-armor' };
    return data instanceof Uint8Array ? { bytes: data } : { error: 'bad-armor' };
  } catch (error) {
    return { error: errorCode(error) };
  }
}

/**
 * The message's caps, checked on the packet headers before openpgp.js reads anything:
 * session-key packets (each a decryption attempt) and partial-length chunks.
 */
function overBudget(bytes: Uint8Array, ctx: PgpContext): string | null {
  const census = packetCensus(bytes, ctx.limits.partialChunks);
  if (census.partialChunks > ctx.limits.partialChunks) return 'too-many-partial-chunks';
  ctx.budget.sessionKeys += census.sessionKeys;
  if (ctx.budget.sessionKeys > ctx.limits.sessionKeys) return 'too-many-session-keys';
  return null;
}

/** One verdict standing for signatures left unverified (`limits.signatures`): present, not judged. */
function tooManySignatures(ctx: PgpContext): SignerVerdict {
  return { fingerprint: null, keyId: '', status: 'invalid', reason: `too-many-signatures (limits.signatures ${ctx.limits.signatures})`, created: null, flags: [], userIds: [] };
}

export async function verifyDetached(data: Uint8Array, signature: string | Uint8Array, ctx: PgpContext): Promise<SignerVerdict[] | { error: string }> {
  try {
    const parsed = typeof signature === 'string'
      ? await openpgp.readSignature({ armoredSignature: signature, config: ctx.config })
      : await openpgp.readSignature({ binarySignature: signature, config: ctx.config });
    if (!keepWithinBudget(parsed, ctx)) return [tooManySignatures(ctx)];
    const message = await openpgp.createMessage({ binary: data });
    const date = verificationDate(parsed.packets as unknown as Array<{ created: Date | null }>, ctx);
    const { signatures } = await openpgp.verify({ message, signature: parsed, verificationKeys: verificationKeys(ctx), date, config: ctx.config, format: 'binary' });
    return [...(await judgeSignatures(signatures as never, ctx)), ...(await judgeUnjudged(unjudgedInPacketList(parsed.packets), ctx))];
  } catch (error) {
    return (await refusedSignatures(signature, errorCode(error), ctx)) ?? { error: errorCode(error) };
  }
}

export async function verifyCleartext(armored: string, ctx: PgpContext): Promise<{ text: string; signers: SignerVerdict[] } | { error: string }> {
  try {
    const message = await openpgp.readCleartextMessage({ cleartextMessage: armored, config: ctx.config });
    const signature = (message as unknown as { signature: openpgp.Signature }).signature;
    if (!keepWithinBudget(signature, ctx)) return { text: message.getText(), signers: [tooManySignatures(ctx)] };
    const packets = signature.packets as unknown as Array<{ created: Date | null }>;
    const { data, signatures } = await openpgp.verify({ message, verificationKeys: verificationKeys(ctx), date: verificationDate(packets, ctx), config: ctx.config });
    return { text: data, signers: [...(await judgeSignatures(signatures as never, ctx)), ...(await judgeUnjudged(unjudgedInPacketList(packets), ctx))] };
  } catch (error) {
    return { error: errorCode(error) };
  }
}

/**
 * Verifies at most what is left of `limits.signatures`: a block with more keeps its first
 * ones (the message's verdict then says `signersTruncated`). False when none is left.
 */
function keepWithinBudget(signature: openpgp.Signature, ctx: PgpContext): boolean {
  const all = signature.packets;
  const granted = takeSignatures(ctx.budget, all.length);
  if (granted === 0 && all.length > 0) return false;
  if (granted < all.length) (signature as { packets: typeof all }).packets = all.slice(0, granted) as typeof all;
  return true;
}

/**
 * A signature block openpgp.js would not read at all still names its signers: each
 * signature packet in it becomes an `invalid` (or `unknown-key`) verdict with the error
 * as its reason. Null when no signature packet can be found in it either.
 */
async function refusedSignatures(signature: string | Uint8Array, reason: string, ctx: PgpContext): Promise<SignerVerdict[] | null> {
  let binary: Uint8Array;
  try {
    binary = typeof signature === 'string' ? (await openpgp.unarmor(signature, { ...openpgp.config, ...ctx.config })).data as Uint8Array : signature;
  } catch {
    return null;
  }
  const issuers = signatureIssuersIn(binary);
  if (issuers.length === 0) return null;
  const verdicts: SignerVerdict[] = [];
  for (const issuer of issuers) verdicts.push(await unjudgedVerdict(issuer, reason, ctx));
  return verdicts;
}

const CONTAINER_TAGS = new Set<number>([tag.compressedData, tag.symmetricallyEncryptedData, tag.symEncryptedIntegrityProtectedData, tag.aeadEncryptedData]);
const SESSION_KEY_TAGS = new Set<number>([tag.publicKeyEncryptedSessionKey, tag.symEncryptedSessionKey]);

/**
 * RFC 9580 §10.3 at the top level, which openpgp.js' enforceGrammar leaves open after a
 * compressed packet: an encrypted or compressed packet is the whole message (after the
 * session keys), so nothing — such as an attacker's literal packet — may follow it.
 */
function wellFormedTopLevel(message: openpgp.Message<Uint8Array>): boolean {
  const tags = [...(message.packets as unknown as Iterable<{ constructor: { tag: number } }>)]
    .map((p) => p.constructor.tag)
    .filter((t) => t !== tag.marker);
  const container = tags.findIndex((t) => CONTAINER_TAGS.has(t));
  if (container === -1) return true;
  if (container !== tags.length - 1) return false;
  if (tags[container] === tag.compressedData) return container === 0;
  return tags.slice(0, container).every((t) => SESSION_KEY_TAGS.has(t));
}

/** openpgp.js wants a non-empty list to verify against; an empty keyring still judges. */
function verificationKeys(ctx: PgpContext): openpgp.PublicKey[] {
  return ctx.keyring.keys as openpgp.PublicKey[];
}

/**
 * The replay key (docs/research/security.md §2 rule 4): SHA-256 over the session-key and
 * encrypted-data packets, each re-serialised so that a change of armor, packet framing
 * or an added marker packet does not hide a re-sent ciphertext. Null when not encrypted.
 */
export function ciphertextHash(message: openpgp.Message<Uint8Array>): string | null {
  const hash = createHash('sha256');
  let found = false;
  for (const packet of message.packets as unknown as Iterable<{ constructor: { tag: number }; write(): Uint8Array }>) {
    const packetTag = packet.constructor.tag;
    if (!ENCRYPTION_TAGS.has(packetTag)) continue;
    const body = packet.write();
    if (!(body instanceof Uint8Array)) continue;
    found = true;
    hash.update(Buffer.from([packetTag]));
    hash.update(Buffer.from(body));
  }
  return found ? hash.digest('hex') : null;
}

/** Stable error codes for message.json (the library's text varies between versions). */
export function errorCode(error: unknown): string {
  // The library's message can quote input; the patterns below need only its start.
  const message = (error instanceof Error ? error.message : String(error)).slice(0, 300);
  if (/not authenticated|unauthenticated|missing mdc/i.test(message)) return 'unauthenticated';
  if (/decompressed message size/i.test(message)) return 'too-large';
  if (/modification detected|integrity|authentication tag|MDC/i.test(message)) return 'integrity';
  if (/session key|decryption key|no (secret|private) key|password or key|decrypt.*key|key.*not found/i.test(message)) return 'no-decryption-key';
  if (/grammar|unexpected packet|packet.*not allowed|Can only verify message with one literal/i.test(message)) return 'malformed';
  if (/armor|misformed|not of type|unknown ascii armor|crc/i.test(message)) return 'bad-armor';
  return 'malformed';
}
