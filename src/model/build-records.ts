import type { Draft } from './draft.js';
import type { MessageRecord, TicketMessageSummary, TicketRecord } from './message-record.js';
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
    subject: record.headers.subjectDecoded,
    reporter: { address: sender, fingerprint: reporterFingerprint(record) },
    correspondents: [],
    classification: record.classification,
    flags: [],
    messages: [],
  };
  const messages = [...base.messages.filter((m) => m.seq !== record.seq), summary].sort((a, b) => a.seq - b.seq);
  return {
    ...base,
    updatedAt: now.toISOString(),
    urgent: base.urgent || record.urgent.flag,
    correspondents: union(base.correspondents, correspondent ? [correspondent] : []),
    flags: union(base.flags, flagsOf(record)),
    messages,
  };
}

/** A reporter is identified by key only when one trusted key signed the whole message. */
export function reporterFingerprint(record: MessageRecord): string | null {
  if (record.signature.status !== 'valid' || record.signature.coverage !== 'whole') return null;
  return record.signature.signers.find((s) => s.status === 'valid')?.fingerprint ?? null;
}

function union(a: string[], b: string[]): string[] {
  return [...new Set([...a, ...b])];
}
