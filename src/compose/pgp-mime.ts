import { randomBytes } from 'node:crypto';
import * as qp from 'nodemailer/lib/qp';
import * as openpgp from 'openpgp';
import { trimEndChars } from '../model/linear-text.js';

/**
 * PGP/MIME (RFC 3156) for the mail csirt-intake sends. An entity is its header lines and
 * its body, both with CRLF line ends; the signed bytes are exactly what a verifier takes
 * between the boundary lines, so they are built once and never re-encoded.
 */
export interface MimeEntity {
  headers: string[];
  body: string;
}

export function entityBytes(entity: MimeEntity): Buffer {
  return Buffer.from(`${entity.headers.join('\r\n')}\r\n\r\n${entity.body}`, 'utf8');
}

/**
 * A text/plain part, quoted-printable: RFC 3156 §3 asks for a 7-bit-safe encoding of
 * signed data, and QP also protects trailing whitespace and a leading "From " (which
 * mbox storage would otherwise alter and so break the signature).
 */
export function textPart(text: string): MimeEntity {
  const crlf = text.replace(/\r?\n/g, '\r\n');
  const encoded = qp
    .wrap(qp.encode(Buffer.from(crlf, 'utf8')), 76)
    .replace(/^From /gm, '=46rom ')
    .replace(/^\./gm, '=2E');
  return {
    headers: ['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable'],
    body: encoded.endsWith('\r\n') ? encoded : `${encoded}\r\n`,
  };
}

/** A boundary that cannot occur in QP or armor: "=_" is never valid quoted-printable. */
function boundary(tag: string): string {
  return `=_${tag}_${randomBytes(12).toString('hex')}`;
}

/**
 * A multipart body (RFC 2046 §5.1.1). The CRLF before each boundary line belongs to the
 * delimiter, so a part's bytes — the signed bytes above all — are exactly as given.
 */
function multipart(preamble: string, b: string, parts: string[]): string {
  return [preamble, ...parts.flatMap((part) => [`--${b}`, part]), `--${b}--`, ''].join('\r\n');
}

function armorToCrlf(armored: string): string {
  return trimEndChars(armored.replace(/\r?\n/g, '\r\n'), '\r\n');
}

/**
 * multipart/signed (RFC 3156 §5): a detached signature over the canonical bytes of the
 * first part, with `micalg` read from the signature that was actually made.
 */
export async function signEntity(entity: MimeEntity, signingKey: openpgp.PrivateKey, date: Date): Promise<MimeEntity> {
  const signed = entityBytes(entity);
  // As an object, armored here: the hash algorithm is read from it, not from a re-parse of the armor.
  const signature = await openpgp.sign({
    message: await openpgp.createMessage({ binary: signed }),
    signingKeys: signingKey,
    detached: true,
    format: 'object',
    date,
  });
  const armored = signature.armor();
  const hash = (signature.packets[0] as openpgp.SignaturePacket | undefined)?.hashAlgorithm;
  if (hash === undefined || hash === null) throw new Error('the signature carries no hash algorithm');
  const micalg = `pgp-${openpgp.enums.read(openpgp.enums.hash, hash).toLowerCase()}`;
  const b = boundary('sig');
  const body = multipart('This is an OpenPGP/MIME signed message (RFC 4880 and 3156)', b, [
    signed.toString('utf8'),
    [
      'Content-Type: application/pgp-signature; name="signature.asc"',
      'Content-Description: OpenPGP digital signature',
      'Content-Disposition: attachment; filename="signature.asc"',
      '',
      armorToCrlf(armored),
    ].join('\r\n'),
  ]);
  return {
    headers: [`Content-Type: multipart/signed; micalg=${micalg};\r\n protocol="application/pgp-signature";\r\n boundary="${b}"`],
    body,
  };
}

/**
 * multipart/encrypted (RFC 3156 §4, signed-then-encrypted as in §6.1): the whole
 * multipart/signed entity is the plaintext, so the recipient sees the same verifiable
 * signature after decrypting.
 */
export async function encryptEntity(entity: MimeEntity, keys: openpgp.PublicKey[], date: Date): Promise<MimeEntity> {
  const armored = await openpgp.encrypt({
    message: await openpgp.createMessage({ binary: entityBytes(entity) }),
    encryptionKeys: keys,
    format: 'armored',
    date,
  });
  const b = boundary('enc');
  const body = multipart('This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)', b, [
    ['Content-Type: application/pgp-encrypted', 'Content-Description: PGP/MIME version identification', '', 'Version: 1', ''].join('\r\n'),
    [
      'Content-Type: application/octet-stream; name="encrypted.asc"',
      'Content-Description: OpenPGP encrypted message',
      'Content-Disposition: inline; filename="encrypted.asc"',
      '',
      armorToCrlf(armored),
    ].join('\r\n'),
  ]);
  return {
    headers: [`Content-Type: multipart/encrypted;\r\n protocol="application/pgp-encrypted";\r\n boundary="${b}"`],
    body,
  };
}
