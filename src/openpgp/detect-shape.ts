import { htmlToArmorText, soleArmorBlock, type ArmorBlock } from './armor.js';
import { decodeBody, decodeBodyHead, decodeText, type MimePart } from './mime-tree.js';
import { mayBeOpenpgp, sniffOpenpgp } from './sniff-openpgp.js';

/**
 * Where OpenPGP sits in a message, read from the raw MIME tree. Only three positions
 * form a sound context — what is decrypted or verified there speaks for the message as
 * a whole (docs/research/security.md §1.1 and §2 rule 3):
 *   - the root is multipart/signed or multipart/encrypted (RFC 3156), or the Exchange
 *     rewrite of multipart/encrypted into multipart/mixed;
 *   - the body (root text/plain, text/html or an alternative of them) is exactly one
 *     armor block with only whitespace outside;
 *   - that body in a root multipart/mixed whose other parts are all OpenPGP parts of
 *     their own (encrypted attachments, detached `.sig` of a sibling): Enigmail's inline
 *     shape with attachments.
 * Anything else is wrapped: decrypted with `wrapped: true`, signatures only `partial`.
 */
export function isPgpMimeSigned(part: MimePart): boolean {
  const protocol = (part.params.protocol ?? '').toLowerCase();
  return part.contentType === 'multipart/signed' && part.children.length === 2 && protocol === 'application/pgp-signature' && part.children[1]!.contentType === 'application/pgp-signature';
}

const SMIME_SIGNATURE_TYPES = ['application/pkcs7-signature', 'application/x-pkcs7-signature'];

/**
 * RFC 8551 §3.5.3 multipart/signed with a detached CMS signature: what a signing gateway
 * puts around a whole outgoing message — PGP/MIME included. Its first part is the signed
 * content as a whole, so it stands where the message root stands.
 */
export function isSmimeSigned(part: MimePart): boolean {
  const protocol = (part.params.protocol ?? '').toLowerCase();
  return part.contentType === 'multipart/signed' && part.children.length === 2 && SMIME_SIGNATURE_TYPES.includes(protocol) && SMIME_SIGNATURE_TYPES.includes(part.children[1]!.contentType);
}

/** The armored ciphertext part of multipart/encrypted (RFC 3156 §4), or of its Exchange rewrite. */
export function pgpMimeCiphertext(part: MimePart): { data: MimePart; mangled: boolean } | null {
  if (part.contentType === 'multipart/encrypted') {
    const protocol = (part.params.protocol ?? '').toLowerCase();
    const [version, data] = part.children;
    if (protocol === 'application/pgp-encrypted' && part.children.length === 2 && version?.contentType === 'application/pgp-encrypted' && data) {
      return { data, mangled: false };
    }
    return null;
  }
  if (part.contentType !== 'multipart/mixed') return null;
  // Exchange/Outlook: [empty text/plain], "PGPMIME version identification", "encrypted.asc".
  const meaningful = part.children.filter((c) => !(c.contentType === 'text/plain' && decodeBody(c).toString('latin1').trim() === ''));
  const [version, data] = meaningful;
  if (meaningful.length !== 2 || version?.contentType !== 'application/pgp-encrypted' || !data) return null;
  if (!/^\s*Version:\s*1\s*$/i.test(decodeBody(version).toString('latin1'))) return null;
  return soleArmorBlock(decodeText(data))?.kind === 'MESSAGE' ? { data, mangled: true } : null;
}

export interface BodyArmor {
  part: MimePart;
  block: ArmorBlock;
}

/** The body is one armor block: text/plain, text/html, or alternatives that all are. */
export function bodyArmor(part: MimePart): BodyArmor | null {
  if (part.contentType === 'text/plain' || part.contentType === 'text/html') {
    const text = part.contentType === 'text/html' ? htmlToArmorText(decodeText(part)) : decodeText(part);
    const block = soleArmorBlock(text);
    return block && (block.kind === 'MESSAGE' || block.kind === 'SIGNED MESSAGE') ? { part, block } : null;
  }
  if (part.contentType !== 'multipart/alternative' || part.children.length === 0) return null;
  const alternatives = part.children.map((child) => (child.children.length === 0 ? bodyArmor(child) : null));
  if (alternatives.some((a) => a === null)) return null;
  const all = alternatives as BodyArmor[];
  if (new Set(all.map((a) => a.block.kind)).size !== 1) return null;
  return all.find((a) => a.part.contentType === 'text/plain') ?? all[0]!;
}

export type AttachmentRole =
  | { kind: 'ciphertext'; part: MimePart; data: string | Uint8Array }
  | { kind: 'signature'; part: MimePart; signature: string | Uint8Array; target: MimePart | null }
  | { kind: 'key'; part: MimePart }
  | { kind: 'data'; part: MimePart };

const PGP_NAME = /\.(asc|gpg|pgp|sig)$/i;
const PGP_TYPES = ['application/pgp-encrypted', 'application/pgp-signature', 'application/pgp-keys'];
/** Octets of a part decoded to decide whether it may hold OpenPGP at all. */
const HEAD_BYTES = 64;

/**
 * What a leaf attachment is, as far as OpenPGP is concerned — by its content: an armor
 * block, or binary packets (sniff-openpgp.ts). A name or type only makes us look; it never
 * decides, so a binary ciphertext named `.asc` (or anything) is opened, and a binary key
 * (mutt attaches an exported `.gpg` key as application/octet-stream) is a key, never a
 * ciphertext.
 */
export function attachmentRole(part: MimePart, siblings: readonly MimePart[]): AttachmentRole {
  if (part.children.length > 0 || part.embedded) return { kind: 'data', part };
  const name = part.filename ?? '';
  const declared = PGP_NAME.test(name) || PGP_TYPES.includes(part.contentType);
  const head = decodeBodyHead(part, HEAD_BYTES);
  if (!declared && !mayBeOpenpgp(head) && !/^\s*-----BEGIN PGP /.test(Buffer.from(head).toString('latin1'))) return { kind: 'data', part };
  const bytes = decodeBody(part);
  const armor = soleArmorBlock(bytes.toString('latin1'));
  const binary = armor ? null : sniffOpenpgp(bytes);
  if (armor?.kind === 'PUBLIC KEY BLOCK' || binary === 'key') return { kind: 'key', part };
  if (armor?.kind === 'MESSAGE') return { kind: 'ciphertext', part, data: armor.text };
  if (binary === 'message') return { kind: 'ciphertext', part, data: new Uint8Array(bytes) };
  if (armor?.kind === 'SIGNATURE' || binary === 'signature' || (!armor && part.contentType === 'application/pgp-signature')) {
    const targetName = name.replace(/\.(sig|asc)$/i, '');
    const target = siblings.find((s) => s !== part && s.filename === targetName) ?? null;
    return { kind: 'signature', part, signature: armor ? armor.text : bytes, target };
  }
  // A key block we cannot read is still no ciphertext.
  if (!armor && part.contentType === 'application/pgp-keys') return { kind: 'key', part };
  return { kind: 'data', part };
}
