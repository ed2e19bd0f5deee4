import type { Config } from '../config/schema.js';
import { escapeForLog } from '../log/escape.js';
import type { MessageRecord } from '../model/message-record.js';
import { readReportText, type ReportText } from '../report/stored-report.js';
import { openStore } from '../store/open-store.js';
import { type CliIo, writeLine } from './cli-io.js';
import { EXIT } from './exit-codes.js';

/**
 * `intake tickets show ID --body [--seq N]`: what the reporter wrote — the decrypted text,
 * or the text as received — with the indicators found and the crypto verdicts with their
 * reasons; and `--attachment SHA256`, one attachment's bytes to stdout. Everything from
 * the report is escaped for the terminal as log lines are (ANSI, bidi controls, NUL and
 * other controls become visible escapes); only line breaks and tabs are kept, so the text
 * still reads as text.
 */
export interface BodyOptions {
  seq?: string;
  attachment?: string;
  json?: boolean;
}

// The controls escapeForLog escapes, except tab and line feed.
const UNSAFE_IN_TEXT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function escapeText(text: string): string {
  return text
    .replace(/\r\n/g, '\n')
    .replace(UNSAFE_IN_TEXT, (c) => (c === '\r' ? '\\r' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

export async function showTicketBody(config: Config, id: string, options: BodyOptions, io: CliIo): Promise<number> {
  const seq = options.seq === undefined ? null : Number(options.seq);
  if (seq !== null && (!Number.isSafeInteger(seq) || seq < 1)) {
    writeLine(io.stderr, 'intake tickets show: --seq is a message number (1, 2, …)');
    return EXIT.usage;
  }
  const store = await openStore(config, io.env);
  try {
    const ticket = await store.tickets.get(id);
    if (!ticket) {
      writeLine(io.stderr, `intake tickets show: no ticket ${id}`);
      return EXIT.noInput;
    }
    const records = (await store.tickets.messages(id)).filter((m) => seq === null || m.seq === seq);
    if (records.length === 0) {
      writeLine(io.stderr, `intake tickets show: ${id} has no message #${seq}`);
      return EXIT.noInput;
    }
    if (options.attachment !== undefined) return await writeAttachment(records, options.attachment, store.tickets.attachment.bind(store.tickets), io);

    const shown: Array<{ record: MessageRecord; report: ReportText }> = [];
    for (const record of records) {
      const stored = await store.tickets.message(id, record.seq);
      const raw = (await store.tickets.raw(record.sha256)) ?? Buffer.alloc(0);
      shown.push({ record, report: await readReportText(record, raw, stored?.decrypted ?? null, config.report.maxTextBytes) });
    }
    if (options.json) {
      const messages = shown.map(({ record, report }) => ({ seq: record.seq, source: report.source, text: report.text, encryption: record.encryption, signature: record.signature, indicators: record.indicators, attachments: record.attachments }));
      writeLine(io.stdout, JSON.stringify({ ticket: id, messages }, null, 2));
    } else {
      for (const { record, report } of shown) writeLine(io.stdout, bodyLines(record, report).join('\n'));
    }
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

async function writeAttachment(records: MessageRecord[], wanted: string, read: (sha256: string) => Promise<Buffer | null>, io: CliIo): Promise<number> {
  const sha256 = wanted.trim().toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(sha256)) {
    writeLine(io.stderr, 'intake tickets show: --attachment takes the attachment’s SHA-256 (64 hex digits, as tickets show lists it)');
    return EXIT.usage;
  }
  // Only an attachment of this ticket: the hash alone is no licence to read any stored file.
  if (!records.some((m) => m.attachments.some((a) => a.sha256 === sha256))) {
    writeLine(io.stderr, `intake tickets show: no attachment ${sha256} in this ticket`);
    return EXIT.noInput;
  }
  // Attachment bytes are the sender's: written raw to a terminal they could drive it.
  if ((io.stdout as { isTTY?: boolean }).isTTY) {
    writeLine(io.stderr, 'intake tickets show: --attachment writes raw bytes; redirect them to a file (> FILE) or a pager');
    return EXIT.usage;
  }
  const bytes = await read(sha256);
  if (!bytes) {
    writeLine(io.stderr, `intake tickets show: attachment ${sha256} is missing from the store`);
    return EXIT.noInput;
  }
  await new Promise<void>((resolve, reject) => io.stdout.write(bytes, (error) => (error ? reject(error) : resolve())));
  return EXIT.ok;
}

const SOURCE: Record<ReportText['source'], string> = {
  decrypted: 'decrypted',
  plain: 'as received, not encrypted',
  undecrypted: 'as received: it could not be decrypted',
};

function bodyLines(m: MessageRecord, report: ReportText): string[] {
  const show = (value: string | null | undefined, max = 120) => (value ? escapeForLog(value, max) : '-');
  const lines = [
    `${m.ticket} #${m.seq}  received ${m.receivedAt} via ${m.transport.kind} from ${show(m.from.address)}${m.from.valid ? '' : ` (From invalid: ${show(m.from.problem)})`}`,
    `  encryption: ${m.encryption.status}${m.encryption.format ? ` (${m.encryption.format})` : ''}${m.encryption.error ? ` — ${show(m.encryption.error)}` : ''}${m.encryption.wrapped ? ' — wrapped: not attributed to the sender' : ''}`,
    `  signature: ${m.signature.status} (coverage ${m.signature.coverage})${m.signature.signers.length > 0 ? `; From matches signer: ${m.signature.fromMatchesSigner ? 'yes' : 'no'}` : ''}`,
    ...m.signature.signers.map((s) => `    signer ${s.fingerprint ?? `key ID ${s.keyId}`}: ${s.status}${s.reason ? ` (${show(s.reason)})` : ''}${s.flags.length ? ` [${s.flags.join(',')}]` : ''}${s.userIds.length ? ` ${s.userIds.map((u) => show(u, 80)).join(', ')}` : ''}`),
    ...indicatorLines(m, show),
    ...m.attachments.map((a) => `  attachment ${a.sha256} ${a.size} B ${show(a.contentType, 60)} name=${show(a.filename, 80)}`),
    `--- report text (${SOURCE[report.source]}) ---`,
    withoutTrailingNewlines(escapeText(report.text)),
    '--- end ---',
  ];
  return lines;
}

function indicatorLines(m: MessageRecord, show: (value: string | null | undefined, max?: number) => string): string[] {
  const i = m.indicators;
  if (!i) return [];
  const list = (label: string, values: readonly string[]) => (values.length > 0 ? [`  ${label}: ${values.map((v) => show(v, 200)).join(', ')}`] : []);
  const hosts = (h: { ips: string[]; cidrs: string[]; domains: string[] }) => [...h.ips, ...h.cidrs, ...h.domains];
  return [
    ...list('declared affected hosts', hosts(i.declared.affected)),
    ...list('declared attack sources', hosts(i.declared.sources)),
    ...list('addresses', i.ips),
    ...list('networks', i.cidrs),
    ...list('domains', i.domains),
    ...list('URLs', i.urls),
    ...list('CVEs', i.cves),
    ...list('hashes', [...i.hashes.md5, ...i.hashes.sha1, ...i.hashes.sha256, ...i.hashes.sha512]),
  ];
}

/** The text without its final line breaks (a loop, not /\n+$/: linear on any input). */
function withoutTrailingNewlines(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0x0a) end--;
  return text.slice(0, end);
}
