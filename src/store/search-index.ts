import type { MessageRecord } from '../model/message-record.js';
import type { TermQuery } from '../search/classify-term.js';
import { searchEntries } from '../search/search-entries.js';
import { fts5Phrase, indexTokens, queryTokens } from '../search/search-text.js';
import type { SqlEngine, SqlTx, SqlValue } from './sql.js';

/**
 * The search index (workbench-schema.ts): written in the transaction that commits (or
 * reprocesses) a message, read by `intake search`. Every term is a bound parameter; the
 * full-text side gets quoted phrases of pre-cut tokens (search-text.ts).
 */
export interface IndexInput {
  sha256: string;
  ticket: string;
  seq: number;
  record: MessageRecord;
  /** The report text as read (decrypted or plain), or null when there is none. */
  text: string | null;
}

/** `fresh`: the message has never been indexed (its first commit), so there is nothing to remove first. */
export async function indexMessage(tx: SqlTx, engine: SqlEngine, input: IndexInput, { fresh = false }: { fresh?: boolean } = {}): Promise<void> {
  if (!fresh) await removeFromIndex(tx, engine, input.sha256);
  for (const e of searchEntries(input.record)) {
    await tx.run('INSERT INTO search_term (message, ticket, seq, kind, value, lo, hi) VALUES (?, ?, ?, ?, ?, ?, ?)', [
      input.sha256,
      input.ticket,
      input.seq,
      e.kind,
      e.value,
      e.lo,
      e.hi,
    ]);
  }
  const subject = indexTokens([input.record.headers?.subjectDecoded, input.record.headers?.innerSubject].filter(Boolean).join(' '));
  const body = indexTokens(input.text ?? '');
  if (engine.dialect.name === 'postgresql') {
    await tx.run(
      `INSERT INTO search_doc (message, ticket, seq, document)
       VALUES (?, ?, ?, setweight(to_tsvector('simple', ?), 'A') || to_tsvector('simple', ?))`,
      [input.sha256, input.ticket, input.seq, subject, body],
    );
    return;
  }
  const doc = await tx.get<{ id: number }>('INSERT INTO search_doc (message, ticket, seq) VALUES (?, ?, ?) RETURNING id', [
    input.sha256,
    input.ticket,
    input.seq,
  ]);
  await tx.run('INSERT INTO search_text (rowid, subject, body) VALUES (?, ?, ?)', [Number(doc!.id), subject, body]);
}

export async function removeFromIndex(tx: SqlTx, engine: SqlEngine, sha256: string): Promise<void> {
  await tx.run('DELETE FROM search_term WHERE message = ?', [sha256]);
  if (engine.dialect.name === 'sqlite') {
    const doc = await tx.get<{ id: number }>('SELECT id FROM search_doc WHERE message = ?', [sha256]);
    if (doc) await tx.run('DELETE FROM search_text WHERE rowid = ?', [Number(doc.id)]);
  }
  await tx.run('DELETE FROM search_doc WHERE message = ?', [sha256]);
}

export interface TermMatch {
  term: string;
  seq: number | null;
  /** What matched: the indicator kind and value, `ticket`, or `text`. */
  kind: string;
  value: string;
}

export interface SearchHit {
  ticket: string;
  /** receivedAt of the newest matching message (the ticket's creation for a ticket-id term). */
  newest: string;
  matches: TermMatch[];
}

/** Rows looked at per term; a term matching more than this many messages is cut (and said so). */
export const MAX_ROWS_PER_TERM = 10_000;

/**
 * Tickets matching every term (AND), newest first. Word terms together form one
 * full-text query (each term a phrase). Returns at most `limit` tickets and whether any
 * term hit the per-term row cap.
 */
export async function searchTickets(engine: SqlEngine, queries: readonly TermQuery[], limit: number): Promise<{ hits: SearchHit[]; truncated: boolean }> {
  return engine.read(async (tx) => {
    let truncated = false;
    const perTerm: Array<Map<string, TermMatch[]>> = [];
    const words = queries.filter((q) => q.kind === 'words');
    for (const q of queries) {
      if (q.kind === 'words') continue;
      const rows = await matchTerm(tx, q);
      if (rows.length >= MAX_ROWS_PER_TERM) truncated = true;
      perTerm.push(groupByTicket(rows));
    }
    if (words.length > 0) {
      const rows = await matchWords(tx, engine, words.map((w) => w.text));
      if (rows.length >= MAX_ROWS_PER_TERM) truncated = true;
      perTerm.push(groupByTicket(rows.map((r) => ({ ...r, term: words.map((w) => w.term).join(' ') }))));
    }
    if (perTerm.length === 0) return { hits: [], truncated };
    const [first, ...rest] = perTerm;
    const tickets = [...first!.keys()].filter((t) => rest.every((m) => m.has(t)));
    const hits: SearchHit[] = [];
    for (const ticket of tickets) {
      const matches = perTerm.flatMap((m) => m.get(ticket) ?? []);
      hits.push({ ticket, matches, newest: await newestOf(tx, ticket, matches) });
    }
    hits.sort((a, b) => (a.newest === b.newest ? b.ticket.localeCompare(a.ticket) : a.newest < b.newest ? 1 : -1));
    return { hits: hits.slice(0, limit), truncated };
  });
}

