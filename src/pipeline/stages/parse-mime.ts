import type { ParsedMail } from 'mailparser';
import type { Draft, ExtractedAttachment, ReportBody } from '../../model/draft.js';
import type { FromCheck, HeaderSummary, ParseVerdict } from '../../model/message-record.js';
import { firstHeader, headerValues, readHeaders, type RawHeader } from '../../model/raw-headers.js';
import { parseStrictMailbox } from '../../model/strict-mailbox.js';
import { sha256Hex } from '../../model/digest.js';
import type { Config } from '../../config/schema.js';
import type { MimeLimits, MimePart } from '../../openpgp/mime-tree.js';
import type { StageContext } from '../stage.js';
import { untrusted } from '../untrusted.js';
import type { MessageReading } from '../../sandbox/tasks.js';

/**
 * Reads the outer message: our own header count and strict From, then mailparser for the
 * body and attachments. mailparser runs with everything that turns text into active
 * content switched off. A message it cannot parse is a verdict (`unparseable`), not an
 * error: the raw bytes are archived and the ticket is flagged. It runs in a sandbox
 * worker (src/sandbox/): a message that overruns its budget is `overrun`, not a hang.
 */
export const SAFE_PARSER_OPTIONS = {
  skipTextToHtml: true,
  skipTextLinks: true,
  skipImageLinks: true,
  keepCidLinks: true,
  // html-to-text on a huge HTML part is slow; such a report keeps its HTML, without text.
  maxHtmlLengthToParse: 2 * 1024 * 1024,
} as const;

/** What parse-mime reads from the raw bytes alone (so it can run in a sandbox worker). */
export interface OuterMessage {
  outerHeaders: RawHeader[];
  headers: HeaderSummary;
  from: FromCheck;
  parse: ParseVerdict;
  body: ReportBody;
}

/** `limits.*` that bound reading the outer message (DESIGN §10). */
export interface OuterLimits {
  headerFields: number;
  headerFieldBytes: number;
  mime: MimeLimits;
}

export function outerLimits(config: Config): OuterLimits {
  const { limits } = config;
  return { headerFields: limits.headerFields, headerFieldBytes: limits.headerFieldBytes, mime: { maxParts: limits.mimeParts, maxDepth: limits.mimeDepth } };
}

/**
 * The readers are imported on first use: this module is also the stage, which runs in
 * the main thread, where nothing is parsed when sandbox workers do it (README "Performance").
 */
const readers = async () => {
  const [{ default: libmime }, { simpleParser }, { buildMimeTree, DEFAULT_MIME_LIMITS }] = await Promise.all([import('libmime'), import('mailparser'), import('../../openpgp/mime-tree.js')]);
  return { decodeWords: (value: string) => libmime.decodeWords(value), simpleParser, buildMimeTree, defaults: DEFAULT_MIME_LIMITS };
};

export async function readOuterMessage(raw: Buffer, limits: OuterLimits): Promise<OuterMessage> {
  return (await readOuter(raw, limits)).outer;
}

/**
 * The same, with the MIME tree built for the limit check (null when it was not built or
 * failed): the sandbox's `read` gives it to unwrap-openpgp, which would otherwise split
 * the message again. It is the same tree when `limits.mime` is no wider than the
 * splitter's defaults: the limits decide only whether a tree is built at all.
 */
