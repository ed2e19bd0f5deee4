/**
 * Thrown by place or commit when these exact bytes are already committed (DESIGN §4:
 * identical raw bytes are one message) — found before any work, or lost to another
 * process or node at the last moment. Not an error: the outcome is `duplicate`.
 */
export class AlreadyStored extends Error {
  readonly ticket: string;
  readonly seq: number;

  constructor(ticket: string, seq: number) {
    super(`already stored as ${ticket}/${seq}`);
    this.name = 'AlreadyStored';
    this.ticket = ticket;
    this.seq = seq;
  }
}
