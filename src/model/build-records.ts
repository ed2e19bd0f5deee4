import type { Draft } from './draft.js';
import type { Classification, MessageRecord, PriorityVerdict, TicketMessageSummary, TicketRecord } from './message-record.js';
import { normalizeAddress } from './strict-mailbox.js';

/** The message.json of a placed draft: every verdict, no message body. */
export function buildMessageRecord(draft: Draft): MessageRecord {
  const placement = draft.placement;
  if (!placement) throw new Error('buildMessageRecord needs a placed draft');
  const { message } = draft;
  return {
    ticket: placement.ticket,
    seq: placement.seq,
    receivedAt: message.receivedAt.toISOString(),
    sha256: message.sha256,
    size: message.raw.length,
    transport: message.transport,
    headers: draft.headers,
    from: draft.from,
    parse: draft.parse,
    encryption: draft.encryption,
    signature: draft.signature,
    urgent: draft.urgent,
    form: draft.form,
    classification: draft.classification,
    indicators: draft.indicators,
    tlp: draft.tlp,
    priority: draft.priority,
    attachments: draft.body.attachments.map((a) => ({
      filename: a.filename,
      contentType: a.contentType,
      size: a.content.length,
      sha256: a.sha256,
      path: `attachments/${a.sha256}`,
    })),
    threading: { kind: draft.threading.kind, senderKnown: draft.threading.senderKnown },
    ack: draft.ack,
  };
}


/** Flags a handler should see on the ticket, derived from one message's verdicts. */
export function flagsOf(record: MessageRecord): string[] {
  const flags: string[] = [];
  if (record.parse.status === 'unparseable') flags.push('unparseable');
  if (record.parse.status === 'overrun') flags.push('overrun');
  if (!record.from.valid) flags.push('invalid-from');
  if (record.threading.kind !== 'new' && !record.threading.senderKnown) flags.push('unknown-sender-followup');
  if (record.encryption.wrapped) flags.push('wrapped-ciphertext');
  if (record.encryption.replayOf) flags.push('replayed-ciphertext');
  return flags;
}

/**
 * Folds one committed message into its ticket. Idempotent: applying the same message
 * twice (a retry after a crash) gives the same ticket.
 */
export function mergeTicket(
  current: TicketRecord | null,
  record: MessageRecord,
  sender: string | null,
  now: Date,
): TicketRecord {
  const summary: TicketMessageSummary = {
    seq: record.seq,
    receivedAt: record.receivedAt,
    sha256: record.sha256,
    from: sender,
    threading: record.threading.kind,
    urgent: record.urgent.flag,
  };
  const correspondent = sender ? normalizeAddress(sender) : null;
  const base: TicketRecord = current ?? {
    id: record.ticket,
    createdAt: record.receivedAt,
    updatedAt: now.toISOString(),
    status: 'open',
    urgent: false,
    priority: null,
    priorityRank: null,
    subject: record.headers.subjectDecoded,
    reporter: { address: sender, fingerprint: reporterFingerprint(record) },
    correspondents: [],
    classification: record.classification,
    flags: [],
    messages: [],
  };
  const messages = [...base.messages.filter((m) => m.seq !== record.seq), summary].sort((a, b) => a.seq - b.seq);
  const priority = higherPriority(base, messagePriority(record));
  return {
    ...base,
    updatedAt: now.toISOString(),
    urgent: base.urgent || record.urgent.flag,
    priority: priority.rule,
    priorityRank: priority.rank,
    classification: mergeClassifications(base.classification, record.classification),
    correspondents: union(base.correspondents, correspondent ? [correspondent] : []),
    flags: union(base.flags, flagsOf(record)),
    messages,
  };
}

/**
 * How one message folds into its ticket, as data (a commit may run in the store's own
 * thread, where no closure can follow it): the sender it adds, and for `intake
 * reprocess` whether the reporter's key is read again from the ticket's first message.
 */
export interface TicketFold {
  /** Who the message is from, for correspondent bookkeeping: strict From, else envelope. */
  sender: string | null;
  /** Reprocessing: a key imported since can name the reporter of the ticket's first message. */
  rereadReporterKey: boolean;
}

/** `mergeTicket`, then (reprocess of the first message) the reporter's key from its record. */
export function foldTicket(current: TicketRecord | null, record: MessageRecord, fold: TicketFold, now: Date): TicketRecord {
  const merged = mergeTicket(current, record, fold.sender, now);
  if (!fold.rereadReporterKey) return merged;
  const first = Math.min(...merged.messages.map((m) => m.seq));
  return record.seq === first ? { ...merged, reporter: { ...merged.reporter, fingerprint: reporterFingerprint(record) } } : merged;
}

/** An urgent outer Subject outranks every configured rule (RFC 2350 Appendix E comes after it). */
export const URGENT_PRIORITY: PriorityVerdict = { rank: 0, rule: 'urgent-subject' };

function messagePriority(record: MessageRecord): PriorityVerdict | null {
  if (record.urgent.flag) return URGENT_PRIORITY;
  return record.priority ?? null;
}

/** The ticket keeps the most pressing priority any of its messages earned (lower rank wins). */
function higherPriority(ticket: TicketRecord, candidate: PriorityVerdict | null): PriorityVerdict {
  const current = ticket.priority !== null && typeof ticket.priorityRank === 'number'
    ? { rank: ticket.priorityRank, rule: ticket.priority }
    : null;
  if (!candidate) return current ?? { rank: Number.MAX_SAFE_INTEGER, rule: 'default' };
  return current && current.rank <= candidate.rank ? current : candidate;
}

/**
 * A ticket's classification is the union over its messages; the default
 * `other/undetermined` gives way as soon as any message was classified.
 */
export function mergeClassifications(a: Classification[], b: Classification[]): Classification[] {
  const merged: Classification[] = [];
  for (const c of [...a, ...b]) {
    if (!merged.some((m) => m.class === c.class && m.type === c.type)) merged.push(c);
  }
  const specific = merged.filter((c) => !(c.class === 'other' && c.type === 'undetermined'));
  return specific.length > 0 ? specific : merged;
}

/** A reporter is identified by key only when one trusted key signed the whole message. */
export function reporterFingerprint(record: MessageRecord): string | null {
  if (record.signature.status !== 'valid' || record.signature.coverage !== 'whole') return null;
  return record.signature.signers.find((s) => s.status === 'valid')?.fingerprint ?? null;
}

function union(a: string[], b: string[]): string[] {
  return [...new Set([...a, ...b])];
}
