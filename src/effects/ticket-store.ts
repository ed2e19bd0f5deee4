import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { MessageRecord, TicketRecord } from '../model/message-record.js';
import { formatTicketId, parseTicketId } from '../model/ticket-id.js';
import type { ArchiveLayout } from './archive-layout.js';
import { listDirOrEmpty, readJsonOrNull } from './read-files.js';
import { fsyncDir, writeJsonAtomic } from './atomic-file.js';
import { withLock } from './locks.js';

/**
 * Tickets on disk. Numbers are allocated by an atomic `mkdir` of the ticket directory,
 * which is what makes them unique across restarts and across concurrent processes; the
 * counter file under state/ is only a hint where to start looking.
 */
export class TicketStore {
  private readonly layout: ArchiveLayout;
  private readonly prefix: string;

  constructor(layout: ArchiveLayout, prefix: string) {
    this.layout = layout;
    this.prefix = prefix;
  }

  async allocateTicket(year: number): Promise<string> {
    await mkdir(this.layout.ticketsDir, { recursive: true });
    let number = (await this.counterHint(year)) + 1;
    for (;;) {
      const id = formatTicketId(this.prefix, { year, number });
      if (await makeDirExclusive(this.layout.ticketDir(id))) {
        await fsyncDir(this.layout.ticketsDir);
        // Only a hint where to start looking next time: the mkdir above is the allocation,
        // so the hint needs no fsync and may safely lag behind after a crash.
        await writeFile(this.counterFile(year), `${number}\n`);
        return id;
      }
      number++;
    }
  }

  async allocateSeq(ticket: string): Promise<number> {
    const dir = this.layout.messagesDir(ticket);
    await mkdir(dir, { recursive: true });
    let seq = (await listDirOrEmpty(dir)).filter((n) => /^\d+$/.test(n)).length + 1;
    while (!(await makeDirExclusive(this.layout.messageDir(ticket, seq)))) seq++;
    await fsyncDir(dir);
    return seq;
  }

  async exists(ticket: string): Promise<boolean> {
    return (await this.read(ticket)) !== null;
  }

  async read(ticket: string): Promise<TicketRecord | null> {
    return readJsonOrNull<TicketRecord>(this.layout.ticketFile(ticket));
  }

  /** Read-modify-write of ticket.json under a per-ticket lock (follow-ups may race). */
  async update(ticket: string, change: (current: TicketRecord | null) => TicketRecord): Promise<TicketRecord> {
    return withLock(this.layout.lockFile(`ticket-${ticket}`), async () => {
      const next = change(await this.read(ticket));
      await writeJsonAtomic(this.layout.ticketFile(ticket), next);
      return next;
    });
  }

  async readMessage(ticket: string, seq: number): Promise<MessageRecord | null> {
    return readJsonOrNull<MessageRecord>(path.join(this.layout.messageDir(ticket, seq), 'message.json'));
  }

  /** Ticket ids present in the archive, sorted. Only our own prefix's ids are listed. */
  async listIds(): Promise<string[]> {
    const names = await listDirOrEmpty(this.layout.ticketsDir);
    return names.filter((n) => parseTicketId(this.prefix, n) !== null).sort();
  }

  async list(): Promise<TicketRecord[]> {
    const tickets: TicketRecord[] = [];
    for (const id of await this.listIds()) {
      const ticket = await this.read(id);
      if (ticket) tickets.push(ticket);
    }
    return tickets;
  }

  /** Sequence numbers of the committed messages of a ticket (those with message.json). */
  async messageSeqs(ticket: string): Promise<number[]> {
    const seqs = (await listDirOrEmpty(this.layout.messagesDir(ticket)))
      .filter((n) => /^\d+$/.test(n))
      .map(Number)
      .sort((a, b) => a - b);
    const committed: number[] = [];
    for (const seq of seqs) if (await this.readMessage(ticket, seq)) committed.push(seq);
    return committed;
  }

  private counterFile(year: number): string {
    return path.join(this.layout.stateDir, `ticket-counter-${this.prefix}-${year}`);
  }

  /** The highest number known to be taken this year: the hint, or a scan if it is missing. */
  private async counterHint(year: number): Promise<number> {
    await mkdir(this.layout.stateDir, { recursive: true });
    const hint = Number.parseInt((await readFile(this.counterFile(year), 'utf8').catch(() => '')).trim(), 10);
    if (Number.isSafeInteger(hint) && hint >= 0) return hint;
    let highest = 0;
    for (const id of await listDirOrEmpty(this.layout.ticketsDir)) {
      const parsed = parseTicketId(this.prefix, id);
      if (parsed && parsed.year === year) highest = Math.max(highest, parsed.number);
    }
    return highest;
  }

}

async function makeDirExclusive(dir: string): Promise<boolean> {
  try {
    await mkdir(dir);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

