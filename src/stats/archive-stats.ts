import type { MessageRecord, TicketRecord } from '../model/message-record.js';

/**
 * The figures a team publishes about its work (RFC 2350 §3.4.2 lets a team say what it
 * discloses, and statistics are what most teams disclose): reports per month, per RSIT
 * class, per priority, how many were urgent, how much mail came encrypted or signed, and
 * how long acknowledgements took. Computed from the archive alone; pure.
 *
 * A report is a ticket (follow-ups are messages of it); months are those of the ticket's
 * creation in the team's time zone.
 */
export interface ArchiveStats {
  timezone: string;
  reports: number;
  messages: number;
  urgentReports: number;
  perMonth: Array<{ month: string; reports: number; messages: number; urgent: number }>;
  perClass: Array<{ class: string; reports: number; types: Array<{ type: string; reports: number }> }>;
  perPriority: Array<{ rule: string; rank: number | null; reports: number }>;
  crypto: {
    messages: number;
    encrypted: number;
    decryptionFailed: number;
    signed: number;
    signedValidWhole: number;
    encryptedShare: number | null;
    signedShare: number | null;
  };
  acknowledgements: {
    sent: number;
    queued: number;
    suppressed: number;
    failed: number;
    /** Median seconds from receipt to delivery of the ack, over the acks with a delivery time. */
    medianSecondsToAck: number | null;
    measured: number;
  };
}

export interface TicketWithMessages {
  ticket: TicketRecord;
  messages: MessageRecord[];
}

export function archiveStats(tickets: TicketWithMessages[], timezone: string): ArchiveStats {
  const month = monthFormatter(timezone);
  const months = new Map<string, { reports: number; messages: number; urgent: number }>();
  const bump = (key: string) => months.get(key) ?? months.set(key, { reports: 0, messages: 0, urgent: 0 }).get(key)!;
  const classes = new Map<string, Map<string, number>>();
  const priorities = new Map<string, { rank: number | null; reports: number }>();
  const messages = tickets.flatMap((t) => t.messages);
  for (const { ticket, messages: own } of tickets) {
    const m = bump(month(ticket.createdAt));
    m.reports++;
    if (ticket.urgent) m.urgent++;
    for (const message of own) bump(month(message.receivedAt)).messages++;
    for (const c of ticket.classification) {
      const types = classes.get(c.class) ?? classes.set(c.class, new Map()).get(c.class)!;
      types.set(c.type, (types.get(c.type) ?? 0) + 1);
    }
    const rule = ticket.priority ?? 'none';
    const p = priorities.get(rule) ?? priorities.set(rule, { rank: ticket.priorityRank ?? null, reports: 0 }).get(rule)!;
    p.reports++;
  }
  return {
    timezone,
    reports: tickets.length,
    messages: messages.length,
    urgentReports: tickets.filter((t) => t.ticket.urgent).length,
    perMonth: [...months].sort(([a], [b]) => a.localeCompare(b)).map(([key, v]) => ({ month: key, ...v })),
    perClass: [...classes]
      .map(([cls, types]) => ({
        class: cls,
        reports: tickets.filter((t) => t.ticket.classification.some((c) => c.class === cls)).length,
        types: [...types].map(([type, reports]) => ({ type, reports })).sort((a, b) => b.reports - a.reports || a.type.localeCompare(b.type)),
      }))
      .sort((a, b) => b.reports - a.reports || a.class.localeCompare(b.class)),
    perPriority: [...priorities].map(([rule, v]) => ({ rule, ...v })).sort((a, b) => (a.rank ?? Infinity) - (b.rank ?? Infinity) || a.rule.localeCompare(b.rule)),
    crypto: cryptoStats(messages),
    acknowledgements: ackStats(messages),
  };
}

function cryptoStats(messages: MessageRecord[]): ArchiveStats['crypto'] {
  const encrypted = messages.filter((m) => m.encryption.status !== 'none').length;
  const signed = messages.filter((m) => m.signature.status !== 'none').length;
  return {
    messages: messages.length,
    encrypted,
    decryptionFailed: messages.filter((m) => m.encryption.status === 'failed').length,
    signed,
    signedValidWhole: messages.filter((m) => m.signature.status === 'valid' && m.signature.coverage === 'whole').length,
    encryptedShare: share(encrypted, messages.length),
    signedShare: share(signed, messages.length),
  };
}

function ackStats(messages: MessageRecord[]): ArchiveStats['acknowledgements'] {
  const status = (s: string) => messages.filter((m) => (m.ack?.status ?? (m.ack?.sent ? 'sent' : 'suppressed')) === s).length;
  const delays = messages
    .filter((m) => m.ack?.sent && typeof m.ack.sentAt === 'string')
    .map((m) => (Date.parse(m.ack.sentAt!) - Date.parse(m.receivedAt)) / 1000)
    .filter((s) => Number.isFinite(s) && s >= 0);
  return { sent: status('sent'), queued: status('queued'), suppressed: status('suppressed'), failed: status('failed'), medianSecondsToAck: median(delays), measured: delays.length };
}

export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function share(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round((part / whole) * 1000) / 1000;
}

function monthFormatter(timezone: string): (iso: string) => string {
  const format = new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit' });
  return (iso) => {
    const parts = format.formatToParts(new Date(iso));
    return `${parts.find((p) => p.type === 'year')?.value}-${parts.find((p) => p.type === 'month')?.value}`;
  };
}