export async function readOuter(raw: Buffer, limits: OuterLimits): Promise<{ outer: OuterMessage; tree: MimePart | null }> {
  const { decodeWords, simpleParser, buildMimeTree, defaults } = await readers();
  const reusable = limits.mime.maxParts <= defaults.maxParts && limits.mime.maxDepth <= defaults.maxDepth;
  const read = readHeaders(raw);
  // Past a cap the message is unparseable, and what later stages see of it stays bounded.
  const outerHeaders = read.slice(0, limits.headerFields).map((h) => (h.value.length > limits.headerFieldBytes ? { ...h, value: h.value.slice(0, limits.headerFieldBytes) } : h));
  const headers = summarizeHeaders(outerHeaders, decodeWords);
  const from = checkFrom(outerHeaders);
  const empty: ReportBody = { text: '', html: null, attachments: [] };
  const unparseable = (error: string) => ({ outer: { outerHeaders, headers, from, body: empty, parse: { status: 'unparseable' as const, error } }, tree: null });
  if (outerHeaders.length === 0) return unparseable('no header fields');
  if (read.length > limits.headerFields) return unparseable(`too-many-header-fields (limits.headerFields ${limits.headerFields})`);
  if (read.some((h) => h.value.length > limits.headerFieldBytes)) return unparseable(`header-field-too-long (limits.headerFieldBytes ${limits.headerFieldBytes})`);
  let tree: MimePart;
  try {
    tree = await buildMimeTree(raw, '', 0, limits.mime);
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string };
    if (code !== 'EMAXLEN') throw error;
    if (/mimeDepth/.test(String(message))) return unparseable(`too-deep (limits.mimeDepth ${limits.mime.maxDepth})`);
    if (/child nodes/i.test(String(message))) return unparseable(`too-many-mime-parts (limits.mimeParts ${limits.mime.maxParts})`);
    return unparseable(`mime-limit: ${String(message)}`);
  }
  try {
    const mail = await simpleParser(raw, { ...SAFE_PARSER_OPTIONS, maxChildNodes: limits.mime.maxParts });
    return { outer: { outerHeaders, headers, from, body: bodyOf(mail), parse: { status: 'ok', error: null } }, tree: reusable ? tree : null };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { outer: { outerHeaders, headers, from, body: empty, parse: { status: 'unparseable', error: message } }, tree: reusable ? tree : null };
  }
}

/**
 * The stage: the outer message read in the sandbox, within the message's work budget. The
 * same sandbox call also opens the OpenPGP layers and understands the report (tasks.ts
 * `read`: one round trip, the raw bytes sent once); unwrap-openpgp and extract-report
 * apply what it found, and the log line's `stages` keep each part's time in the worker.
 * A message that overruns keeps what the parts before the overrun read.
 */
export async function parseMime(draft: Draft, ctx: StageContext): Promise<Draft> {
  const input = { raw: draft.message.raw, receivedAt: draft.message.receivedAt.getTime() };
  const applyReading = (reading: Partial<MessageReading>): Draft => {
    if (!reading.outer) return draft;
    const ms = reading.ms;
    return {
      ...draft,
      ...reading.outer,
      reading: { opened: reading.opened, understood: reading.understood },
      aheadMs: { 'unwrap-openpgp': ms?.['unwrap-openpgp'] ?? 0, 'extract-report': ms?.['extract-report'] ?? 0 },
    };
  };
  return untrusted(draft, ctx, 'read', input, applyReading, applyReading);
}

export function bodyOf(mail: ParsedMail): ReportBody {
  const attachments: ExtractedAttachment[] = mail.attachments.map((a) => ({
    filename: a.filename ?? null,
    contentType: a.contentType || 'application/octet-stream',
    content: a.content,
    sha256: sha256Hex(a.content),
  }));
  return { text: mail.text ?? '', html: typeof mail.html === 'string' ? mail.html : null, attachments };
}

function summarizeHeaders(headers: RawHeader[], decodeWords: (value: string) => string): HeaderSummary {
  const subject = firstHeader(headers, 'subject');
  return {
    messageId: firstHeader(headers, 'message-id'),
    from: firstHeader(headers, 'from'),
    to: firstHeader(headers, 'to'),
    subject,
    date: firstHeader(headers, 'date'),
    subjectDecoded: subject === null ? null : decodedOrAsIs(subject, decodeWords),
  };
}

function decodedOrAsIs(value: string, decodeWords: (value: string) => string): string {
  try {
    return decodeWords(value);
  } catch {
    return value;
  }
}

/** Exactly one From field holding exactly one strictly valid mailbox (DESIGN §6). */
export function checkFrom(headers: RawHeader[]): FromCheck {
  const values = headerValues(headers, 'from');
  if (values.length !== 1) {
    return { address: null, valid: false, count: values.length, problem: values.length === 0 ? 'missing' : 'several-from-fields' };
  }
  const parsed = parseStrictMailbox(values[0] ?? '');
  return parsed.ok
    ? { address: parsed.address, valid: true, count: 1, problem: null }
    : { address: null, valid: false, count: 1, problem: parsed.problem };
}
