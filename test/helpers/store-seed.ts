import { createHash } from 'node:crypto';
import type { Indicators, MessageRecord, SignerVerdict } from '../../src/model/message-record.js';
import { fileTransport } from '../../src/model/transport.js';
import type { SqlStore } from '../../src/store/sql-store.js';

/**
 * Committed messages for store-level tests of the workbench: receive → place → commit
 * as the pipeline does, with a complete message.json whose indicators, sender and
 * signers the test chooses; the commit indexes it and records its events.
 */
export interface SeedMessage {
  body: string;
  /** Thread into this ticket (a follow-up) instead of opening one. */
  ticket?: string;
  receivedAt?: string;
  from?: string;
  subject?: string;
  indicators?: Partial<Indicators>;
  signers?: Array<Partial<SignerVerdict>>;
  encrypted?: boolean;
  /** Stored as the decrypted payload (MIME bytes). */
  decrypted?: Buffer | null;
  messageIds?: string[];
  /** Ticket prefix (default XYZ). */
  prefix?: string;
  attachments?: Array<{ filename: string | null; contentType: string; content: Buffer }>;
}

let sequence = 0;

/** The raw message as received: a plain RFC 5322 message around `body`, unique per call. */
export function seedRaw(m: SeedMessage): Buffer {
  const id = `<seed.${process.pid}.${++sequence}.${Date.now()}@example.org>`;
  return Buffer.from(
    [`From: ${m.from ?? 'alice@example.org'}`, 'To: cert@xyz.example', `Subject: ${m.subject ?? 'report'}`, `Message-ID: ${id}`, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', m.body].join('\r\n'),
  );
}

export function emptyIndicators(over: Partial<Indicators> = {}): Indicators {
  const hosts = () => ({ ips: [], cidrs: [], domains: [] });
  return {
    ips: [],
    domains: [],
    cves: [],
    cidrs: [],
    urls: [],
    hashes: { md5: [], sha1: [], sha256: [], sha512: [] },
    declared: { affected: hosts(), sources: hosts() },
    candidates: hosts(),
    ...over,
  };
}

export function seedRecord(ticket: string, seq: number, sha256: string, m: SeedMessage): MessageRecord {
  const receivedAt = m.receivedAt ?? '2026-11-23T10:00:00.000Z';
  const from = m.from ?? 'alice@example.org';
  const signers: SignerVerdict[] = (m.signers ?? []).map((s) => ({
    fingerprint: null,
    keyId: '0000000000000000',
    status: 'valid',
    reason: null,
    created: receivedAt,
    flags: [],
    userIds: [],
    ...s,
  }));
  return {
    ticket,
    seq,
    receivedAt,
    sha256,
    size: Buffer.byteLength(m.body),
    transport: fileTransport(from, ['cert@xyz.example']),
    headers: { messageId: `<${sha256.slice(0, 12)}@example.org>`, from, to: 'cert@xyz.example', subject: m.subject ?? 'report', date: null, subjectDecoded: m.subject ?? 'report' },
    from: { address: from, valid: true, count: 1, problem: null },
    parse: { status: 'ok', error: null },
    encryption: { status: m.encrypted ? 'decrypted' : 'none', format: m.encrypted ? 'pgp-mime' : null, wrapped: false, error: null },
    signature: { status: signers.length > 0 ? 'valid' : 'none', coverage: signers.length > 0 ? 'whole' : 'none', signers, fromMatchesSigner: signers.length > 0 },
    urgent: { flag: false, reason: null },
    form: { template: 'free-text', fields: {}, warnings: [] },
    classification: [],
    indicators: emptyIndicators(m.indicators),
    tlp: null,
    priority: { rank: 99, rule: 'default' },
    attachments: (m.attachments ?? []).map((a) => {
      const digest = createHash('sha256').update(a.content).digest('hex');
      return { filename: a.filename, contentType: a.contentType, size: a.content.length, sha256: digest, path: `attachments/${digest}` };
    }),
    threading: { kind: m.ticket ? 'tag' : 'new', senderKnown: true },
    ack: { sent: false, suppressedReason: 'test', file: null, status: 'suppressed', messageId: null, encrypted: false, sentAt: null, error: null, onDuty: null },
  };
}

export async function seedMessage(store: SqlStore, m: SeedMessage): Promise<{ ticket: string; seq: number; sha256: string; record: MessageRecord }> {
  const receivedAt = new Date(m.receivedAt ?? '2026-11-23T10:00:00.000Z');
  const lease = { owner: 'seed', now: receivedAt, ms: 60_000 };
  const received = await store.receive(seedRaw(m), fileTransport(m.from ?? 'alice@example.org', ['cert@xyz.example']), receivedAt, lease);
  const placed = await store.place({
    sha256: received.sha256,
    receiptId: received.receiptId,
    receivedAt,
    ticket: m.ticket ?? null,
    prefix: m.prefix ?? 'XYZ',
    year: 2026,
    threading: { kind: m.ticket ? 'tag' : 'new', senderKnown: true },
    quota: null,
  });
  if (placed.kind !== 'placed') throw new Error(`seed: ${placed.kind}`);
  const { ticket, seq } = placed.placement;
  const record = seedRecord(ticket, seq, received.sha256, m);
  await store.commit({
    sha256: received.sha256,
    receiptId: received.receiptId,
    ticket,
    seq,
    record,
    decrypted: m.decrypted ?? null,
    attachments: (m.attachments ?? []).map((a) => ({ sha256: createHash('sha256').update(a.content).digest('hex'), content: a.content })),
    messageIds: m.messageIds ?? [],
    ciphertexts: [],
    outgoing: [],
    pendingKeys: [],
    fold: { sender: record.from.address, rereadReporterKey: false },
    mode: 'first',
    now: receivedAt,
    searchText: m.body,
  });
  return { ticket, seq, sha256: received.sha256, record };
}