interface MatchRow extends TermMatch {
  ticket: string;
}

async function matchTerm(tx: SqlTx, q: Exclude<TermQuery, { kind: 'words' }>): Promise<MatchRow[]> {
  if (q.kind === 'ticket') {
    const row = await tx.get<{ id: string }>('SELECT id FROM ticket WHERE id = ? AND record IS NOT NULL', [q.id]);
    return row ? [{ ticket: row.id, term: q.term, seq: null, kind: 'ticket', value: row.id }] : [];
  }
  const kinds = q.kinds.map(() => '?').join(', ');
  const select = `SELECT ticket, seq, kind, value FROM search_term WHERE kind IN (${kinds})`;
  const rows: Array<{ ticket: string; seq: number; kind: string; value: string }> = [];
  const params = (...extra: SqlValue[]): SqlValue[] => [...q.kinds, ...extra, MAX_ROWS_PER_TERM];
  if (q.kind === 'range') {
    rows.push(...(await tx.all<(typeof rows)[number]>(`${select} AND lo >= ? AND lo < ? LIMIT ?`, params(q.lo, q.hi))));
  } else {
    // Whatever starts inside [lo, hi], and the networks that start before it and reach into it.
    rows.push(...(await tx.all<(typeof rows)[number]>(`${select} AND lo >= ? AND lo <= ? LIMIT ?`, params(q.lo, q.hi))));
    if (q.kinds.includes('net')) {
      rows.push(...(await tx.all<(typeof rows)[number]>(`SELECT ticket, seq, kind, value FROM search_term WHERE kind = 'net' AND lo < ? AND hi >= ? LIMIT ?`, [q.lo, q.lo, MAX_ROWS_PER_TERM])));
    }
  }
  return rows.map((r) => ({ ticket: r.ticket, seq: Number(r.seq), kind: r.kind, value: r.value, term: q.term }));
}

async function matchWords(tx: SqlTx, engine: SqlEngine, terms: string[]): Promise<MatchRow[]> {
  const phrases = terms.map(queryTokens);
  // A term without a single letter or digit can match no word: nothing matches all terms.
  if (phrases.some((p) => p.length === 0)) return [];
  const rows =
    engine.dialect.name === 'postgresql'
      ? await tx.all<{ ticket: string; seq: number }>(
          `SELECT ticket, seq FROM search_doc WHERE ${phrases.map(() => `document @@ phraseto_tsquery('simple', ?)`).join(' AND ')} LIMIT ?`,
          [...phrases.map((p) => p.join(' ')), MAX_ROWS_PER_TERM],
        )
      : await tx.all<{ ticket: string; seq: number }>(
          'SELECT d.ticket, d.seq FROM search_text JOIN search_doc d ON d.id = search_text.rowid WHERE search_text MATCH ? LIMIT ?',
          [phrases.map(fts5Phrase).join(' AND '), MAX_ROWS_PER_TERM],
        );
  return rows.map((r) => ({ ticket: r.ticket, seq: Number(r.seq), kind: 'text', value: phrases.map((p) => p.join(' ')).join(' + '), term: '' }));
}

function groupByTicket(rows: MatchRow[]): Map<string, TermMatch[]> {
  const map = new Map<string, TermMatch[]>();
  for (const { ticket, ...match } of rows) {
    const list = map.get(ticket) ?? [];
    if (!list.some((m) => m.seq === match.seq && m.kind === match.kind && m.value === match.value)) list.push(match);
    map.set(ticket, list);
  }
  return map;
}

async function newestOf(tx: SqlTx, ticket: string, matches: TermMatch[]): Promise<string> {
  const seqs = [...new Set(matches.map((m) => m.seq).filter((s): s is number => s !== null))];
  if (seqs.length === 0) return (await tx.get<{ created_at: string }>('SELECT created_at FROM ticket WHERE id = ?', [ticket]))?.created_at ?? '';
  const row = await tx.get<{ t: string }>(
    `SELECT MAX(received_at) AS t FROM message WHERE ticket = ? AND seq IN (${seqs.map(() => '?').join(', ')})`,
    [ticket, ...seqs],
  );
  return row?.t ?? '';
}
