import type { FormFields } from '../../model/message-record.js';
import type { PreparedLine } from '../text/prepare-text.js';
import { lookupLabel, mayStartLabel, type CompiledTemplate, type FieldDef } from './compile-template.js';
import { FieldTree } from './field-tree.js';
import { readValue } from './field-value.js';
import { labelCandidates } from './label-line.js';
import { analyze, candidatesOf, lineContains, startOf, wholeOf } from './line-analysis.js';

/**
 * The template-driven line-state machine of docs/research/forms.md §7: a question line opens
 * a field; short answers take the following lines until a blank line; `block` answers
 * (descriptions, logs) are verbatim and end only at a label that comes *later* in the
 * form, so a log line such as `sshd[1234]: …` or `Date: …` never ends them. Lines
 * before the first question are the cover note; unknown lines after it are warnings.
 */
export interface FormParse {
  fields: FormFields;
  warnings: string[];
  /** Distinct fields answered. */
  matched: number;
  /** Lines that were no answer (the warnings' lines), still searched for indicators. */
  loose: string[];
}

interface OpenField {
  def: FieldDef;
  first: string;
  more: string[];
  lineNo: number;
  blankSeen: boolean;
}

interface LabelMatch {
  def: FieldDef;
  value: string;
  consumed: number;
}

