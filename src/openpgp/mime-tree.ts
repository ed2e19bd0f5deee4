import type { Transform } from 'node:stream';
import { Splitter } from '@zone-eu/mailsplit';
import libmime from 'libmime';
import { firstHeader, readHeaders, type RawHeader } from '../model/raw-headers.js';
import { trimEndChars } from '../model/linear-text.js';

/**
 * The message as a tree of raw MIME parts, each with its exact byte range in the input.
 * PGP/MIME signatures cover the bytes of a part as received (RFC 3156 §5), which a mail
 * parser's decoded text cannot give back, so we split with @zone-eu/mailsplit — the
 * splitter mailparser itself uses, so both see the same structure — and keep offsets.
 */
export interface MimePart {
  /** IMAP-style part number ("" for the root, "1", "2.1" …); message/rfc822 adds ".m". */
  path: string;
  /** Lower-case `type/subtype` ("text/plain" when absent, RFC 2045 §5.2). */
  contentType: string;
  params: Record<string, string>;
  headers: RawHeader[];
  disposition: string | null;
  /** Untrusted name from the message. Never used in a path. */
  filename: string | null;
  encoding: string | null;
  raw: Buffer;
  /** Offsets into `raw`: headers start, body start, end (before the delimiter's CRLF). */
  start: number;
  bodyStart: number;
  end: number;
  children: MimePart[];
  /** For message/rfc822 leaves: the embedded message, parsed the same way. */
  embedded: MimePart | null;
}

/** Splitter limits: mailsplit's own defaults, plus a bound on message/rfc822 depth. */
const MAX_EMBEDDED_DEPTH = 8;

/** `limits.mimeParts` and `limits.mimeDepth`; past either the splitter stops with EMAXLEN. */
export interface MimeLimits {
  maxParts: number;
  maxDepth: number;
}
export const DEFAULT_MIME_LIMITS: MimeLimits = { maxParts: 1000, maxDepth: 32 };

export async function buildMimeTree(raw: Buffer, path = '', depth = 0, limits: MimeLimits = DEFAULT_MIME_LIMITS): Promise<MimePart> {
  const events = await split(raw, limits.maxParts);
  const byNode = new Map<object, MimePart>();
  const levels = new Map<object, number>();
  let root: MimePart | null = null;
  let offset = 0;
  let lastLeaf: MimePart | null = null;
  for (const event of events) {
    if (event.type === 'node') {
      const headerBytes = event.node.getHeaders().length;
      const parent = event.node.parentNode ? byNode.get(event.node.parentNode) ?? null : null;
      const level = (event.node.parentNode ? (levels.get(event.node.parentNode) ?? 0) : 0) + 1;
      if (depth + level > limits.maxDepth) throw tooDeep(limits);
      levels.set(event.node, level);
      const part = newPart(raw, offset, offset + headerBytes, parent ? `${parent.path ? `${parent.path}.` : ''}${parent.children.length + 1}` : path);
      byNode.set(event.node, part);
      if (parent) parent.children.push(part);
      else root ??= part;
      offset += headerBytes;
      lastLeaf = event.node.multipart ? null : part;
      if (lastLeaf) lastLeaf.end = offset;
      continue;
    }
    offset += event.value.length;
    if (event.type === 'body' && lastLeaf) lastLeaf.end = offset;
  }
  if (!root) root = newPart(raw, 0, 0, path);
  root.end = raw.length;
  finishMultipartEnds(root);
  if (depth < MAX_EMBEDDED_DEPTH) await parseEmbedded(root, depth, limits);
  return root;
}

function tooDeep(limits: MimeLimits): Error {
  return Object.assign(new Error(`MIME nesting deeper than limits.mimeDepth (${limits.maxDepth})`), { code: 'EMAXLEN' });
}

type SplitEvent = { type: 'node'; node: SplitterNode } | { type: 'body' | 'data'; value: Buffer };
interface SplitterNode {
  parentNode: object | false;
  multipart: string | false;
  getHeaders(): Buffer;
}

