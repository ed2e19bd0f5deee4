import { sha256Hex } from '../model/digest.js';
import type { MessageRecord, TicketRecord } from '../model/message-record.js';
import { asBuffer, type SqlEngine } from './sql.js';

/**
 * `intake check`: is the store consistent, and is every piece of evidence still what was
 * received? Every raw message and attachment is read back and re-hashed (one at a time:
 * memory stays bounded by the largest message), every committed message is checked
 * against its raw bytes and its ticket, and SQLite's own integrity and foreign-key
 * checks run. Returns the problems found, in words; none means consistent.
 */
export interface CheckReport {
  rawMessages: number;
  messages: number;
  attachments: number;
  tickets: number;
  /** Placed but never committed (an interrupted attempt whose receipt will finish it). */
  unfinished: number;
  problems: string[];
}

export async function checkStore(engine: SqlEngine): Promise<CheckReport> {
  const report: CheckReport = { rawMessages: 0, messages: 0, attachments: 0, tickets: 0, unfinished: 0, problems: [] };
  if (engine.dialect.name === 'sqlite') {
    const integrity = await engine.read((tx) => tx.all<{ integrity_check: string }>('PRAGMA integrity_check'));
    for (const row of integrity) if (row.integrity_check !== 'ok') report.problems.push(`sqlite integrity: ${row.integrity_check}`);
    const fk = await engine.read((tx) => tx.all('PRAGMA foreign_key_check'));
    if (fk.length > 0) report.problems.push(`sqlite foreign keys: ${fk.length} dangling references`);
  }
  await rehash(engine, 'raw_message', report, (n) => (report.rawMessages = n));
  await rehash(engine, 'attachment', report, (n) => (report.attachments = n));
  await checkMessages(engine, report);
  return report;
}

async function rehash(engine: SqlEngine, table: 'raw_message' | 'attachment', report: CheckReport, count: (n: number) => void): Promise<void> {
  const keys = await engine.read((tx) => tx.all<{ sha256: string }>(`SELECT sha256 FROM ${table} ORDER BY sha256`));
  for (const { sha256 } of keys) {
    const row = await engine.read((tx) => tx.get<{ bytes: unknown; size: number }>(`SELECT bytes, size FROM ${table} WHERE sha256 = ?`, [sha256]));
    const bytes = asBuffer(row!.bytes);
    if (sha256Hex(bytes) !== sha256) report.problems.push(`${table} ${sha256}: content does not hash to its sha256`);
    else if (bytes.length !== Number(row!.size)) report.problems.push(`${table} ${sha256}: size ${bytes.length}, recorded ${row!.size}`);
  }
  count(keys.length);
}

async function checkMessages(engine: SqlEngine, report: CheckReport): Promise<void> {
  const tickets = await engine.read((tx) => tx.all<{ id: string; record: string | null }>('SELECT id, record FROM ticket ORDER BY id'));
  const byId = new Map(tickets.filter((t) => t.record).map((t) => [t.id, JSON.parse(t.record!) as TicketRecord]));
  report.tickets = byId.size;
  const rows = await engine.read((tx) =>
    tx.all<{ sha256: string; ticket: string; seq: number; state: string; record: string | null }>('SELECT sha256, ticket, seq, state, record FROM message ORDER BY ticket, seq'),
  );
  for (const row of rows) {
    const at = `${row.ticket}/${row.seq}`;
    if (row.state !== 'committed') {
      report.unfinished++;
      continue;
    }
    report.messages++;
    if (!row.record) {
      report.problems.push(`${at}: committed without a record`);
      continue;
    }
    const record = JSON.parse(row.record) as MessageRecord;
    if (record.sha256 !== row.sha256 || record.ticket !== row.ticket || record.seq !== Number(row.seq)) report.problems.push(`${at}: record names ${record.ticket}/${record.seq} ${record.sha256.slice(0, 16)}…`);
    const ticket = byId.get(row.ticket);
    if (!ticket) report.problems.push(`${at}: its ticket has no record`);
    else if (!ticket.messages.some((m) => m.seq === Number(row.seq))) report.problems.push(`${at}: missing from ticket.json's messages`);
  }
  const orphans = await engine.read((tx) => tx.all<{ ticket: string }>(`SELECT DISTINCT o.ticket FROM outbox o LEFT JOIN message m ON m.sha256 = o.message WHERE m.sha256 IS NULL`));
  for (const o of orphans) report.problems.push(`outbox entries of ${o.ticket} answer no stored message`);
}
