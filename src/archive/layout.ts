import path from 'node:path';
import { ackFileName } from '../model/ack-outcome.js';
import { formatSeq } from '../model/ticket-id.js';

/**
 * The file layout of an export (DESIGN §4) — and of the archives older csirt-intake
 * releases wrote, which `intake import` reads. Paths are built only from our own ticket
 * ids, sequence numbers and hex digests — never from message text.
 *
 *   tickets/<ID>/ticket.json
 *   tickets/<ID>/messages/<NNN>/raw.eml | message.json | decrypted.eml | attachments/<sha256>
 *   tickets/<ID>/acks/<NNN>.eml, <NNN>.on-duty.eml
 */
export class ArchiveLayout {
  readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  get ticketsDir(): string {
    return path.join(this.root, 'tickets');
  }
  get manifestFile(): string {
    return path.join(this.root, 'manifest.json');
  }
  ticketDir(ticket: string): string {
    return path.join(this.ticketsDir, assertSafeName(ticket));
  }
  ticketFile(ticket: string): string {
    return path.join(this.ticketDir(ticket), 'ticket.json');
  }
  messagesDir(ticket: string): string {
    return path.join(this.ticketDir(ticket), 'messages');
  }
  messageDir(ticket: string, seq: number): string {
    return path.join(this.messagesDir(ticket), formatSeq(seq));
  }
  acksDir(ticket: string): string {
    return path.join(this.ticketDir(ticket), 'acks');
  }
  ackFile(ticket: string, seq: number, kind: 'ack' | 'on-duty'): string {
    return path.join(this.acksDir(ticket), ackFileName(seq, kind));
  }
  /** An operator's reply as composed (sent or still queued): `replies/<NNN>.eml`, NNN the reply's number in the ticket. */
  replyFile(ticket: string, n: number): string {
    return path.join(this.repliesDir(ticket), `${formatSeq(n)}.eml`);
  }
  /** The reply's record (`replies/<NNN>.json`): the operator's text, recipient, Subject, delivery state. */
  replyRecordFile(ticket: string, n: number): string {
    return path.join(this.repliesDir(ticket), `${formatSeq(n)}.json`);
  }
  repliesDir(ticket: string): string {
    return path.join(this.ticketDir(ticket), 'replies');
  }
  attachmentFile(ticket: string, seq: number, sha256: string): string {
    return path.join(this.messageDir(ticket, seq), 'attachments', assertHex(sha256));
  }
}

/** Whatever came out of a decryption is plaintext meant only for us: owner-only files. */
export function messageFileMode(encryption: string): number {
  return encryption === 'decrypted' ? 0o600 : 0o640;
}

export function assertHex(value: string): string {
  if (!/^[0-9a-f]{64}$/.test(value)) throw new Error('not a sha256 hex digest');
  return value;
}

/** Defence in depth: the callers only pass our own ids, but a bug must not become a path. */
export function assertSafeName(value: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(value) || value.includes('..')) {
    throw new Error(`unsafe archive name: ${JSON.stringify(value.slice(0, 40))}`);
  }
  return value;
}
