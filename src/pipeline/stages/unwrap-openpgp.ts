import { simpleParser } from 'mailparser';
import type { Draft, ReportBody } from '../../model/draft.js';
import type { CiphertextRecord } from '../../model/message-record.js';
import { collectOfferedKeys } from '../../openpgp/offered-keys.js';
import { pgpContextFor } from '../../openpgp/pgp-context.js';
import { unwrapMessage, type Unwrapped } from '../../openpgp/unwrap-message.js';
import { encryptionVerdict, signatureVerdict } from '../../openpgp/verdicts.js';
import type { StageContext } from '../stage.js';
import { bodyOf, SAFE_PARSER_OPTIONS } from './parse-mime.js';

/**
 * Decrypts and verifies every OpenPGP layer (DESIGN §6) and, when the payload was opened
 * in a sound context, makes it the report body that later stages read. Signatures are
 * judged one by one; a wrapped or replayed ciphertext is opened but its plaintext never
 * becomes this message's body, so it is not attributed to the outer From.
 */
export async function unwrapOpenpgp(draft: Draft, ctx: StageContext): Promise<Draft> {
  if (draft.outerHeaders.length === 0) return draft;
  let found: Unwrapped;
  try {
    found = await unwrapMessage(draft.message.raw, pgpContextFor(ctx, draft.message.receivedAt));
  } catch (error) {
    // The raw splitter's own limits (header size, part count): parse-mime has already
    // judged such a message; there is no OpenPGP structure we could trust in it.
    if ((error as { code?: string }).code === 'EMAXLEN') return draft;
    throw error;
  }
  const replayOf = await firstCarrier(found.ciphertexts, draft, ctx);
  const body = replayOf ? withExtraAttachments(draft.body, found) : await bodyFrom(found, draft.body);
  return {
    ...draft,
    headers: { ...draft.headers, innerSubject: found.innerSubject },
    body,
    decrypted: found.decrypted,
    encryption: { ...encryptionVerdict(found.ciphertexts), replayOf },
    signature: signatureVerdict(found.signers, found.coverage, draft.from),
    offeredKeys: await collectOfferedKeys(draft.outerHeaders, body.attachments),
  };
}

async function bodyFrom(found: Unwrapped, outer: ReportBody): Promise<ReportBody> {
  const payload = found.payload;
  if (!payload) return withExtraAttachments(outer, found);
  if (payload.kind === 'text') return { text: payload.text, html: null, attachments: [...payload.attachments, ...found.extraAttachments] };
  try {
    const inner = bodyOf(await simpleParser(payload.bytes, SAFE_PARSER_OPTIONS));
    return { ...inner, attachments: [...inner.attachments, ...found.extraAttachments] };
  } catch {
    return { text: '', html: null, attachments: found.extraAttachments };
  }
}

function withExtraAttachments(body: ReportBody, found: Unwrapped): ReportBody {
  return found.extraAttachments.length === 0 ? body : { ...body, attachments: [...body.attachments, ...found.extraAttachments] };
}

/**
 * A ciphertext already seen in another message (research/security.md §2 rule 4): the
 * REPLY attack re-sends a victim's ciphertext under a new From. The message is linked to
 * the first carrier, and its plaintext is not made this message's body.
 */
async function firstCarrier(parts: CiphertextRecord[], draft: Draft, ctx: StageContext) {
  for (const part of parts) {
    if (!part.sha256) continue;
    const entry = await ctx.lookups.firstCiphertext(part.sha256);
    if (entry && entry.sha256 !== draft.message.sha256) return { ticket: entry.ticket, seq: entry.seq };
  }
  return null;
}