/** A wrapped label may continue over this many further lines. */
const MAX_WRAP = 3;
const MAX_WARNINGS = 50;
const DECORATION = /^[\s\-=_*.~#+]*$|^[\s\-=]*(?:8<|>8|✂)|cut here|schnipp|snip/i;
/** "--- cut here ---", "8<----": the end of a pasted form, so also the end of a block answer. */
const CUT_LINE = /^[\s\-=_*~#.]{0,80}(?:cut here|hier abschneiden|schnipp|snip|8<|>8|✂)/i;
const VERSION = /\bversion\s+(\d{1,3}(?:\.\d{1,3}){0,3})\b/i;

export function parseForm(lines: PreparedLine[], template: CompiledTemplate): FormParse {
  const tree = new FieldTree();
  const warnings: string[] = [];
  const matched = new Set<FieldDef>();
  const preamble: PreparedLine[] = [];
  const loose: string[] = [];
  let open: OpenField | null = null;
  let lastIndex = -1;
  let version: string | null = null;

  const close = (): void => {
    if (!open) return;
    const raw = open.def.type === 'block' ? blockText(open.first, open.more) : [open.first, ...open.more].map((s) => s.trim()).join('\n').trim();
    if (!tree.set(open.def, readValue(open.def, raw, open.lineNo))) {
      warn(warnings, `line ${open.lineNo}: ${open.def.id} answered twice; the first answer is kept: ${clip(raw)}`);
    }
    matched.add(open.def);
    open = null;
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (matched.size === 0 && open === null) version ??= VERSION.exec(line.text)?.[1] ?? null;
    const blockIndex = open?.def.type === 'block' ? open.def.index : null;
    const match = matchLabel(lines, i, template, blockIndex, lastIndex);
    if (match) {
      close();
      open = { def: match.def, first: match.value, more: [], lineNo: line.lineNo, blankSeen: false };
      lastIndex = match.def.index;
      i += match.consumed - 1;
      continue;
    }
    const heading = mayStartLabel(template, analyze(line).firstWord) ? template.headings.get(wholeOf(line)) : undefined;
    if (heading !== undefined && (blockIndex === null || heading > blockIndex)) {
      close();
      continue;
    }
    if (open) {
      if (open.def.type === 'block' && !CUT_LINE.test(line.text)) {
        open.more.push(line.text);
        continue;
      }
      if (line.text.trim() === '') {
        open.blankSeen = true;
        continue;
      }
      if (!open.blankSeen && !DECORATION.test(line.text)) {
        open.more.push(line.text);
        continue;
      }
      close();
    }
    if (matched.size === 0 && line.text.trim() === '' && preamble.length > 0) preamble.push(line);
    if (isNoise(line, template)) continue;
    if (matched.size === 0) preamble.push(line);
    else {
      loose.push(line.text);
      warn(warnings, `line ${line.lineNo}: not a question of ${template.id}: ${clip(line.text)}`);
    }
  }
  close();
  addPreamble(tree, preamble, version);
  return { fields: tree.root, warnings, matched: matched.size, loose };
}

function matchLabel(lines: PreparedLine[], i: number, t: CompiledTemplate, blockIndex: number | null, lastIndex: number): LabelMatch | null {
  const line = lines[i]!;
  const { number, rest, firstWord } = analyze(line);
  if (rest === '' || !mayStartLabel(t, firstWord)) return null;
  for (const candidate of candidatesOf(line)) {
    const def = choose(lookupLabel(t, candidate.norm), number, lastIndex, blockIndex);
    if (def) return { def, value: candidate.value, consumed: 1 };
  }
  // A numbered label alone on its line, the answer below it ("14. Description of the
  // incident"). Without a colon the number must agree: "2.1. Your contact information"
  // is a heading, not the disclosure question 3.2.1.3 of the same words.
  if (number !== null) {
    const def = choose(lookupLabel(t, wholeOf(line), true), number, lastIndex, blockIndex);
    if (def && def.number === number) return { def, value: '', consumed: 1 };
  }
  return matchWrapped(lines, i, t, number, rest, blockIndex, lastIndex);
}

/** A label that wraps over several lines; only the last one carries the colon. */
function matchWrapped(lines: PreparedLine[], i: number, t: CompiledTemplate, number: string | null, rest: string, blockIndex: number | null, lastIndex: number): LabelMatch | null {
  const start = startOf(lines[i]!);
  if (start === '' || !(t.prefixes.has(start) || t.labels.has(start))) return null;
  let joined = rest;
  for (let k = 1; k <= MAX_WRAP; k++) {
    const next = lines[i + k];
    if (!next || next.text.trim() === '' || next.depth !== lines[i]!.depth) return null;
    joined = `${joined} ${next.text.trim()}`;
    if (!next.text.includes(':')) continue;
    for (const candidate of labelCandidates(joined)) {
      const def = choose(lookupLabel(t, candidate.norm), number, lastIndex, blockIndex);
      if (def) return { def, value: candidate.value, consumed: k + 1 };
    }
    return null;
  }
  return null;
}

/**
 * Several fields may share a label ("timezone", "name"): the line's number decides when
 * it matches one; otherwise the next such field after the last answered one, else the
 * first (a repeated group). Inside a block only later fields may end it.
 */
function choose(defs: FieldDef[] | undefined, number: string | null, lastIndex: number, blockIndex: number | null): FieldDef | null {
  if (!defs) return null;
  const pool = blockIndex === null ? defs : defs.filter((d) => d.index > blockIndex);
  if (pool.length === 0) return null;
  const numbered = number === null ? [] : pool.filter((d) => d.number === number);
  const from = numbered.length > 0 ? numbered : pool;
  return from.find((d) => d.index > lastIndex) ?? from[0] ?? null;
}

function isNoise(line: PreparedLine, t: CompiledTemplate): boolean {
  if (line.text.trim() === '' || DECORATION.test(line.text)) return true;
  return t.ignore.some((phrase) => lineContains(line, phrase)) || t.detect.some((phrase) => lineContains(line, phrase));
}

/** Verbatim, without the blank lines (and separators) around it. */
function blockText(first: string, more: string[]): string {
  const lines = [first.trim(), ...more];
  while (lines.length > 0 && lines[0]!.trim() === '') lines.shift();
  while (lines.length > 0 && (lines[lines.length - 1]!.trim() === '' || /^[\s\-=_*~#]{3,}$/.test(lines[lines.length - 1]!))) lines.pop();
  return lines.join('\n');
}

/** The cover note before the form, and the form's version, kept as fields. */
function addPreamble(tree: FieldTree, preamble: PreparedLine[], version: string | null): void {
  const text = blockText('', preamble.map((l) => l.text));
  const first = preamble[0]?.lineNo ?? null;
  const leaf = (path: string[], raw: string, value: unknown, line: number | null) => {
    tree.set({ index: -1, id: path.join('.'), group: null, path, number: null, type: 'text', choices: [], absent: new Set() }, [[[], { raw, value, line }]]);
  };
  if (version) leaf(['report', 'form_version'], `version ${version}`, version, null);
  if (text !== '') leaf(['report', 'cover_note'], text, text, first);
}

function warn(warnings: string[], message: string): void {
  if (warnings.length < MAX_WARNINGS) warnings.push(message);
  else if (warnings.length === MAX_WARNINGS) warnings.push('more unrecognised lines; not listed');
}

function clip(text: string): string {
  const trimmed = text.trim();
  return trimmed.length > 120 ? `${trimmed.slice(0, 120)}…` : trimmed;
}
