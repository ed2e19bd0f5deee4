import { bufferOrNull, type SqlEngine } from './sql.js';
import type { Lease } from './store.js';
import { EVENT_COLUMNS, toEvent, type TicketEvent, type TicketEventKind } from './ticket-events.js';

/**
 * Hand-off deliveries (DESIGN §3 `handoff`): every ticket event × every target that
 * wants it (a webhook, Request Tracker), as a job table shared by all processes and
 * nodes. A target's cursor says which events were fanned out; the fan-out and each
 * outcome are transactions, so an event is queued once and a delivery is marked once,
 * whichever node does it. Deliveries are claimed with a lease (PostgreSQL `SKIP
 * LOCKED`); a ticket's deliveries to one target go in event order (a follow-up's
 * correspondence never overtakes the RT ticket it belongs to).
 */
export interface HandoffTarget {
  /** Stable id: `rt`, or `webhook:<hash of the URL>`. */
  id: string;
  events: readonly TicketEventKind[];
}

export interface HandoffDelivery {
  key: string;
  target: string;
  event: TicketEvent;
  attempts: number;
  queuedAt: string;
  /** The body as first sent (a retry sends the same bytes), or null before the first attempt. */
  body: Buffer | null;
  /** The target's own note of how far a multi-step delivery got (JSON), or null. */
  progress: string | null;
  lastError: string | null;
  deliveredAt: string | null;
  failedAt: string | null;
}

const PENDING = 'd.delivered_at IS NULL AND d.failed_at IS NULL';
const FANOUT_BATCH = 500;

/**
 * Registers targets: one seen for the first time starts at the newest event (a webhook
 * added today does not receive last year's tickets); a known target keeps its place.
 */
export async function registerTargets(engine: SqlEngine, targets: readonly Pick<HandoffTarget, 'id'>[]): Promise<void> {
  // Every process that opens the store with a target configured registers it (a read when
  // it is known), so that reports `intake ingest` stores before serve's first start count.
  const known = await engine.read(async (tx) => (await tx.all<{ name: string }>('SELECT name FROM handoff_cursor')).map((r) => r.name));
  if (targets.every((t) => known.includes(t.id))) return;
  await engine.write(async (tx) => {
    const newest = Number((await tx.get<{ id: number | null }>('SELECT MAX(id) AS id FROM ticket_event'))?.id ?? 0);
    for (const t of targets) {
      await tx.run('INSERT INTO handoff_cursor (name, last_event) VALUES (?, ?) ON CONFLICT (name) DO NOTHING', [t.id, newest]);
    }
  });
}

/** Queues the events past each target's cursor; returns how many deliveries were queued. */
export async function fanOut(engine: SqlEngine, targets: readonly HandoffTarget[], now: Date): Promise<number> {
  let queued = 0;
  for (const target of targets) {
    for (;;) {
      const added = await engine.write(async (tx) => {
        const cursor = await tx.get<{ last_event: number }>(`SELECT last_event FROM handoff_cursor WHERE name = ?${engine.dialect.forUpdate}`, [target.id]);
        if (!cursor) return -1;
        const events = await tx.all<{ id: number; ticket: string; kind: string }>(
          'SELECT id, ticket, kind FROM ticket_event WHERE id > ? ORDER BY id LIMIT ?',
          [Number(cursor.last_event), FANOUT_BATCH],
        );
        if (events.length === 0) return -1;
        const at = now.toISOString();
        let n = 0;
        for (const e of events) {
          if (!target.events.includes(e.kind as TicketEventKind)) continue;
          n += await tx.run(
            `INSERT INTO handoff_delivery (key, target, event, ticket, queued_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`,
            [`${target.id}:${e.id}`, target.id, Number(e.id), e.ticket, at, at],
          );
        }
        await tx.run('UPDATE handoff_cursor SET last_event = ? WHERE name = ?', [Number(events.at(-1)!.id), target.id]);
        return n;
      });
      if (added < 0) break;
      queued += added;
    }
  }
  return queued;
}

interface DeliveryRow {
  key: string;
  target: string;
  attempts: number;
  queued_at: string;
  body: unknown;
  progress: string | null;
  last_error: string | null;
  delivered_at: string | null;
  failed_at: string | null;
  [column: string]: unknown;
}

const DELIVERY_COLUMNS = 'd.key, d.target, d.attempts, d.queued_at, d.body, d.progress, d.last_error, d.delivered_at, d.failed_at';
const EVENT_SELECT = EVENT_COLUMNS.split(', ').map((c) => `e.${c}`).join(', ');

