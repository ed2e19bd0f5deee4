import type { Classification, FormField, FormFields } from '../../model/message-record.js';
import { normalizeText } from '../forms/normalize-label.js';

/**
 * What rules look at: which reader matched, the fields, the Subject, one normalised text
 * of Subject + answers + free text (for keyword rules), the classifications so far (for
 * priority rules) and whether a declared attack source lies in the constituency.
 */
export interface RuleInput {
  template: string;
  fields: FormFields;
  subject: PhraseIndex;
  text: PhraseIndex;
  classes: Classification[];
  sourceInConstituency: boolean;
}

/**
 * Whole-word phrase search in one normalised text; phrases are normalised once each. A
 * phrase one of whose words is absent from the text is answered from the word set,
 * without scanning the text: a hundred rules over a 50 KB log stay cheap.
 */
export class PhraseIndex {
  private readonly padded: string;
  private readonly words: Set<string>;
  private readonly answers = new Map<string, boolean>();

  constructor(text: string) {
    const norm = normalizeText(text);
    this.padded = ` ${norm} `;
    this.words = new Set(norm.split(' '));
  }

  has(phrase: string): boolean {
    let answer = this.answers.get(phrase);
    if (answer === undefined) {
      const { padded, words } = normalizedPhrase(phrase);
      answer = words.length > 0 && words.every((w) => this.words.has(w)) && this.padded.includes(padded);
      this.answers.set(phrase, answer);
    }
    return answer;
  }
}

/** Rule phrases come from configuration, so this memo is bounded by the rules file. */
const PHRASES = new Map<string, { padded: string; words: string[] }>();

function normalizedPhrase(phrase: string): { padded: string; words: string[] } {
  let entry = PHRASES.get(phrase);
  if (!entry) {
    const norm = normalizeText(phrase);
    entry = { padded: ` ${norm} `, words: norm === '' ? [] : norm.split(' ') };
    if (PHRASES.size < 10_000) PHRASES.set(phrase, entry);
  }
  return entry;
}

/** Every leaf at a dotted path; repeated groups (arrays) are searched element by element. */
export function fieldLeaves(fields: FormFields, path: string): FormField[] {
  let nodes: unknown[] = [fields];
  for (const segment of path.split('.')) {
    nodes = nodes.flatMap((node) => {
      const next = Array.isArray(node) ? node.map((n) => (n as FormFields)[segment]) : [(node as FormFields)[segment]];
      return next.flatMap((n) => (Array.isArray(n) ? n : [n])).filter((n) => n !== undefined && n !== null);
    });
  }
  return nodes.filter((n): n is FormField => typeof n === 'object' && n !== null && 'raw' in n);
}

/** Every answer's raw text, for the keyword index (bounded by the caller). */
export function answerTexts(fields: FormFields, out: string[] = []): string[] {
  for (const value of Object.values(fields)) {
    if (Array.isArray(value)) for (const element of value) answerTexts(element, out);
    else if ('raw' in value && typeof (value as FormField).raw === 'string') out.push((value as FormField).raw);
    else answerTexts(value as FormFields, out);
  }
  return out;
}

/**
 * Answers that may name indicators: not the reporter's own contact details, the other
 * contacts or the disclosure answers (an e-mail domain of the reporter is no indicator).
 */
export function indicatorAnswerTexts(fields: FormFields): string[] {
  const { reporter: _r, contacts: _c, disclosure: _d, report, ...rest } = fields;
  const cover = report && !Array.isArray(report) && !('raw' in report) ? (report as FormFields).cover_note : undefined;
  const out = answerTexts(rest as FormFields);
  if (cover && !Array.isArray(cover) && 'raw' in cover) out.push((cover as FormField).raw);
  return out;
}
