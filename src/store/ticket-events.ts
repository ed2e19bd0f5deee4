import type { TicketRecord } from '../model/message-record.js';
import type { SqlEngine, SqlTx } from './sql.js';

/**
 * The ticket's lifecycle log and the event stream the hand-off fans out from
 * (`ticket_event`). Each event carries ticket.json as it was at that moment, so a
 * webhook for `ticket.closed` shows the ticket closed even if it was reopened since.
 * Events are written in the transaction that makes them true: a message's in its commit,
 * a status change in the same UPDATE's transaction.
 */
export const TICKET_EVENTS = ['ticket.created', 'message.added', 'ticket.closed', 'ticket.reopened', 'reply.queued'] as const;
export type TicketEventKind = (typeof TICKET_EVENTS)[number];

export interface TicketEvent {
  id: number;
  ticket: string;
  seq: number | null;
  kind: TicketEventKind;
  at: string;
  /** Why it happened: `operator`, `follow-up` (a reporter wrote to a closed ticket). */
  reason: string | null;
  /** The operator's note (`--note`), shown by `tickets show`, never sent anywhere. */
  note: string | null;
  ticketRecord: TicketRecord;
}

export async function recordEvent(tx: SqlTx, event: Omit<TicketEvent, 'id'>): Promise<number> {
  const row = await tx.get<{ id: number }>(
    'INSERT INTO ticket_event (ticket, seq, kind, at, reason, note, ticket_record) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id',
    [event.ticket, event.seq, event.kind, event.at, event.reason, event.note, JSON.stringify(event.ticketRecord)],
  );
  return Number(row!.id);
}

interface EventRow {
  id: number;
  ticket: string;
  seq: number | null;
  kind: string;
  at: string;
  reason: string | null;
  note: string | null;
  ticket_record: string;
  [column: string]: unknown;
}

export const EVENT_COLUMNS = 'id, ticket, seq, kind, at, reason, note, ticket_record';

export function toEvent(row: EventRow): TicketEvent {
  return {
    id: Number(row.id),
    ticket: row.ticket,
    seq: row.seq === null ? null : Number(row.seq),
    kind: row.kind as TicketEventKind,
    at: row.at,
    reason: row.reason,
    note: row.note,
    ticketRecord: JSON.parse(row.ticket_record) as TicketRecord,
  };
}

export async function ticketEvents(engine: SqlEngine, ticket: string): Promise<TicketEvent[]> {
  return engine.read(async (tx) => (await tx.all<EventRow>(`SELECT ${EVENT_COLUMNS} FROM ticket_event WHERE ticket = ? ORDER BY id`, [ticket])).map(toEvent));
}

export type StatusChange =
  | { kind: 'changed'; ticket: TicketRecord; event: number }
  | { kind: 'unchanged'; ticket: TicketRecord }
  | { kind: 'missing' };

/**
 * `intake tickets close|reopen`: the ticket's status, its record and the event in one
 * transaction (the row is locked on PostgreSQL, so a concurrent commit of a follow-up
 * either sees the closed ticket and reopens it, or comes first and is closed with it).
 */
export async function setTicketStatus(
  engine: SqlEngine,
  id: string,
  status: 'open' | 'closed',
  change: { at: Date; note: string | null; reason: string },
): Promise<StatusChange> {
  return engine.write(async (tx) => {
    const row = await tx.get<{ record: string | null }>(`SELECT record FROM ticket WHERE id = ?${engine.dialect.forUpdate}`, [id]);
    if (!row?.record) return { kind: 'missing' } as const;
    const current = JSON.parse(row.record) as TicketRecord;
    if (current.status === status) return { kind: 'unchanged', ticket: current } as const;
    const at = change.at.toISOString();
    const next: TicketRecord = { ...current, status, closedAt: status === 'closed' ? at : null, updatedAt: at };
    await tx.run('UPDATE ticket SET record = ?, status = ?, updated_at = ? WHERE id = ?', [JSON.stringify(next), status, at, id]);
    const event = await recordEvent(tx, {
      ticket: id,
      seq: null,
      kind: status === 'closed' ? 'ticket.closed' : 'ticket.reopened',
      at,
      reason: change.reason,
      note: change.note,
      ticketRecord: next,
    });
    return { kind: 'changed', ticket: next, event } as const;
  });
}

/**
 * In a message's commit (first time only, never on reprocess): a follow-up to a closed
 * ticket reopens it, and the message's own event is recorded — `ticket.created` for the
 * first message, `message.added` for the others. Returns the ticket record to store.
 */
export async function recordMessageEvents(
  tx: SqlTx,
  previous: TicketRecord | null,
  next: TicketRecord,
  message: { ticket: string; seq: number; at: string },
): Promise<{ ticket: TicketRecord; reopened: boolean }> {
  let ticket = next;
  const reopened = previous?.status === 'closed';
  if (reopened) {
    ticket = { ...next, status: 'open', closedAt: null };
    await recordEvent(tx, { ticket: message.ticket, seq: message.seq, kind: 'ticket.reopened', at: message.at, reason: 'follow-up', note: null, ticketRecord: ticket });
  }
  await recordEvent(tx, {
    ticket: message.ticket,
    seq: message.seq,
    kind: previous === null ? 'ticket.created' : 'message.added',
    at: message.at,
    reason: null,
    note: null,
    ticketRecord: ticket,
  });
  return { ticket, reopened };
}

export interface LifecycleStats {
  open: number;
  closed: number;
  /** Over closed tickets: from the first message to the (last) close. */
  timeToClose: { count: number; medianSeconds: number | null; meanSeconds: number | null };
}

export async function lifecycleStats(engine: SqlEngine): Promise<LifecycleStats> {
  return engine.read(async (tx) => {
    const rows = await tx.all<{ status: string; record: string }>('SELECT status, record FROM ticket WHERE record IS NOT NULL');
    const durations: number[] = [];
    let open = 0;
    let closed = 0;
    for (const row of rows) {
      if (row.status !== 'closed') {
        open++;
        continue;
      }
      closed++;
      const record = JSON.parse(row.record) as TicketRecord;
      if (record.closedAt) durations.push((Date.parse(record.closedAt) - Date.parse(record.createdAt)) / 1000);
    }
    durations.sort((a, b) => a - b);
    const median = durations.length === 0 ? null : durations.length % 2 === 1
      ? durations[(durations.length - 1) / 2]!
      : (durations[durations.length / 2 - 1]! + durations[durations.length / 2]!) / 2;
    const mean = durations.length === 0 ? null : durations.reduce((a, b) => a + b, 0) / durations.length;
    return { open, closed, timeToClose: { count: durations.length, medianSeconds: median, meanSeconds: mean } };
  });
}
