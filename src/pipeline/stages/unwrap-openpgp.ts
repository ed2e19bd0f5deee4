import type { Draft } from '../../model/draft.js';
import type { CiphertextRecord } from '../../model/message-record.js';
import { flagDateMismatch } from '../../openpgp/date-mismatch.js';
import { collectOfferedKeys } from '../../openpgp/offered-keys.js';
import { openedBody, type OpenedPayload } from '../../openpgp/open-payload.js';
import type { StageContext } from '../stage.js';

/**
 * Decrypts and verifies every OpenPGP layer (DESIGN §6) and, when the payload was opened
 * in a sound context, makes it the report body that later stages read. Signatures are
 * judged one by one; a wrapped or replayed ciphertext is opened but its plaintext never
 * becomes this message's body, so it is not attributed to the outer From. The CPU work
 * ran in the sandbox (src/sandbox/) with parse-mime's, within the message's budget.
 */
export async function unwrapOpenpgp(draft: Draft, ctx: StageContext): Promise<Draft> {
  // Opened in the sandbox by parse-mime's call (tasks.ts `read`), within the message's
  // budget; null when there was nothing to open or the reading overran before it.
  const opened = draft.reading?.opened;
  return opened ? applyOpened(draft, opened, ctx) : draft;
}

async function applyOpened(draft: Draft, opened: OpenedPayload, ctx: StageContext): Promise<Draft> {
  const replayOf = await firstCarrier(opened.encryption.parts ?? [], draft, ctx);
  const body = openedBody(draft.body, opened, replayOf !== null);
  const signature = flagDateMismatch(opened.signature, draft.headers.date, ctx.config.pgp.maxSignatureDateSkewSeconds * 1000);
  return {
    ...draft,
    // A replayed ciphertext's protected headers and signature are its first sender's: they
    // never thread this message, reach its ack, or make its sender known (issue 11).
    headers: { ...draft.headers, innerSubject: replayOf ? null : opened.innerSubject },
    body,
    decrypted: opened.decrypted,
    encryption: { ...opened.encryption, replayOf },
    signature: replayOf && signature.coverage === 'whole' ? { ...signature, coverage: 'partial', fromMatchesSigner: false } : signature,
    offeredKeys: await collectOfferedKeys(draft.outerHeaders, body.attachments, ctx.config.limits.keyUserIds),
  };
}

/**
 * A ciphertext already seen in another message (docs/research/security.md §2 rule 4): the
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