function split(raw: Buffer, maxParts: number): Promise<SplitEvent[]> {
  return new Promise((resolve, reject) => {
    const events: SplitEvent[] = [];
    const splitter = new Splitter({ ignoreEmbedded: true, maxChildNodes: maxParts }) as unknown as Transform;
    splitter.on('data', (data: { type: string; value?: Buffer }) => {
      if (data.type === 'node') events.push({ type: 'node', node: data as unknown as SplitterNode });
      else if (data.value) events.push({ type: data.type as 'body' | 'data', value: data.value });
    });
    splitter.on('end', () => resolve(events));
    splitter.on('error', reject);
    splitter.end(raw);
  });
}

function newPart(raw: Buffer, start: number, bodyStart: number, path: string): MimePart {
  const headers = readHeaders(raw.subarray(start, bodyStart));
  const type = parseValue(firstHeader(headers, 'content-type') ?? 'text/plain');
  const disposition = parseValue(firstHeader(headers, 'content-disposition') ?? '');
  const contentType = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(type.value) ? type.value : 'text/plain';
  return {
    path,
    contentType,
    params: type.params,
    headers,
    disposition: disposition.value || null,
    filename: disposition.params.filename ?? type.params.name ?? null,
    encoding: (firstHeader(headers, 'content-transfer-encoding') ?? '').trim().toLowerCase() || null,
    raw,
    start,
    bodyStart,
    end: bodyStart,
    children: [],
    embedded: null,
  };
}

function parseValue(value: string): { value: string; params: Record<string, string> } {
  try {
    const parsed = libmime.parseHeaderValue(value);
    return { value: String(parsed.value ?? '').trim().toLowerCase(), params: (parsed.params ?? {}) as Record<string, string> };
  } catch {
    return { value: '', params: {} };
  }
}

/**
 * A multipart child ends where the next delimiter line of its parent (or of any open
 * ancestor — mailsplit's rule) begins, minus the line break that belongs to that
 * delimiter (RFC 2046 §5.1.1). Leaves already got their end from their body chunks.
 * Delimiter lines are found in one pass over the message, so a deeply nested message
 * costs one scan, not one per level.
 */
function finishMultipartEnds(root: MimePart): void {
  const boundaries = new Set<string>();
  for (const part of walkOwn(root)) if (part.params.boundary) boundaries.add(part.params.boundary);
  if (boundaries.size === 0) return;
  const delimiters = delimiterLines(root.raw, boundaries);
  const visit = (part: MimePart, open: string[]): void => {
    const boundary = part.contentType.startsWith('multipart/') ? part.params.boundary : undefined;
    const inner = boundary ? [...open, boundary] : open;
    for (const child of part.children) {
      if (child.contentType.startsWith('multipart/')) {
        const next = Math.min(...inner.map((b) => firstAtOrAfter(delimiters.get(b) ?? [], child.bodyStart)));
        child.end = next === Infinity ? part.end : Math.max(child.bodyStart, lineBreakBefore(part.raw, next));
      }
      visit(child, inner);
    }
  };
  visit(root, []);
}

/** Start offsets of every line `--<boundary>` or `--<boundary>--` (trailing blanks allowed). */
function delimiterLines(raw: Buffer, boundaries: Set<string>): Map<string, number[]> {
  const found = new Map<string, number[]>();
  for (let lineStart = 0; lineStart < raw.length; ) {
    const lineEnd = raw.indexOf(0x0a, lineStart);
    const end = lineEnd === -1 ? raw.length : lineEnd;
    if (raw[lineStart] === 0x2d && raw[lineStart + 1] === 0x2d && end - lineStart <= 1000) {
      const text = trimEndChars(raw.subarray(lineStart + 2, end).toString('latin1'), ' \t\r');
      for (const candidate of [text, text.endsWith('--') ? text.slice(0, -2) : null]) {
        if (candidate === null || !boundaries.has(candidate)) continue;
        const list = found.get(candidate) ?? [];
        list.push(lineStart);
        found.set(candidate, list);
      }
    }
    lineStart = end + 1;
  }
  return found;
}

