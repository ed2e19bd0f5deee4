import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import * as openpgp from 'openpgp';
import { sha256Hex } from '../model/digest.js';
import { formatSeq } from '../model/ticket-id.js';
import type { MessageRecord, TicketRecord } from '../model/message-record.js';
import type { OutgoingKind } from '../model/outgoing-mail.js';
import type { TransportInfo } from '../model/transport.js';
import { readReportText } from '../report/stored-report.js';
import { importTicket, type ImportedMessage, type ImportedReply } from '../store/import-rows.js';
import type { StoredReply } from '../store/replies.js';
import type { SqlStore } from '../store/sql-store.js';
import { ArchiveLayout } from './layout.js';
import type { Manifest } from './export-archive.js';

/**
 * `intake import DIR`: an export (with manifest.json, every digest checked first) or the
 * archive directory of an older csirt-intake release (tickets/, plus its spool/ of
 * received-but-unprocessed mail and its outbox/ of acks not yet sent) into the store.
 * Idempotent: what the store already holds is skipped, never replaced. A message whose
 * raw bytes do not hash to its recorded sha256 is refused, and named.
 */
export interface ImportResult {
  tickets: number;
  messages: number;
  duplicates: number;
  received: number;
  /** Keys seen in mail that an older release kept in `pgp.pendingDir`, now pending in the store. */
  pendingKeys: number;
  refused: string[];
}

const TICKET_DIR = /^[A-Z][A-Z0-9]{1,15}-\d{4}-\d{5,9}$/;

export async function importArchive(store: SqlStore, dir: string, now = new Date(), pendingDir: string | null = null): Promise<ImportResult> {
  const layout = new ArchiveLayout(dir);
  await verifyManifest(dir);
  const result: ImportResult = { tickets: 0, messages: 0, duplicates: 0, received: 0, pendingKeys: 0, refused: [] };
  const pending = await oldOutbox(dir);
  for (const id of (await list(layout.ticketsDir)).filter((n) => TICKET_DIR.test(n))) {
    const ticket = await readJson<TicketRecord>(layout.ticketFile(id));
    if (!ticket) continue;
    const messages: ImportedMessage[] = [];
    for (const seqDir of (await list(layout.messagesDir(id))).filter((n) => /^\d{3,9}$/.test(n)).sort()) {
      const loaded = await readMessage(layout, id, Number(seqDir), pending);
      if (typeof loaded === 'string') result.refused.push(loaded);
      else if (loaded) messages.push(loaded);
    }
    const counts = await importTicket(store.sql, ticket, messages, await readReplies(layout, id));
    result.tickets++;
    result.messages += counts.messages;
    result.duplicates += counts.duplicates;
  }
  result.received = await importSpool(store, dir, now);
  if (pendingDir) result.pendingKeys = await importPendingKeys(store, pendingDir, result.refused);
  return result;
}

async function readMessage(layout: ArchiveLayout, ticket: string, seq: number, pending: Map<string, ImportedMessage['queued'][number]>): Promise<ImportedMessage | string | null> {
  const dir = layout.messageDir(ticket, seq);
  // A message directory without message.json never committed (an interrupted older run):
  // its raw bytes are still in that archive's spool, imported below as received mail.
  const record = await readJson<MessageRecord>(path.join(dir, 'message.json'));
  if (!record) return null;
  const raw = await readFile(path.join(dir, 'raw.eml'));
  if (sha256Hex(raw) !== record.sha256) return `${ticket}/${seq}: raw.eml does not match its sha256`;
  const attachments: ImportedMessage['attachments'] = [];
  for (const name of (await list(path.join(dir, 'attachments'))).filter((n) => /^[0-9a-f]{64}$/.test(n))) {
    const content = await readFile(path.join(dir, 'attachments', name));
    if (sha256Hex(content) !== name) return `${ticket}/${seq}: attachment ${name.slice(0, 16)}… does not match its name`;
    attachments.push({ sha256: name, content });
  }
  const sent: ImportedMessage['sent'] = [];
  const queued: ImportedMessage['queued'] = [];
  for (const kind of ['ack', 'on-duty'] as const satisfies readonly OutgoingKind[]) {
    const file = await readFile(layout.ackFile(ticket, seq, kind)).catch(() => null);
    if (file) sent.push({ kind, raw: file });
    const waiting = pending.get(`${ticket}.${String(seq).padStart(3, '0')}.${kind}`);
    if (!file && waiting) queued.push(waiting);
  }
  const decrypted = await readFile(path.join(dir, 'decrypted.eml')).catch(() => null);
  // Searchable like a message committed here: the report's text as `tickets show --body` reads it.
  const text = (await readReportText(record, raw, decrypted, 2 * 1024 * 1024)).text;
  return { record, raw, decrypted, attachments, sent, queued, text };
}

/** An export's replies/<NNN>.json (+ .eml, the mail as composed); a record that is not one is skipped. */
async function readReplies(layout: ArchiveLayout, ticket: string): Promise<ImportedReply[]> {
  const replies: ImportedReply[] = [];
  for (const name of (await list(layout.repliesDir(ticket))).filter((n) => /^\d{3,9}\.json$/.test(n)).sort()) {
    const n = Number(name.slice(0, -'.json'.length));
    const reply = await readJson<StoredReply>(layout.replyRecordFile(ticket, n));
    // The key names the pickup file when outbound.mode is outbox: only the shape queueReply gives it.
    if (!reply || reply.ticket !== ticket || reply.n !== n || reply.key !== `${ticket}.${formatSeq(n)}.reply` || typeof reply.body !== 'string') continue;
    replies.push({ reply, raw: await readFile(layout.replyFile(ticket, n)).catch(() => null) });
  }
  return replies;
}

