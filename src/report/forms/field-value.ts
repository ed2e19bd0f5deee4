import type { FormField } from '../../model/message-record.js';
import { parseHostAnswer } from '../indicators/host-answer.js';
import type { FieldDef } from './compile-template.js';
import { containsPhrase, normalizeLabel } from './normalize-label.js';
import { readTimezone } from './timezone.js';
import { readYesNo } from './yes-no.js';
import { trimEndCharsAndSpace } from '../../model/linear-text.js';

/** A leaf to store: its path relative to the field's own path, and the field. */
export type Leaf = [relative: string[], field: FormField];

/** Answers that mean "no answer" (docs/research/forms.md §7.7); the raw text is still kept. */
const ABSENT = new Set(['', 'n/a', 'na', 'n.a', 'n.a.', 'none', 'nil', '-', '--', '---', '?', 'unknown', 'unbekannt', 'keine', 'k.a.', 'k.a', 'nicht bekannt', 'not applicable', 'nicht zutreffend']);

export function isAbsent(raw: string, extra: Set<string> = new Set()): boolean {
  const word = trimEndCharsAndSpace(raw.trim().toLowerCase(), '.');
  return ABSENT.has(word) || ABSENT.has(`${word}.`) || extra.has(word);
}

export function readValue(def: FieldDef, raw: string, line: number | null): Leaf[] {
  const absent = isAbsent(raw, def.absent);
  const leaf = (value: unknown, note?: string | null): FormField => ({ raw, value, line, ...(note ? { note } : {}) });
  switch (def.type) {
    case 'host': {
      if (absent) return [[[], leaf(null)], [['..', 'ips'], leaf(null)]];
      const host = parseHostAnswer(raw);
      return [[[], leaf(host.hostname)], [['..', 'ips'], leaf(host.addresses)]];
    }
    case 'ips':
      return [[[], leaf(absent ? null : parseHostAnswer(raw).addresses)]];
    case 'yesno':
      if (absent) return [[[], leaf(null)]];
      return [[[], ((v) => leaf(v, v === null ? 'not a yes/no answer' : null))(readYesNo(raw))]];
    case 'timezone': {
      if (absent) return [[[], leaf(null)]];
      const tz = readTimezone(raw);
      return [[[], leaf(tz.value, tz.note)]];
    }
    case 'email': {
      const address = firstEmailAddress(raw);
      return [[[], leaf(absent || !address ? null : address.toLowerCase())]];
    }
    case 'choice':
      return [[[], absent ? leaf(null) : readChoice(def, raw, leaf)]];
    case 'datetime':
      return [[[], absent ? leaf(null) : readDatetime(raw, leaf)]];
    case 'block':
      return [[[], leaf(absent ? null : raw)]];
    default:
      return [[[], leaf(absent ? null : raw.trim())]];
  }
}

function readChoice(def: FieldDef, raw: string, leaf: (v: unknown, note?: string | null) => FormField): FormField {
  const answer = normalizeLabel(raw);
  const hit = def.choices.find(([word]) => containsPhrase(answer, word));
  return hit ? leaf(hit[1]) : leaf(null, 'not one of the listed choices');
}

/** ISO 8601 or RFC 5322 dates with an explicit zone become UTC ISO strings; others stay as written. */
function readDatetime(raw: string, leaf: (v: unknown, note?: string | null) => FormField): FormField {
  const text = raw.trim().slice(0, 200);
  const zoned = /(?:Z|[+-]\d{2}:?\d{2}|\b(?:UTC|GMT))\s*$/i.test(text) || /\d{4}-\d{2}-\d{2}T[\d:.]+(?:Z|[+-]\d{2}:?\d{2})/.test(text);
  const time = zoned ? Date.parse(text) : Number.NaN;
  if (!Number.isNaN(time)) return leaf(new Date(time).toISOString());
  return leaf(text, 'no explicit time zone; kept as written');
}

const NOT_IN_ADDRESS = new Set([...'<>()"\',;:[]']);
const TLD = /\.([A-Za-z]{2,63})/g;

/**
 * The first `local@domain.tld` in an answer (local part ≤ 64, domain ≤ 253 characters,
 * RFC 5321 §4.5.3.1). Each `@` looks at most that far either side, so the search is
 * linear where the equivalent pattern retried its bounded runs from every position.
 */
function firstEmailAddress(text: string): string | null {
  const allowed = (ch: string | undefined) => ch !== undefined && !NOT_IN_ADDRESS.has(ch) && !/\s/.test(ch);
  for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', at + 1)) {
    let start = at;
    while (start > 0 && at - start < 64 && allowed(text[start - 1]) && text[start - 1] !== '@') start--;
    if (start === at) continue;
    let end = at + 1;
    while (end < text.length && end - at - 1 < 253 && allowed(text[end]) && text[end] !== '@') end++;
    const domain = text.slice(at + 1, end);
    const tld = lastTld(domain);
    if (tld !== -1) return text.slice(start, at + 1 + tld);
  }
  return null;
}

/** The end of the longest `….tld` prefix of `domain` (the pattern's greedy match), or -1. */
function lastTld(domain: string): number {
  let best = -1;
  TLD.lastIndex = 0;
  for (let match = TLD.exec(domain); match; match = TLD.exec(domain)) {
    if (match.index > 0) best = match.index + match[0].length;
    TLD.lastIndex = match.index + 1;
  }
  return best;
}
