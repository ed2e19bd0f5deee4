/**
 * Labels are matched by normalised text (docs/research/forms.md §7.4): lower case, examples
 * in parentheses dropped ("(e.g., cert.org)", "(Yes/No)"), dot leaders and punctuation
 * gone, "e-mail" = "email", British "-isation" = "-ization". The same function normalises
 * the template labels and the reporter's lines. Input is cut to MAX_LABEL characters and
 * every pattern is bounded, so a hostile line costs at most linear time.
 */
export const MAX_LABEL = 240;

export function normalizeLabel(text: string): string {
  return text
    .slice(0, MAX_LABEL)
    .toLowerCase()
    .replace(/\([^()]{0,240}\)/g, ' ')
    .replace(/\[[^[\]]{0,240}\]/g, ' ')
    .replace(/isation/g, 'ization')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .replace(/\be mail\b/g, 'email')
    .trim();
}

/** The first line of a wrapped label: an unclosed parenthesis runs on to the next line. */
export function normalizeLabelStart(text: string): string {
  const cut = text.slice(0, MAX_LABEL);
  const open = cut.lastIndexOf('(');
  return normalizeLabel(open >= 0 && cut.indexOf(')', open) < 0 ? cut.slice(0, open) : cut);
}

/** Whole-word phrase test on normalised text: `hay` and `phrase` are both normalised. */
export function containsPhrase(hay: string, phrase: string): boolean {
  if (phrase === '') return false;
  return ` ${hay} `.includes(` ${phrase} `);
}

/** Normalisation for long texts (subjects, answers, logs): no length cut, no parentheses dropped. */
export function normalizeText(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .replace(/\be mail\b/g, 'email')
    .trim();
}
