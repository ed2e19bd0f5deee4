import { firstHeader, readHeaders } from '../../src/model/raw-headers.js';

/**
 * Takes a PGP/MIME message apart the way a verifier must (RFC 3156): the signed bytes are
 * exactly those between the first boundary line and the CRLF before the next one.
 * Deliberately independent of the code under test.
 */
export function topHeader(raw: Buffer, name: string): string | null {
  return firstHeader(readHeaders(raw), name);
}

function boundaryOf(contentType: string | null): string {
  const match = /boundary="?([^";]+)"?/i.exec(contentType ?? '');
  if (!match?.[1]) throw new Error(`no boundary in ${contentType}`);
  return match[1];
}

function bodyOf(raw: Buffer): Buffer {
  const end = raw.indexOf('\r\n\r\n');
  if (end === -1) throw new Error('no header/body separator');
  return raw.subarray(end + 4);
}

/** The parts of a multipart body, as raw bytes (headers and body of each part). */
export function multipartParts(raw: Buffer): Buffer[] {
  const boundary = boundaryOf(topHeader(raw, 'content-type'));
  const body = bodyOf(raw);
  const parts: Buffer[] = [];
  let start = body.indexOf(`--${boundary}\r\n`);
  if (start === -1) throw new Error('first boundary line missing');
  start += boundary.length + 4;
  for (;;) {
    const next = body.indexOf(`\r\n--${boundary}`, start);
    if (next === -1) throw new Error('closing boundary missing');
    parts.push(body.subarray(start, next));
    const after = next + 4 + boundary.length;
    if (body.subarray(after, after + 2).toString() === '--') return parts;
    start = after + 2;
  }
}

export interface SignedMessage {
  contentType: string;
  signed: Buffer;
  signature: string;
}

export function splitSigned(raw: Buffer): SignedMessage {
  const contentType = topHeader(raw, 'content-type') ?? '';
  if (!/^multipart\/signed/i.test(contentType)) throw new Error(`not multipart/signed: ${contentType}`);
  const [signed, signaturePart] = multipartParts(raw);
  if (!signed || !signaturePart) throw new Error('multipart/signed needs two parts');
  const signature = bodyOf(signaturePart).toString('ascii');
  return { contentType, signed, signature };
}

export function encryptedPayload(raw: Buffer): string {
  const contentType = topHeader(raw, 'content-type') ?? '';
  if (!/^multipart\/encrypted/i.test(contentType)) throw new Error(`not multipart/encrypted: ${contentType}`);
  const [control, payload] = multipartParts(raw);
  if (!control || !payload) throw new Error('multipart/encrypted needs two parts');
  if (!/^Content-Type: application\/pgp-encrypted/im.test(control.toString())) throw new Error('first part is not application/pgp-encrypted');
  return bodyOf(payload).toString('ascii');
}

/** The quoted-printable text of a signed text/plain part, decoded, with LF line ends. */
export function signedText(signed: Buffer): string {
  const body = bodyOf(signed).toString('ascii');
  return Buffer.from(
    body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))),
    'latin1',
  )
    .toString('utf8')
    .replace(/\r\n/g, '\n');
}
