/**
 * Trims and searches that stay linear in their input. A pattern such as `/[ \t]+$/` is
 * quadratic on sender text: on "a   …   b" the engine retries the run of blanks from
 * every position (docs/research/linear-audit.md). These are loops over the string.
 */
const WHITESPACE = /\s/;

/** `text` without the trailing characters that `drop` accepts. */
export function trimEndWhere(text: string, drop: (ch: string) => boolean): string {
  let end = text.length;
  while (end > 0 && drop(text[end - 1]!)) end--;
  return end === text.length ? text : text.slice(0, end);
}

/** `text` without the leading characters that `drop` accepts. */
export function trimStartWhere(text: string, drop: (ch: string) => boolean): string {
  let start = 0;
  while (start < text.length && drop(text[start]!)) start++;
  return start === 0 ? text : text.slice(start);
}

/** `text` without trailing characters from `chars` (e.g. `' \t'`). */
export function trimEndChars(text: string, chars: string): string {
  return trimEndWhere(text, (ch) => chars.includes(ch));
}

export function trimStartChars(text: string, chars: string): string {
  return trimStartWhere(text, (ch) => chars.includes(ch));
}

/** Trailing characters from `chars` and whitespace (`\s`, as trimEnd). */
export function trimEndCharsAndSpace(text: string, chars: string): string {
  return trimEndWhere(text, (ch) => chars.includes(ch) || WHITESPACE.test(ch));
}

/**
 * The maximal runs of characters that `keep` accepts, in order: a tokenizer for
 * "words made of these characters" that a global pattern like `/[^\s<>]+@[^\s<>]+/g`
 * would rescan from every start inside a long run without `@`.
 */
export function* runsOf(text: string, keep: (ch: string) => boolean): Generator<string> {
  let start = -1;
  for (let i = 0; i <= text.length; i++) {
    const inside = i < text.length && keep(text[i]!);
    if (inside && start === -1) start = i;
    else if (!inside && start !== -1) {
      yield text.slice(start, i);
      start = -1;
    }
  }
}