function firstAtOrAfter(sorted: number[], position: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (sorted[mid]! < position) low = mid + 1;
    else high = mid;
  }
  return low < sorted.length ? sorted[low]! : Infinity;
}

function lineBreakBefore(raw: Buffer, position: number): number {
  let end = position;
  if (raw[end - 1] === 0x0a) end--;
  if (raw[end - 1] === 0x0d) end--;
  return end;
}

/** The parts of one message (not its embedded messages). */
function* walkOwn(part: MimePart): Generator<MimePart> {
  yield part;
  for (const child of part.children) yield* walkOwn(child);
}

async function parseEmbedded(part: MimePart, depth: number, limits: MimeLimits): Promise<void> {
  if (part.contentType === 'message/rfc822' && part.children.length === 0) {
    const body = decodeBody(part);
    if (body.length > 0) part.embedded = await buildMimeTree(body, `${part.path}.m`, depth + 1, limits);
    return;
  }
  for (const child of part.children) await parseEmbedded(child, depth, limits);
}

/** Every part of the tree, depth first, including embedded messages. */
export function* walk(part: MimePart): Generator<MimePart> {
  yield part;
  for (const child of part.children) yield* walk(child);
  if (part.embedded) yield* walk(part.embedded);
}

/** The exact bytes of a part: its header block and body, as received. */
export function partBytes(part: MimePart): Buffer {
  return part.raw.subarray(part.start, part.end);
}

/** The body with its Content-Transfer-Encoding undone (base64, quoted-printable). */
export function decodeBody(part: MimePart): Buffer {
  const body = part.raw.subarray(part.bodyStart, part.end);
  if (part.encoding === 'base64') return Buffer.from(body.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
  if (part.encoding === 'quoted-printable') return decodeQuotedPrintable(body.toString('latin1'));
  return Buffer.from(body);
}

/**
 * About the first `count` octets of the decoded body, cheaply (for a decision about a
 * possibly large attachment before decoding all of it).
 */
export function decodeBodyHead(part: MimePart, count: number): Uint8Array {
  const window = part.raw.subarray(part.bodyStart, Math.min(part.end, part.bodyStart + count * 3 + 256));
  if (part.encoding === 'base64') {
    const chars = window.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, '');
    return Buffer.from(chars.slice(0, Math.floor(chars.length / 4) * 4), 'base64').subarray(0, count);
  }
  if (part.encoding === 'quoted-printable') return decodeQuotedPrintable(window.toString('latin1')).subarray(0, count);
  return window.subarray(0, count);
}

/** A text part's content as a string, in its declared charset (UTF-8 when unknown). */
export function decodeText(part: MimePart): string {
  const bytes = decodeBody(part);
  const charset = (part.params.charset ?? 'utf-8').toLowerCase();
  try {
    return new TextDecoder(charset).decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

/** RFC 2045 §6.7, into one preallocated buffer (never larger than the input). */
function decodeQuotedPrintable(text: string): Buffer {
  const out = Buffer.allocUnsafe(text.length);
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x3d) {
      // A soft line break (`=` CRLF or `=` LF) is no character.
      if (text[i + 1] === '\n') {
        i += 1;
        continue;
      }
      if (text[i + 1] === '\r' && text[i + 2] === '\n') {
        i += 2;
        continue;
      }
      const high = hexValue(text.charCodeAt(i + 1));
      const low = hexValue(text.charCodeAt(i + 2));
      if (high >= 0 && low >= 0) {
        out[length++] = (high << 4) | low;
        i += 2;
        continue;
      }
    }
    out[length++] = code & 0xff;
  }
  return out.subarray(0, length);
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  return -1;
}