export function handoffQueue(engine: SqlEngine) {
  const select = (where: string) =>
    `SELECT ${DELIVERY_COLUMNS}, ${EVENT_SELECT} FROM handoff_delivery d JOIN ticket_event e ON e.id = d.event WHERE ${where}`;
  const owned = `key = ? AND lease_owner = ? AND delivered_at IS NULL AND failed_at IS NULL`;
  return {
    async claimDue(lease: Lease, max: number): Promise<HandoffDelivery[]> {
      const now = lease.now.toISOString();
      const until = new Date(lease.now.getTime() + lease.ms).toISOString();
      return engine.write(async (tx) => {
        const due = await tx.all<{ key: string }>(
          `SELECT d.key FROM handoff_delivery d WHERE ${PENDING} AND d.next_attempt_at <= ?
             AND (d.lease_until IS NULL OR d.lease_until <= ?)
             AND NOT EXISTS (SELECT 1 FROM handoff_delivery p WHERE p.target = d.target AND p.ticket = d.ticket
                              AND p.event < d.event AND p.delivered_at IS NULL AND p.failed_at IS NULL)
           ORDER BY d.next_attempt_at, d.event LIMIT ?${engine.dialect.skipLocked}`,
          [now, now, max],
        );
        const claimed: HandoffDelivery[] = [];
        for (const { key } of due) {
          await tx.run('UPDATE handoff_delivery SET lease_owner = ?, lease_until = ? WHERE key = ?', [lease.owner, until, key]);
          claimed.push(toDelivery((await tx.get<DeliveryRow & Parameters<typeof toEvent>[0]>(select('d.key = ?'), [key]))!));
        }
        return claimed;
      });
    },

    /** Keeps the body and how far a multi-step delivery got, while the lease is held. */
    async progress(key: string, owner: string, body: Buffer | null, progress: string | null): Promise<void> {
      await engine.write((tx) =>
        tx.run(`UPDATE handoff_delivery SET body = COALESCE(?, body), progress = COALESCE(?, progress) WHERE ${owned}`, [body, progress, key, owner]),
      );
    },

    async delivered(key: string, owner: string, at: Date): Promise<boolean> {
      const changed = await engine.write((tx) =>
        tx.run(`UPDATE handoff_delivery SET delivered_at = ?, attempts = attempts + 1, last_error = NULL, lease_owner = NULL, lease_until = NULL WHERE ${owned}`, [
          at.toISOString(),
          key,
          owner,
        ]),
      );
      return changed > 0;
    },

    async deferred(key: string, owner: string, next: Date, error: string): Promise<void> {
      await engine.write((tx) =>
        tx.run(`UPDATE handoff_delivery SET next_attempt_at = ?, last_error = ?, attempts = attempts + 1, lease_owner = NULL, lease_until = NULL WHERE ${owned}`, [
          next.toISOString(),
          error.slice(0, 500),
          key,
          owner,
        ]),
      );
    },

    async failed(key: string, owner: string, at: Date, error: string): Promise<void> {
      await engine.write((tx) =>
        tx.run(`UPDATE handoff_delivery SET failed_at = ?, last_error = ?, attempts = attempts + 1, lease_owner = NULL, lease_until = NULL WHERE ${owned}`, [
          at.toISOString(),
          error.slice(0, 500),
          key,
          owner,
        ]),
      );
    },

    async nextDue(): Promise<string | null> {
      return engine.read(async (tx) => (await tx.get<{ t: string | null }>(`SELECT MIN(d.next_attempt_at) AS t FROM handoff_delivery d WHERE ${PENDING}`))?.t ?? null);
    },

    async list(ticket?: string): Promise<HandoffDelivery[]> {
      return engine.read(async (tx) =>
        (await tx.all<DeliveryRow & Parameters<typeof toEvent>[0]>(`${select(ticket ? 'd.ticket = ?' : '1 = 1')} ORDER BY d.event, d.target`, ticket ? [ticket] : [])).map(toDelivery),
      );
    },

    async counts(): Promise<{ pending: number; failed: number; delivered: number }> {
      return engine.read(async (tx) => {
        const n = async (where: string) => Number((await tx.get<{ n: number }>(`SELECT CAST(COUNT(*) AS INTEGER) AS n FROM handoff_delivery d WHERE ${where}`))?.n ?? 0);
        return { pending: await n(PENDING), failed: await n('d.failed_at IS NOT NULL'), delivered: await n('d.delivered_at IS NOT NULL') };
      });
    },
  };
}

export type HandoffQueue = ReturnType<typeof handoffQueue>;

/**
 * Everything the hand-off sender and its targets ask of the store, as one object of
 * methods over plain data (IntakeStore.handoff), so that it can live where the store
 * does — in `intake serve`, the store's own thread (store-thread.ts).
 */
export function handoffStore(engine: SqlEngine) {
  return {
    ...handoffQueue(engine),
    registerTargets: (targets: readonly Pick<HandoffTarget, 'id'>[]) => registerTargets(engine, targets),
    fanOut: (targets: readonly HandoffTarget[], now: Date) => fanOut(engine, targets, now),
    rtTicketOf: (ticket: string) => rtTicketOf(engine, ticket),
    linkRtTicket: (ticket: string, rtTicket: number, at: Date) => linkRtTicket(engine, ticket, rtTicket, at),
  };
}

export type HandoffStore = ReturnType<typeof handoffStore>;

function toDelivery(row: DeliveryRow & Parameters<typeof toEvent>[0]): HandoffDelivery {
  return {
    key: row.key,
    target: row.target,
    event: toEvent(row),
    attempts: Number(row.attempts),
    queuedAt: row.queued_at,
    body: bufferOrNull(row.body),
    progress: row.progress,
    lastError: row.last_error,
    deliveredAt: row.delivered_at,
    failedAt: row.failed_at,
  };
}

/** Our ticket's Request Tracker ticket number, once the hand-off created it. */
export async function rtTicketOf(engine: SqlEngine, ticket: string): Promise<number | null> {
  return engine.read(async (tx) => {
    const row = await tx.get<{ rt_ticket: number }>('SELECT rt_ticket FROM rt_link WHERE ticket = ?', [ticket]);
    return row ? Number(row.rt_ticket) : null;
  });
}

export async function linkRtTicket(engine: SqlEngine, ticket: string, rtTicket: number, at: Date): Promise<void> {
  await engine.write((tx) =>
    tx.run('INSERT INTO rt_link (ticket, rt_ticket, linked_at) VALUES (?, ?, ?) ON CONFLICT (ticket) DO NOTHING', [ticket, rtTicket, at.toISOString()]),
  );
}
