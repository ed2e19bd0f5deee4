import type { ExtractedAttachment } from '../model/draft.js';
import type { CiphertextRecord, SignerVerdict, SmimeWrapper } from '../model/message-record.js';
import { sha256Hex } from '../model/digest.js';
import { findArmorBlocks, htmlToArmorText } from './armor.js';
import { attachmentRole, bodyArmor, isPgpMimeSigned, isSmimeSigned, pgpMimeCiphertext } from './detect-shape.js';
import { buildMimeTree, decodeBody, decodeText, partBytes, walk, type MimePart } from './mime-tree.js';
import { openMessage, verifyCleartext, verifyDetached, type OpenResult } from './pgp-operations.js';
import type { PgpContext } from './pgp-context.js';
import { protectedSubject } from './protected-headers.js';

/**
 * Opens every OpenPGP layer of a message and says what each signature covers. The
 * readable payload is returned only when it was opened in a sound context (see
 * detect-shape.ts); otherwise the outer message stays the body and everything found is
 * `wrapped` / `partial`, so no plaintext or signature is attributed to the outer From.
 */
export type Payload = { kind: 'mime'; bytes: Buffer; root: MimePart } | { kind: 'text'; text: string; attachments: ExtractedAttachment[] };

export interface Unwrapped {
  ciphertexts: CiphertextRecord[];
  signers: SignerVerdict[];
  coverage: 'whole' | 'partial' | 'none';
  payload: Payload | null;
  /** Plaintext of encrypted attachments, added to the outer message's attachments. */
  extraAttachments: ExtractedAttachment[];
  /** The first plaintext opened (decrypted.eml), null when nothing was decrypted. */
  decrypted: Buffer | null;
  innerSubject: string | null;
  /** An S/MIME signature around the whole message, recorded, not verified. */
  smime: SmimeWrapper | null;
}

/** Layers deeper than this are not opened (signed inside encrypted inside signed …). */
const MAX_LAYERS = 4;
/** Ciphertexts and signatures opened outside the sound context, at most. */
const MAX_WRAPPED_ITEMS = 32;

const nothing = (): Unwrapped => ({ ciphertexts: [], signers: [], coverage: 'none', payload: null, extraAttachments: [], decrypted: null, innerSubject: null, smime: null });

/** `tree`: the message's MIME tree when the caller has built it already (with limits no wider than the defaults). */
export async function unwrapMessage(raw: Buffer, ctx: PgpContext, tree?: MimePart): Promise<Unwrapped> {
  return unwrapEntity(tree ?? (await buildMimeTree(raw)), ctx, 0);
}

async function unwrapEntity(root: MimePart, ctx: PgpContext, depth: number): Promise<Unwrapped> {
  if (depth > MAX_LAYERS) return nothing();
  if (isSmimeSigned(root)) return openSmimeWrapped(root, ctx, depth);
  if (isPgpMimeSigned(root)) return openSigned(root, ctx, depth);
  const encrypted = pgpMimeCiphertext(root);
  if (encrypted) return openEncrypted(root, encrypted.data, ctx, depth);
  return (await openInline(root, ctx)) ?? wrappedScan(root, ctx, depth);
}

/**
 * A signing gateway's S/MIME multipart/signed around the whole message: its first part
 * is the signed content as a whole, so it is opened as the message root — a PGP/MIME
 * message inside keeps its `whole` coverage and is not `wrapped`. The CMS signature is
 * recorded as present and not verified; it never makes the message "signed by" anyone.
 */
async function openSmimeWrapped(root: MimePart, ctx: PgpContext, depth: number): Promise<Unwrapped> {
  const inner = await unwrapEntity(root.children[0]!, ctx, depth + 1);
  return { ...inner, smime: inner.smime ?? { path: root.path, protocol: (root.params.protocol ?? '').toLowerCase(), verified: false } };
}

/** RFC 3156 §5: the first part's bytes as received, line ends canonical CRLF. */
async function openSigned(root: MimePart, ctx: PgpContext, depth: number): Promise<Unwrapped> {
  const [signedPart, signaturePart] = root.children as [MimePart, MimePart];
  const bytes = canonicalCrlf(partBytes(signedPart));
  const signers = asSigners(await verifyDetached(bytes, decodeText(signaturePart), ctx));
  const innerRoot = await buildMimeTree(bytes, signedPart.path);
  const inner = await unwrapEntity(innerRoot, ctx, depth + 1);
  return {
    ...inner,
    signers: [...signers, ...inner.signers],
    coverage: signers.length > 0 ? 'whole' : inner.coverage,
    payload: inner.payload ?? { kind: 'mime', bytes, root: innerRoot },
    innerSubject: inner.innerSubject ?? protectedSubject(innerRoot),
  };
}

