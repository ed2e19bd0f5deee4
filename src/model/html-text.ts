/**
 * A single pass over HTML that drops tags, for the two places that read text out of an
 * HTML part (armor search, report text). Linear by construction: the position of the
 * next `>` only moves forward, so a body of a million `<` is read once — the regular
 * expressions it replaces (`/<[^>]*>/g`, `<script>[\s\S]*?</script>`) were quadratic on it.
 */
export interface HtmlTextOptions {
  /** Elements whose content goes with them (lower case): `script`, `style`, `head`. */
  dropElements: readonly string[];
  /** A `<` with no `>` within this many characters is text, not a tag. */
  maxTagLength: number;
  /** Whether the tag (its text between `<` and `>`) stands for a line break. */
  isLineBreak(inner: string): boolean;
  /** After a line-break tag, also swallow blanks and one newline (Outlook's `<br>\n`). */
  swallowAfterBreak: boolean;
}

export function stripHtml(html: string, options: HtmlTextOptions): string {
  const out: string[] = [];
  let textStart = 0;
  let nextGt = -1;
  const closers = new Map<string, RegExp>(options.dropElements.map((name) => [name, new RegExp(`</${name}\\s*>`, 'gi')]));
  /** Per element, the position from which its closing tag is known to be absent. */
  const noCloserFrom = new Map<string, number>();
  let i = html.indexOf('<');
  while (i !== -1) {
    if (nextGt < i) nextGt = html.indexOf('>', i);
    if (nextGt === -1) break; // no `>` anywhere after: the rest is text
    if (nextGt - i - 1 > options.maxTagLength) {
      i = html.indexOf('<', i + 1);
      continue;
    }
    const inner = html.slice(i + 1, nextGt);
    out.push(html.slice(textStart, i));
    let resume = nextGt + 1;
    const dropped = droppedElement(inner, options.dropElements);
    if (dropped) {
      const end = closingTagEnd(html, resume, dropped, closers, noCloserFrom);
      if (end !== -1) resume = end;
    } else if (options.isLineBreak(inner)) {
      out.push('\n');
      if (options.swallowAfterBreak) resume = afterBlanksAndNewline(html, resume);
    }
    textStart = resume;
    i = html.indexOf('<', resume);
  }
  out.push(html.slice(textStart));
  return out.join('');
}

/** `script` for `<script …>` (a word boundary after the name), else null. */
function droppedElement(inner: string, names: readonly string[]): string | null {
  const head = inner.slice(0, 16).toLowerCase();
  for (const name of names) {
    if (head.startsWith(name) && !/[A-Za-z0-9_]/.test(head[name.length] ?? ' ')) return name;
  }
  return null;
}

/** The position after `</name\s*>` from `from`, or -1; a failed search is remembered. */
function closingTagEnd(html: string, from: number, name: string, closers: Map<string, RegExp>, absentFrom: Map<string, number>): number {
  const known = absentFrom.get(name);
  if (known !== undefined && from >= known) return -1;
  const closer = closers.get(name)!;
  closer.lastIndex = from;
  const match = closer.exec(html);
  if (!match) {
    absentFrom.set(name, from);
    return -1;
  }
  return match.index + match[0].length;
}

function afterBlanksAndNewline(html: string, from: number): number {
  let at = from;
  while (html[at] === ' ' || html[at] === '\t') at++;
  return html[at] === '\n' ? at + 1 : at;
}
