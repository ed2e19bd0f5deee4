import { simpleParser } from 'mailparser';
import type { ExtractedAttachment, ReportBody } from '../model/draft.js';
import type { EncryptionVerdict, FromCheck, SignatureVerdict } from '../model/message-record.js';
import { bodyOf, SAFE_PARSER_OPTIONS } from '../pipeline/stages/parse-mime.js';
import libmime from 'libmime';
import { decodeText, type MimePart } from './mime-tree.js';
import type { PgpContext } from './pgp-context.js';
import { unwrapMessage } from './unwrap-message.js';
import { encryptionVerdict, signatureVerdict } from './verdicts.js';

/**
 * Everything unwrap-openpgp computes from the raw bytes and the keys alone (CPU only,
 * no archive): so it can run in the calling thread or in an OpenPGP worker thread.
 */
export interface OpenedPayload {
  /** The decrypted/verified payload's readable content; null: keep the outer body. */
  payloadBody: ReportBody | null;
  extraAttachments: ExtractedAttachment[];
  decrypted: Buffer | null;
  encryption: EncryptionVerdict;
  signature: SignatureVerdict;
  innerSubject: string | null;
}

/** `tree`: the raw message's MIME tree, when parse-mime built it already (unwrapMessage). */
export async function openPayload(raw: Buffer, from: FromCheck, pgp: PgpContext, tree?: MimePart): Promise<OpenedPayload> {
  const found = await unwrapMessage(raw, pgp, tree);
  let payloadBody: ReportBody | null = null;
  if (found.payload?.kind === 'text') payloadBody = { text: found.payload.text, html: null, attachments: found.payload.attachments };
  if (found.payload?.kind === 'mime' && isPlainTextOnly(found.payload.root)) {
    payloadBody = { text: plainText(found.payload.root), html: null, attachments: [] };
  } else if (found.payload?.kind === 'mime') {
    try {
      payloadBody = bodyOf(await simpleParser(found.payload.bytes, SAFE_PARSER_OPTIONS));
    } catch {
      payloadBody = { text: '', html: null, attachments: [] };
    }
  }
  return {
    payloadBody,
    extraAttachments: found.extraAttachments,
    decrypted: found.decrypted,
    encryption: encryptionVerdict(found.ciphertexts),
    signature: { ...signatureVerdict(found.signers, found.coverage, from), smime: found.smime, ...(pgp.budget.signersTruncated ? { signersTruncated: true } : {}) },
    innerSubject: found.innerSubject,
  };
}

/**
 * The report body once the layers are open: the payload when it was opened in a sound
 * context and the ciphertext is no replay, else the outer message's body; attachments
 * decrypted beside it are added either way. unwrap-openpgp and the sandbox's `read`
 * (which understands this body ahead, before the replay check) both take it from here.
 */
export function openedBody(outer: ReportBody, opened: OpenedPayload, replay: boolean): ReportBody {
  const base = !replay && opened.payloadBody ? opened.payloadBody : outer;
  return opened.extraAttachments.length === 0 ? base : { ...base, attachments: [...base.attachments, ...opened.extraAttachments] };
}

/** The common payload: one text/plain part, no attachment. Read without mailparser. */
function isPlainTextOnly(root: MimePart): boolean {
  return root.contentType === 'text/plain' && root.children.length === 0 && root.disposition !== 'attachment';
}

/** RFC 3676 format=flowed is undone as mailparser would; line ends become LF like its text. */
function plainText(part: MimePart): string {
  const text = decodeText(part);
  const flowed = (part.params.format ?? '').toLowerCase() === 'flowed';
  const unflowed = flowed ? libmime.decodeFlowed(text, (part.params.delsp ?? '').toLowerCase() === 'yes') : text;
  return unflowed.replace(/\r\n/g, '\n');
}