/** RFC 3156 §4 (or its Exchange rewrite): the decrypted payload is a MIME entity. */
async function openEncrypted(root: MimePart, data: MimePart, ctx: PgpContext, depth: number): Promise<Unwrapped> {
  const result = await openMessage(decodeText(data), ctx);
  const record = ciphertextRecord(root.path, 'pgp-mime', result, false);
  if (!result.ok) return { ...nothing(), ciphertexts: [record] };
  const plain = Buffer.from(result.data);
  const innerRoot = looksLikeMime(plain) ? await buildMimeTree(plain, root.path) : null;
  const inner = innerRoot ? await unwrapEntity(innerRoot, ctx, depth + 1) : nothing();
  const fallback: Payload = innerRoot ? { kind: 'mime', bytes: plain, root: innerRoot } : { kind: 'text', text: utf8(plain), attachments: [] };
  return {
    ciphertexts: [record, ...inner.ciphertexts],
    signers: [...result.signers, ...inner.signers],
    coverage: result.signers.length > 0 ? 'whole' : inner.coverage,
    payload: inner.payload ?? fallback,
    extraAttachments: inner.extraAttachments,
    decrypted: plain,
    innerSubject: (innerRoot && protectedSubject(innerRoot)) ?? inner.innerSubject,
    smime: null,
  };
}

/** The body is one armor block, alone or with OpenPGP attachments beside it. */
async function openInline(root: MimePart, ctx: PgpContext): Promise<Unwrapped | null> {
  let body = bodyArmor(root);
  let others: MimePart[] = [];
  if (!body && root.contentType === 'multipart/mixed' && root.children.length > 1) {
    const [first, ...rest] = root.children as [MimePart, ...MimePart[]];
    body = bodyArmor(first);
    others = rest;
  }
  if (!body) return null;
  const roles = others.map((part) => attachmentRole(part, others));
  const signed = (part: MimePart) => roles.some((r) => r.kind === 'signature' && r.target === part);
  if (roles.some((r) => r.kind === 'key' || (r.kind === 'data' && !signed(r.part)))) return null;

  const opened = await openArmor(body.block.text, body.block.kind, body.part.path, false, ctx);
  if (opened.text === null) return { ...nothing(), ciphertexts: opened.ciphertexts, signers: opened.signers, coverage: opened.signers.length ? 'whole' : 'none' };
  const signers = [...opened.signers];
  const ciphertexts = [...opened.ciphertexts];
  const attachments: ExtractedAttachment[] = [];
  let allCovered = signers.length > 0;
  for (const role of roles) {
    if (role.kind === 'ciphertext') {
      const result = await openMessage(role.data, ctx);
      if (result.encrypted || !result.ok) ciphertexts.push(ciphertextRecord(role.part.path, 'attachment', result, false));
      if (result.ok) attachments.push(decryptedAttachment(role.part, result.data));
      if (!result.ok || result.signers.length === 0) allCovered = false;
      if (result.ok) signers.push(...result.signers);
    } else if (role.kind === 'signature') {
      const verdict = role.target ? asSigners(await verifyDetached(decodeBody(role.target), role.signature, ctx)) : [];
      if (verdict.length === 0) allCovered = false;
      signers.push(...verdict);
    } else if (role.kind === 'data') {
      attachments.push(dataAttachment(role.part));
    }
  }
  return {
    ciphertexts,
    signers,
    coverage: signers.length === 0 ? 'none' : allCovered ? 'whole' : 'partial',
    payload: { kind: 'text', text: opened.text, attachments },
    extraAttachments: [],
    decrypted: opened.decrypted,
    innerSubject: null,
    smime: null,
  };
}

/** Cleartext-signed, or an OpenPGP message (encrypted, or signed without encryption). */
async function openArmor(armor: string, kind: string, path: string, wrapped: boolean, ctx: PgpContext) {
  if (kind === 'SIGNED MESSAGE') {
    const verdict = await verifyCleartext(armor, ctx);
    return 'error' in verdict
      ? { text: null, signers: [brokenSignature(verdict.error)], ciphertexts: [], decrypted: null }
      : { text: verdict.text, signers: verdict.signers, ciphertexts: [], decrypted: null };
  }
  const result = await openMessage(armor, ctx);
  const ciphertexts = result.encrypted || !result.ok ? [ciphertextRecord(path, 'inline', result, wrapped)] : [];
  if (!result.ok) return { text: null, signers: [], ciphertexts, decrypted: null };
  return { text: utf8(Buffer.from(result.data)), signers: result.signers, ciphertexts, decrypted: result.encrypted ? Buffer.from(result.data) : null };
}

