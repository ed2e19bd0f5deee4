import { escapeForLog } from '../log/escape.js';
import { handoffQueue, rtTicketOf } from '../store/handoff-queue.js';
import { repliesOf, type StoredReply } from '../store/replies.js';
import type { SqlEngine } from '../store/sql.js';
import { ticketEvents, type TicketEvent } from '../store/ticket-events.js';

/**
 * What `intake tickets show` prints about a ticket beyond its messages: the Request
 * Tracker ticket it was handed to, the operators' replies (with their delivery state),
 * and its history (closed, reopened — by whom or by which follow-up —, with notes).
 */
export interface TicketWorkbench {
  rt: { ticket: number } | null;
  replies: Array<Omit<StoredReply, 'body'>>;
  history: Array<Pick<TicketEvent, 'kind' | 'at' | 'seq' | 'reason' | 'note'>>;
  handoff: Array<{ target: string; event: string; status: 'pending' | 'delivered' | 'failed'; attempts: number; error: string | null }>;
}

const HISTORY_KINDS = new Set(['ticket.closed', 'ticket.reopened', 'reply.queued']);

export async function ticketWorkbench(engine: SqlEngine, ticket: string): Promise<TicketWorkbench> {
  const rt = await rtTicketOf(engine, ticket);
  const replies = (await repliesOf(engine, ticket)).map(({ body: _body, ...rest }) => rest);
  const history = (await ticketEvents(engine, ticket))
    .filter((e) => HISTORY_KINDS.has(e.kind))
    .map(({ kind, at, seq, reason, note }) => ({ kind, at, seq, reason, note }));
  const handoff = (await handoffQueue(engine).list(ticket)).map((d) => ({
    target: d.target,
    event: d.event.kind,
    status: d.deliveredAt ? ('delivered' as const) : d.failedAt ? ('failed' as const) : ('pending' as const),
    attempts: d.attempts,
    error: d.lastError,
  }));
  return { rt: rt === null ? null : { ticket: rt }, replies, history, handoff };
}

export function workbenchLines(w: TicketWorkbench): string[] {
  const lines: string[] = [];
  if (w.rt) lines.push(`  request tracker: ticket #${w.rt.ticket}`);
  for (const r of w.replies) {
    const state = r.delivery.status === 'queued' ? `queued (${r.delivery.attempts} attempt(s)${r.delivery.error ? `, ${escapeForLog(r.delivery.error, 120)}` : ''})` : `${r.delivery.status} ${r.delivery.at ?? ''}`.trim();
    lines.push(`  reply ${r.n} ${r.createdAt} to ${escapeForLog(r.recipient, 80)} ${r.encrypted ? 'signed+encrypted' : 'signed'}: ${state}`);
  }
  for (const e of w.history) {
    if (e.kind === 'reply.queued') continue;
    const why = e.reason === 'follow-up' ? ` by follow-up #${e.seq}` : e.reason ? ` by ${e.reason}` : '';
    lines.push(`  ${e.kind.replace('ticket.', '')} ${e.at}${why}${e.note ? `: ${escapeForLog(e.note, 300)}` : ''}`);
  }
  for (const h of w.handoff.filter((d) => d.status !== 'delivered')) {
    lines.push(`  hand-off ${h.target} ${h.event}: ${h.status} after ${h.attempts} attempt(s)${h.error ? ` — ${escapeForLog(h.error, 160)}` : ''}`);
  }
  return lines;
}
