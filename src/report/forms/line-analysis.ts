import type { PreparedLine } from '../text/prepare-text.js';
import { labelCandidates, splitNumber, type LabelCandidate } from './label-line.js';
import { normalizeLabel, normalizeLabelStart } from './normalize-label.js';

/**
 * What the template scorer and the parser both need to know about a line, computed once
 * per line and only as far as asked: a log line whose first word starts no label of any
 * template is never normalised further (most of a 50 KB log-heavy report).
 */
export interface LineAnalysis {
  number: string | null;
  rest: string;
  /** First word of the normalised line: the cheap test "could a label start here?". */
  firstWord: string;
}

interface Memo extends LineAnalysis {
  candidates?: LabelCandidate[];
  whole?: string;
  paddedWhole?: string;
  start?: string;
}

const memo = new WeakMap<PreparedLine, Memo>();

export function analyze(line: PreparedLine): LineAnalysis {
  return memoOf(line);
}

export function candidatesOf(line: PreparedLine): LabelCandidate[] {
  const m = memoOf(line);
  return (m.candidates ??= labelCandidates(m.rest));
}

/** The whole line after its number, normalised (for headings, labels without a colon, phrases). */
export function wholeOf(line: PreparedLine): string {
  const m = memoOf(line);
  return (m.whole ??= normalizeLabel(m.rest));
}

/** Whole-word phrase test on the normalised line (titles, headings, instructions). */
export function lineContains(line: PreparedLine, phrase: string): boolean {
  const m = memoOf(line);
  m.paddedWhole ??= ` ${wholeOf(line)} `;
  return phrase !== '' && m.paddedWhole.includes(` ${phrase} `);
}

/** The line as the first line of a wrapped label (an unclosed parenthesis runs on). */
export function startOf(line: PreparedLine): string {
  const m = memoOf(line);
  return (m.start ??= normalizeLabelStart(m.rest));
}

/**
 * The first word as normalizeLabel would leave it, without its full work: a leading
 * parenthesis or bracket (which normalizeLabel drops whole) gives "*", "cannot tell".
 */
function firstWordOf(rest: string): string {
  if (rest.startsWith('(') || rest.startsWith('[')) return '*';
  const words = /[\p{L}\p{N}]+/u.exec(rest.slice(0, 48).toLowerCase());
  const word = words?.[0] ?? '';
  if (word === 'e' && /^e[^\p{L}\p{N}]+mail\b/iu.test(rest)) return 'email';
  return word.replace(/isation/g, 'ization');
}

function memoOf(line: PreparedLine): Memo {
  let m = memo.get(line);
  if (!m) {
    const { number, rest } = splitNumber(line.text);
    m = { number, rest, firstWord: firstWordOf(rest) };
    memo.set(line, m);
  }
  return m;
}