/** OpenPGP anywhere else: opened, but wrapped and partial (never the outer sender's). */
async function wrappedScan(root: MimePart, ctx: PgpContext, depth: number): Promise<Unwrapped> {
  const found = nothing();
  const handled = new Set<MimePart>();
  const parents = new Map<MimePart, MimePart>();
  for (const part of walk(root)) for (const child of part.children) parents.set(child, part);
  for (const part of walk(root)) {
    if (handled.has(part)) continue;
    // Thousands of signed or encrypted parts are not a report: stop opening them.
    if (found.ciphertexts.length + found.signers.length >= MAX_WRAPPED_ITEMS) break;
    if (isPgpMimeSigned(part)) {
      found.signers.push(...asSigners(await verifyDetached(canonicalCrlf(partBytes(part.children[0]!)), decodeText(part.children[1]!), ctx)));
      handled.add(part.children[1]!);
      continue;
    }
    const encrypted = pgpMimeCiphertext(part);
    if (encrypted) {
      part.children.forEach((child) => handled.add(child));
      await absorbWrapped(found, await openEncrypted(part, encrypted.data, ctx, depth + 1));
      continue;
    }
    if (part.children.length > 0 || part.embedded) continue;
    const role = attachmentRole(part, parents.get(part)?.children ?? []);
    if (role.kind === 'ciphertext') {
      const result = await openMessage(role.data, ctx);
      // A signed-only OpenPGP message (binary or armored) opens too, but is no ciphertext.
      if (result.encrypted || !result.ok) found.ciphertexts.push(ciphertextRecord(part.path, 'attachment', result, true));
      if (result.ok) {
        found.signers.push(...result.signers);
        found.extraAttachments.push(decryptedAttachment(part, result.data));
      }
    } else if (role.kind === 'signature' && role.target) {
      found.signers.push(...asSigners(await verifyDetached(decodeBody(role.target), role.signature, ctx)));
    } else if (role.kind === 'data' && part.contentType.startsWith('text/')) {
      const text = part.contentType === 'text/html' ? htmlToArmorText(decodeText(part)) : decodeText(part);
      for (const block of findArmorBlocks(text).filter((b) => b.kind === 'MESSAGE' || b.kind === 'SIGNED MESSAGE')) {
        const opened = await openArmor(block.text, block.kind, part.path, true, ctx);
        found.ciphertexts.push(...opened.ciphertexts);
        found.signers.push(...opened.signers);
        found.decrypted ??= opened.decrypted;
      }
    }
  }
  found.coverage = found.signers.length > 0 ? 'partial' : 'none';
  return found;
}

/** A wrapped layer contributes its findings, never its payload. */
async function absorbWrapped(found: Unwrapped, layer: Unwrapped): Promise<void> {
  found.ciphertexts.push(...layer.ciphertexts.map((c) => ({ ...c, wrapped: true })));
  found.signers.push(...layer.signers);
  found.extraAttachments.push(...layer.extraAttachments);
  found.decrypted ??= layer.decrypted;
}

function ciphertextRecord(path: string, format: CiphertextRecord['format'], result: OpenResult, wrapped: boolean): CiphertextRecord {
  return {
    path,
    format,
    status: result.ok ? 'decrypted' : 'failed',
    wrapped,
    error: result.ok ? null : result.error,
    sha256: result.sha256,
    literalFilename: result.ok ? result.filename : null,
  };
}

function asSigners(verdict: SignerVerdict[] | { error: string }): SignerVerdict[] {
  return Array.isArray(verdict) ? verdict : [brokenSignature(verdict.error)];
}

/** A signature that could not even be parsed is a signature, and it is invalid. */
function brokenSignature(error: string): SignerVerdict {
  return { fingerprint: null, keyId: '', status: 'invalid', reason: error, created: null, flags: [], userIds: [] };
}

function decryptedAttachment(part: MimePart, data: Uint8Array): ExtractedAttachment {
  const content = Buffer.from(data);
  const filename = part.filename ? part.filename.replace(/\.(gpg|pgp|asc)$/i, '') || null : null;
  return { filename, contentType: 'application/octet-stream', content, sha256: sha256Hex(content) };
}

function dataAttachment(part: MimePart): ExtractedAttachment {
  const content = decodeBody(part);
  return { filename: part.filename, contentType: part.contentType, content, sha256: sha256Hex(content) };
}

function canonicalCrlf(bytes: Buffer): Buffer {
  return bytes.includes(0x0a) && !/(?<!\r)\n/.test(bytes.toString('latin1')) ? bytes : Buffer.from(bytes.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
}

/** A decrypted PGP/MIME payload starts with a MIME header block (RFC 3156 §4). */
function looksLikeMime(bytes: Buffer): boolean {
  const head = bytes.subarray(0, 4096).toString('latin1');
  return /^[\x21-\x39\x3b-\x7e]+:/.test(head) && /^content-type:/im.test(head.split(/\r?\n\r?\n/)[0] ?? '');
}

function utf8(bytes: Buffer): string {
  return new TextDecoder('utf-8').decode(bytes);
}
