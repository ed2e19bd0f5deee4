import { trimEndChars, trimStartChars } from './linear-text.js';

/**
 * A small reader for the top-level header block of a raw message. We count and read
 * header fields ourselves because mail parsers are lenient in ways that matter for trust:
 * mailparser keeps only the first of two From fields, for example.
 */
export interface RawHeader {
  /** Field name as written, trailing whitespace removed (obs-syntax `From :` counts as From). */
  name: string;
  /** Unfolded value: line breaks of folding removed, leading whitespace trimmed. */
  value: string;
}

/** Header blocks beyond this are not read further (mailsplit's own limit is 1 MiB). */
const MAX_HEADER_BYTES = 1024 * 1024;

function headerBlockEnd(raw: Buffer): number {
  const limit = Math.min(raw.length, MAX_HEADER_BYTES);
  for (let i = 0; i < limit; i++) {
    if (raw[i] !== 0x0a) continue;
    if (raw[i + 1] === 0x0a) return i + 1;
    if (raw[i + 1] === 0x0d && raw[i + 2] === 0x0a) return i + 1;
  }
  return limit;
}

export function readHeaders(raw: Buffer): RawHeader[] {
  const text = raw.subarray(0, headerBlockEnd(raw)).toString('utf8');
  const headers: RawHeader[] = [];
  let current: { name: string; value: string } | null = null;
  for (const line of text.split(/\r?\n/)) {
    if (/^[ \t]/.test(line)) {
      // Folding (RFC 5322 §2.2.3): a continuation of the previous field.
      if (current) current.value += line;
      continue;
    }
    if (current) headers.push(finish(current));
    current = null;
    const colon = line.indexOf(':');
    if (colon <= 0) continue; // not a field (e.g. an mbox "From " line)
    const name = trimEndChars(line.slice(0, colon), ' \t');
    if (!/^[\x21-\x39\x3b-\x7e]+$/.test(name)) continue;
    current = { name, value: line.slice(colon + 1) };
  }
  if (current) headers.push(finish(current));
  return headers;
}

function finish(field: { name: string; value: string }): RawHeader {
  return { name: field.name, value: trimEndChars(trimStartChars(field.value, ' \t'), ' \t') };
}

/** All values of a field, by case-insensitive name, in message order. */
export function headerValues(headers: readonly RawHeader[], name: string): string[] {
  const wanted = name.toLowerCase();
  return headers.filter((h) => h.name.toLowerCase() === wanted).map((h) => h.value);
}

export function firstHeader(headers: readonly RawHeader[], name: string): string | null {
  return headerValues(headers, name)[0] ?? null;
}
