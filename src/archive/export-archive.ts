import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sha256Hex } from '../model/digest.js';
import type { TicketRecord } from '../model/message-record.js';
import type { IntakeStore } from '../store/store.js';
import { ArchiveLayout, messageFileMode } from './layout.js';

/**
 * `intake export DIR`: the store as files, in the layout of DESIGN §4, for evidence
 * hand-over, audits and scripts, with `manifest.json` naming the SHA-256 of every file.
 * It only reads the store. The output is a function of the store's content alone (no
 * time stamps, sorted everywhere), so export → import → export gives the same bytes.
 */
export interface ExportOptions {
  tickets?: string[];
  /** Only tickets with a message received on or after this time. */
  since?: Date;
}

export interface Manifest {
  format: 'csirt-intake-export/1';
  tickets: number;
  messages: number;
  files: Record<string, { sha256: string; size: number }>;
}

export class ExportError extends Error {}

export async function exportArchive(store: IntakeStore, dir: string, options: ExportOptions = {}): Promise<Manifest> {
  const existing = await readdir(dir).catch(() => null);
  if (existing && existing.length > 0) throw new ExportError(`${dir} is not empty: an export never overwrites files`);
  await mkdir(dir, { recursive: true, mode: 0o750 });
  const layout = new ArchiveLayout(dir);
  const files: Manifest['files'] = {};
  const write = async (file: string, data: Buffer | string, mode: number): Promise<void> => {
    await mkdir(path.dirname(file), { recursive: true, mode: 0o750 });
    await writeFile(file, data, { mode, flag: 'wx' });
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    files[path.relative(dir, file).split(path.sep).join('/')] = { sha256: sha256Hex(bytes), size: bytes.length };
  };
  let tickets = 0;
  let messages = 0;
  for (const ticket of await selectedTickets(store, options)) {
    const records = await store.tickets.messages(ticket.id);
    if (options.since && !records.some((m) => Date.parse(m.receivedAt) >= options.since!.getTime())) continue;
    tickets++;
    await write(layout.ticketFile(ticket.id), json(ticket), 0o640);
    for (const record of records) {
      messages++;
      const mode = messageFileMode(record.encryption.status);
      const stored = await store.tickets.message(ticket.id, record.seq);
      const raw = await store.tickets.raw(record.sha256);
      if (!raw || !stored) throw new ExportError(`${ticket.id}/${record.seq}: raw bytes missing from the store`);
      const messageDir = layout.messageDir(ticket.id, record.seq);
      await write(path.join(messageDir, 'raw.eml'), raw, 0o640);
      await write(path.join(messageDir, 'message.json'), json(record), mode);
      if (stored.decrypted) await write(path.join(messageDir, 'decrypted.eml'), stored.decrypted, 0o600);
      for (const sha of [...new Set(record.attachments.map((a) => a.sha256))].sort()) {
        const content = await store.tickets.attachment(sha);
        if (content) await write(layout.attachmentFile(ticket.id, record.seq, sha), content, mode);
      }
    }
    for (const sent of await store.outbox.sent(ticket.id)) {
      if (!sent.raw || sent.kind === 'reply') continue;
      await write(layout.ackFile(ticket.id, sent.seq, sent.kind), sent.raw, 0o640);
    }
    for (const reply of await store.tickets.replies(ticket.id)) {
      // The operator's text may quote the decrypted report: owner-only, like decrypted.eml.
      await write(layout.replyRecordFile(ticket.id, reply.n), json(reply), 0o600);
      const mail = await store.outbox.get(reply.key);
      if (mail?.raw) await write(layout.replyFile(ticket.id, reply.n), mail.raw, 0o640);
    }
  }
  const manifest: Manifest = { format: 'csirt-intake-export/1', tickets, messages, files: sortedKeys(files) };
  await writeFile(layout.manifestFile, json(manifest), { mode: 0o640, flag: 'wx' });
  return manifest;
}

async function selectedTickets(store: IntakeStore, options: ExportOptions): Promise<TicketRecord[]> {
  if (!options.tickets || options.tickets.length === 0) return store.tickets.list();
  const found: TicketRecord[] = [];
  for (const id of [...new Set(options.tickets)].sort()) {
    const ticket = await store.tickets.get(id);
    if (!ticket) throw new ExportError(`no ticket ${id}`);
    found.push(ticket);
  }
  return found;
}

export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function sortedKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
