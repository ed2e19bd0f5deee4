import { normalizeMessageId } from '../model/message-id.js';
import type { MessageRecord, TicketRecord } from '../model/message-record.js';
import { repliesOf } from './replies.js';
import { bufferOrNull, type SqlEngine } from './sql.js';
import type { CiphertextEntry, StoreLookups, TicketReads } from './store.js';

/** The questions threading and replay detection ask; committed data only. */
export function storeLookups(engine: SqlEngine): StoreLookups {
  return {
    ticketExists: (ticket) => engine.read(async (tx) => (await tx.get('SELECT 1 AS x FROM ticket WHERE id = ? AND record IS NOT NULL', [ticket])) !== undefined),
    ticketByMessageId: async (messageId) => {
      const key = normalizeMessageId(messageId);
      if (!key) return null;
      return engine.read(async (tx) => (await tx.get<{ ticket: string }>('SELECT ticket FROM message_id WHERE message_id = ?', [key]))?.ticket ?? null);
    },
    correspondents: async (ticket) => (await ticketRecord(engine, ticket))?.correspondents ?? [],
    reporter: async (ticket) => (await ticketRecord(engine, ticket))?.reporter ?? null,
    firstCiphertext: (digest) =>
      engine.read(async (tx) => {
        const row = await tx.get<{ ticket: string; seq: number; sha256: string }>('SELECT ticket, seq, sha256 FROM ciphertext WHERE digest = ?', [digest]);
        return row ? ({ ticket: row.ticket, seq: Number(row.seq), sha256: row.sha256 } satisfies CiphertextEntry) : null;
      }),
  };
}

export function ticketReads(engine: SqlEngine): TicketReads {
  return {
    list: () => engine.read(async (tx) => (await tx.all<{ record: string }>('SELECT record FROM ticket WHERE record IS NOT NULL ORDER BY id')).map((r) => JSON.parse(r.record) as TicketRecord)),
    get: (id) => ticketRecord(engine, id),
    messages: (ticket) =>
      engine.read(async (tx) =>
        (await tx.all<{ record: string }>(`SELECT record FROM message WHERE ticket = ? AND state = 'committed' ORDER BY seq`, [ticket])).map(
          (r) => JSON.parse(r.record) as MessageRecord,
        ),
      ),
    message: (ticket, seq) =>
      engine.read(async (tx) => {
        const row = await tx.get<{ record: string; decrypted: unknown }>(`SELECT record, decrypted FROM message WHERE ticket = ? AND seq = ? AND state = 'committed'`, [ticket, seq]);
        return row ? { record: JSON.parse(row.record) as MessageRecord, decrypted: bufferOrNull(row.decrypted) } : null;
      }),
    raw: (sha256) => engine.read(async (tx) => bufferOrNull((await tx.get<{ bytes: unknown }>('SELECT bytes FROM raw_message WHERE sha256 = ?', [sha256]))?.bytes)),
    attachment: (sha256) => engine.read(async (tx) => bufferOrNull((await tx.get<{ bytes: unknown }>('SELECT bytes FROM attachment WHERE sha256 = ?', [sha256]))?.bytes)),
    allMessages: () =>
      engine.read(async (tx) => (await tx.all<{ record: string }>(`SELECT record FROM message WHERE state = 'committed' ORDER BY ticket, seq`)).map((r) => JSON.parse(r.record) as MessageRecord)),
    replies: (ticket) => repliesOf(engine, ticket),
  };
}

async function ticketRecord(engine: SqlEngine, id: string): Promise<TicketRecord | null> {
  return engine.read(async (tx) => {
    const row = await tx.get<{ record: string }>('SELECT record FROM ticket WHERE id = ? AND record IS NOT NULL', [id]);
    return row ? (JSON.parse(row.record) as TicketRecord) : null;
  });
}
