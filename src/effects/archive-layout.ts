import { createHash } from 'node:crypto';
import path from 'node:path';

/**
 * Every path of the archive (DESIGN §4), in one place. Paths are built only from our own
 * ticket ids, sequence numbers, hex digests and spool ids — never from message text.
 */
export class ArchiveLayout {
  readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  get spoolDir(): string {
    return path.join(this.root, 'spool');
  }
  get ticketsDir(): string {
    return path.join(this.root, 'tickets');
  }
  get outboxDir(): string {
    return path.join(this.root, 'outbox');
  }
  /** Lookup tables derived from the tickets; `intake index rebuild` recreates them. */
  get indexDir(): string {
    return path.join(this.root, 'index');
  }
  /** Small durable counters and hints (not evidence). */
  get stateDir(): string {
    return path.join(this.root, 'state');
  }
  get locksDir(): string {
    return path.join(this.root, 'locks');
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
  /** The acknowledgement of message NNN as sent: `acks/<NNN>.eml`; its on-duty notification `acks/<NNN>.on-duty.eml`. */
  ackFile(ticket: string, seq: number, kind: 'ack' | 'on-duty'): string {
    return path.join(this.acksDir(ticket), ackFileName(seq, kind));
  }

  shaIndexFile(sha256: string): string {
    const hex = assertHex(sha256);
    return path.join(this.indexDir, 'sha256', hex.slice(0, 2), `${hex}.json`);
  }
  /** Message-IDs are attacker text: the index file is named by their SHA-256. */
  messageIdIndexFile(messageId: string): string {
    const hex = createHash('sha256').update(messageId).digest('hex');
    return path.join(this.indexDir, 'message-id', hex.slice(0, 2), `${hex}.json`);
  }
  /** Replay index: ciphertext digest (PKESK + encrypted data) → first message. */
  ciphertextIndexFile(sha256: string): string {
    const hex = assertHex(sha256);
    return path.join(this.indexDir, 'ciphertext', hex.slice(0, 2), `${hex}.json`);
  }
  lockFile(name: string): string {
    return path.join(this.locksDir, assertSafeName(name));
  }
}

export function ackFileName(seq: number, kind: 'ack' | 'on-duty'): string {
  return kind === 'ack' ? `${formatSeq(seq)}.eml` : `${formatSeq(seq)}.on-duty.eml`;
}

export function formatSeq(seq: number): string {
  return String(seq).padStart(3, '0');
}

function assertHex(value: string): string {
  if (!/^[0-9a-f]{64}$/.test(value)) throw new Error('not a sha256 hex digest');
  return value;
}

/** Defence in depth: the callers only pass our own ids, but a bug must not become a path. */
function assertSafeName(value: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(value) || value.includes('..')) {
    throw new Error(`unsafe archive name: ${JSON.stringify(value.slice(0, 40))}`);
  }
  return value;
}
