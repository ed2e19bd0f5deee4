import type { Draft } from '../../model/draft.js';
import { headerValues } from '../../model/raw-headers.js';
import { normalizeAddress } from '../../model/strict-mailbox.js';
import { findTicketTags } from '../../model/ticket-id.js';
import type { StageContext } from '../stage.js';

/** At most this many Message-IDs are looked up per message (References can be long). */
const MAX_REFERENCES = 50;

/**
 * Threads a follow-up into its ticket (DESIGN §5): first the ticket tag `[XYZ-2026-00042]`
 * anywhere in the Subject, then In-Reply-To/References against the Message-IDs of known
 * tickets' messages and acks. A follow-up from a sender the ticket has not seen is still
 * threaded, but marked `senderKnown: false` so a handler can see it.
 */
export async function resolveTicket(draft: Draft, ctx: StageContext): Promise<Draft> {
  const target = (await byTag(draft, ctx)) ?? (await byReferences(draft, ctx));
  if (!target) return { ...draft, threading: { kind: 'new', senderKnown: true, ticket: null } };
  return { ...draft, threading: { kind: target.kind, senderKnown: await senderKnown(draft, target.ticket, ctx), ticket: target.ticket } };
}

/**
 * Known the same way the ticket's reporter was (issue 11): when the reporter signed, only a
 * whole, valid signature by that key makes a follow-up's sender known — a forged From
 * does not; otherwise the strict From (or envelope) among the ticket's correspondents.
 */
async function senderKnown(draft: Draft, ticket: string, ctx: StageContext): Promise<boolean> {
  const reporter = await ctx.lookups.reporter(ticket);
  if (reporter?.fingerprint) {
    const { signature } = draft;
    return signature.status === 'valid' && signature.coverage === 'whole' && signature.signers.some((s) => s.status === 'valid' && s.fingerprint === reporter.fingerprint);
  }
  const sender = senderAddress(draft);
  return sender !== null && (await ctx.lookups.correspondents(ticket)).includes(normalizeAddress(sender));
}

/** Who this message is from, for correspondent bookkeeping: strict From, else envelope. */
export function senderAddress(draft: Draft): string | null {
  if (draft.from.valid && draft.from.address) return draft.from.address;
  const envelope = draft.message.transport.mailFrom;
  return envelope ? envelope : null;
}

async function byTag(draft: Draft, ctx: StageContext) {
  // Thunderbird's protected Subject is where the real one (with our tag) lives. It is set
  // only for a ciphertext opened in a sound context: never a wrapped or replayed one.
  const subject = [draft.headers.subjectDecoded ?? '', draft.headers.innerSubject ?? ''].join('\n');
  for (const ticket of findTicketTags(ctx.config.team.ticketPrefix, subject)) {
    if (await ctx.lookups.ticketExists(ticket)) return { kind: 'tag' as const, ticket };
  }
  return null;
}

async function byReferences(draft: Draft, ctx: StageContext) {
  // The direct parent first, then the thread from the newest reference backwards.
  const ids = [
    ...messageIds(headerValues(draft.outerHeaders, 'in-reply-to').join(' ')),
    ...messageIds(headerValues(draft.outerHeaders, 'references').join(' ')).reverse(),
  ].slice(0, MAX_REFERENCES);
  for (const id of ids) {
    const ticket = await ctx.lookups.ticketByMessageId(id);
    if (ticket) return { kind: 'references' as const, ticket };
  }
  return null;
}

export function messageIds(value: string): string[] {
  return [...value.matchAll(/<([^<>\s]{1,998})>/g)].map((m) => m[1] ?? '').filter(Boolean);
}
