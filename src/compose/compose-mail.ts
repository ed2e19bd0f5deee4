import type * as openpgp from 'openpgp';
import type { TeamKey } from '../keys/team-key.js';
import type { OutgoingKind, OutgoingMail } from '../model/outgoing-mail.js';
import { headerLines, type OutgoingHeaders } from './mail-headers.js';
import { encryptEntity, signEntity, textPart } from './pgp-mime.js';

export interface ComposeSpec {
  kind: OutgoingKind;
  headers: OutgoingHeaders;
  /** The rendered template: our own text only. */
  text: string;
  team: TeamKey;
  /** Curated keys of the recipient; empty means signed only. */
  encryptTo: openpgp.PublicKey[];
  /** Signature (and encryption) time: the pipeline clock. */
  date: Date;
}

/**
 * One complete outgoing message: the text signed with the team key as PGP/MIME
 * (RFC 3156), encrypted on top when the recipient has a valid curated key — to that key
 * and to the team key, so the archived copy stays readable by the team.
 */
export async function composeMail(spec: ComposeSpec): Promise<OutgoingMail> {
  const { raw, encrypted } = await composeSignedMessage(spec);
  return { kind: spec.kind, recipient: spec.headers.to, messageId: spec.headers.messageId, encrypted, raw };
}

/** The RFC 5322 bytes of a signed (and, with keys to encrypt to, encrypted) message. */
export async function composeSignedMessage(spec: Omit<ComposeSpec, 'kind'>): Promise<{ raw: Buffer; encrypted: boolean }> {
  const signed = await signEntity(textPart(spec.text), spec.team.privateKey, spec.date);
  const encrypted = spec.encryptTo.length > 0;
  const top = encrypted ? await encryptEntity(signed, [...spec.encryptTo, spec.team.publicKey], spec.date) : signed;
  const text = `${[...headerLines(spec.headers), ...top.headers].join('\r\n')}\r\n\r\n${top.body}`;
  // Every byte we send is ours and 7-bit: no 8BITMIME/SMTPUTF8 needed, nothing to mangle.
  if (!/^[\x00-\x7f]*$/.test(text)) throw new Error('composed mail is not 7-bit clean');
  return { raw: Buffer.from(text, 'ascii'), encrypted };
}