async function verifyManifest(dir: string): Promise<void> {
  const manifest = await readJson<Manifest>(path.join(dir, 'manifest.json'));
  if (!manifest) return;
  for (const [file, { sha256 }] of Object.entries(manifest.files)) {
    if (file.split('/').some((part) => part === '..' || part === '')) throw new Error(`manifest.json names an unsafe path: ${file.slice(0, 80)}`);
    const bytes = await readFile(path.join(dir, ...file.split('/'))).catch(() => null);
    if (!bytes || sha256Hex(bytes) !== sha256) throw new Error(`${file}: missing or changed since the export (manifest.json digest)`);
  }
}

/** An older archive's outbox/<key>.json + .eml that was not yet delivered. */
async function oldOutbox(dir: string): Promise<Map<string, ImportedMessage['queued'][number]>> {
  const entries = new Map<string, ImportedMessage['queued'][number]>();
  const outbox = path.join(dir, 'outbox');
  for (const name of (await list(outbox)).filter((n) => n.endsWith('.json'))) {
    const entry = await readJson<{ key: string; kind: OutgoingKind; recipient: string; messageId: string; encrypted: boolean; queuedAt: string; attempts: number; nextAttemptAt: string; deliveredAt: string | null }>(path.join(outbox, name));
    const raw = entry ? await readFile(path.join(outbox, `${entry.key}.eml`)).catch(() => null) : null;
    if (entry && raw && !entry.deliveredAt) entries.set(entry.key, { ...entry, raw });
  }
  return entries;
}

/** An older archive's spool/<id>.msg: a JSON line (how it arrived), then the raw bytes. */
async function importSpool(store: SqlStore, dir: string, now: Date): Promise<number> {
  let count = 0;
  const spool = path.join(dir, 'spool');
  for (const name of (await list(spool)).filter((n) => n.endsWith('.msg') && !n.startsWith('.'))) {
    const bytes = await readFile(path.join(spool, name));
    const newline = bytes.indexOf(0x0a);
    const header = bytes.subarray(0, Math.max(0, newline)).toString('utf8');
    if (newline === -1 || !header.startsWith('csirt-intake-spool/1 ')) continue;
    const meta = JSON.parse(header.slice('csirt-intake-spool/1 '.length)) as { receivedAt: string; transport: TransportInfo };
    const raw = bytes.subarray(newline + 1);
    const sha256 = sha256Hex(raw);
    // Already received (an earlier import) or already a committed message: nothing to add.
    const known = await store.sql.read((tx) => tx.get(`SELECT 1 AS x FROM receipt WHERE sha256 = ? UNION SELECT 1 AS x FROM message WHERE sha256 = ? AND state = 'committed'`, [sha256, sha256]));
    if (known) continue;
    // Due at once: the next `intake serve` processes it like any interrupted delivery.
    await store.receive(raw, meta.transport, new Date(meta.receivedAt), { owner: 'import', now, ms: -1 });
    count++;
  }
  return count;
}

/**
 * An older release's `pgp.pendingDir`: `<FINGERPRINT>.asc` (the key, updates merged in)
 * and `<FINGERPRINT>.json` (where it was seen). The fingerprint is the key's own, never
 * the file name's; an accepted key (`.<FPR>.accepted.json`) is in the keyring already.
 */
async function importPendingKeys(store: SqlStore, dir: string, refused: string[]): Promise<number> {
  let count = 0;
  for (const name of (await list(dir)).filter((n) => /^[0-9A-F]{40}(?:[0-9A-F]{24})?\.asc$/.test(n))) {
    const armored = await readFile(path.join(dir, name), 'utf8');
    const key = await openpgp.readKey({ armoredKey: armored }).catch(() => null);
    const fingerprint = key?.getFingerprint().toUpperCase() ?? '';
    if (!key || key.isPrivate() || `${fingerprint}.asc` !== name) {
      refused.push(`pending key ${name.slice(0, 16)}…: not the public key its name says`);
      continue;
    }
    const meta = await readJson<{ firstSeen?: string; sightings?: OldSighting[] }>(path.join(dir, `${fingerprint}.json`)).catch(() => null);
    const sightings = (meta?.sightings ?? []).filter(isOldSighting).slice(-50);
    const firstSeen = meta?.firstSeen || sightings[0]?.seenAt || new Date(0).toISOString();
    await store.sql.write(async (tx) => {
      await tx.run('INSERT INTO pending_key (fingerprint, digest, armored, first_seen) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING', [fingerprint, sha256Hex(armored), armored, firstSeen]);
      for (const s of sightings) {
        await tx.run('INSERT INTO pending_key_sighting (fingerprint, ticket, seq, source, from_address, seen_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING', [fingerprint, s.ticket, s.seq, s.source, s.from, s.seenAt]);
      }
    });
    count++;
  }
  return count;
}

interface OldSighting {
  source: 'attachment' | 'autocrypt';
  ticket: string;
  seq: number;
  from: string | null;
  seenAt: string;
}

function isOldSighting(value: unknown): value is OldSighting {
  const s = value as Partial<OldSighting> | null;
  return (
    !!s && (s.source === 'attachment' || s.source === 'autocrypt') && typeof s.ticket === 'string' && TICKET_DIR.test(s.ticket) &&
    Number.isInteger(s.seq) && (s.from === null || typeof s.from === 'string') && typeof s.seenAt === 'string'
  );
}

async function list(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).filter((n) => !n.startsWith('.')).sort();
}

async function readJson<T>(file: string): Promise<T | null> {
  const text = await readFile(file, 'utf8').catch(() => null);
  return text === null ? null : (JSON.parse(text) as T);
}
