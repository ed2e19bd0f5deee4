import { MAX_LABEL, normalizeLabel } from './normalize-label.js';

/**
 * The line grammar of a form question (docs/research/forms.md §7.4): optional number
 * (`8.`, `4.1.8.`, `14`), the label, optional dot leaders, a colon, the answer. A line
 * offers up to MAX_COLONS candidate labels — one per colon in its first MAX_LABEL
 * characters — since answers contain colons too (`Date: …`, `sshd[1234]:`).
 */
export interface LabelCandidate {
  norm: string;
  value: string;
}

export interface SplitLine {
  number: string | null;
  /** The line after its number. */
  rest: string;
}

const MAX_COLONS = 4;
const NUMBER = /^[ \t]{0,8}(\d{1,3}(?:\.\d{1,3}){0,5})[.)]?(?=[ \t]|$)[ \t]*/;

export function splitNumber(line: string): SplitLine {
  const match = NUMBER.exec(line);
  if (!match) return { number: null, rest: line.trim() };
  return { number: match[1] ?? null, rest: line.slice(match[0].length).trim() };
}

export function labelCandidates(rest: string): LabelCandidate[] {
  const candidates: LabelCandidate[] = [];
  const limit = Math.min(rest.length, MAX_LABEL);
  let from = 0;
  while (candidates.length < MAX_COLONS) {
    const colon = rest.indexOf(':', from);
    if (colon < 0 || colon >= limit) break;
    from = colon + 1;
    const norm = normalizeLabel(rest.slice(0, colon));
    if (norm !== '') candidates.push({ norm, value: rest.slice(colon + 1) });
  }
  return candidates;
}
