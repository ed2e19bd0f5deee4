import type { FormFields } from '../../model/message-record.js';
import type { PreparedLine } from '../text/prepare-text.js';
import { lookupLabel, type CompiledTemplate } from './compile-template.js';
import { FieldTree } from './field-tree.js';
import { readValue } from './field-value.js';
import { normalizeLabel } from './normalize-label.js';
import type { FormReading } from './read-form.js';

/**
 * The key: value fallback (docs/research/forms.md §7.15) for reports that are neither a known
 * form nor a machine format: split on the *first* colon, a key of at most 60 characters
 * that starts with a letter and does not look like a timestamp (`Mar 14 02:10:33` is a log
 * line, not a key). Keys known to the key-value template map to field ids; the others are
 * kept under `other`. Mail header fields pasted into the text do not count.
 */
const MAX_KEY = 60;
const KEY = /^[A-Za-z][A-Za-z0-9 _./()#&+-]*$/;
const MAIL_HEADERS = /^(?:received|from|to|cc|bcc|subject|date|message-id|return-path|reply-to|references|in-reply-to|mime-version|content-[a-z-]+|dkim-signature|authentication-results|arc-[a-z-]+|x-[a-z0-9-]+|delivered-to|sender|list-[a-z-]+|precedence|user-agent|thread-[a-z]+)$/i;
const MAX_OTHER = 200;

export function readKeyValue(lines: PreparedLine[], template: CompiledTemplate): FormReading | null {
  const pairs: Array<{ key: string; value: string; line: number }> = [];
  const loose: string[] = [];
  for (const line of lines) {
    if (line.depth > 0) continue;
    const pair = splitPair(line.text);
    if (pair) pairs.push({ ...pair, line: line.lineNo });
    else if (!/^[ \t]+\S/.test(line.text)) loose.push(line.text);
    else if (/^[ \t]+\S/.test(line.text) && pairs.length > 0 && pairs[pairs.length - 1]!.line === line.lineNo - 1) {
      // An indented continuation of the previous value.
      const last = pairs[pairs.length - 1]!;
      last.value += `\n${line.text.trim()}`;
      last.line = line.lineNo;
    }
  }
  const counted = pairs.filter((p) => !MAIL_HEADERS.test(p.key));
  if (counted.length < template.minFields) return null;
  const tree = new FieldTree(false);
  const other: FormFields[] = [];
  let known = 0;
  // A flood repeats its keys: each distinct key is normalised and looked up once.
  const defs = new Map<string, ReturnType<typeof lookupLabel>>();
  for (const pair of counted) {
    if (!defs.has(pair.key)) defs.set(pair.key, lookupLabel(template, normalizeLabel(pair.key), true));
    const def = defs.get(pair.key)?.[0];
    if (def && tree.set(def, readValue(def, pair.value, pair.line))) known++;
    else if (other.length < MAX_OTHER) other.push({ key: { raw: pair.key, value: pair.key, line: pair.line }, value: { raw: pair.value, value: pair.value.trim(), line: pair.line } });
  }
  if (known === 0) return null;
  if (other.length > 0) tree.root.other = other;
  return { template: template.id, fields: tree.root, warnings: [], loose };
}

function splitPair(text: string): { key: string; value: string } | null {
  const colon = text.indexOf(':');
  if (colon < 1 || colon > MAX_KEY) return null;
  const key = text.slice(0, colon).trim();
  const value = text.slice(colon + 1);
  if (!KEY.test(key) || /\d$/.test(key) || key.split(/\s+/).length > 6) return null;
  if (value.startsWith('//')) return null; // a URL scheme, not a key
  return { key, value: value.trim() };
}
