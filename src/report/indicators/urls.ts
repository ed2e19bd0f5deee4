/**
 * URLs with an explicit scheme (after refanging, so `hxxp://` counts). Brackets stay in
 * (IPv6 literals); trailing sentence punctuation and an unbalanced closing parenthesis
 * are not part of the URL. Each candidate must survive the WHATWG URL parser.
 */
const URL_PATTERN = /(?<![0-9A-Za-z])(?:https?|ftp):\/\/[^\s<>"'`{}|\\^]{1,2048}/gi;

export function findUrls(text: string): URL[] {
  const found = new Map<string, URL>();
  for (const match of text.matchAll(URL_PATTERN)) {
    const url = parseUrl(trimTrailing(match[0]));
    if (url && url.hostname !== '') found.set(url.href, url);
  }
  return [...found.values()];
}

/**
 * Sentence punctuation, then unbalanced `)` and `]`, come off the end. The bracket
 * counts are taken once and updated as characters go, so the trim is linear.
 */
function trimTrailing(candidate: string): string {
  let open = count(candidate, '(') - count(candidate, ')');
  let squareOpen = count(candidate, '[') - count(candidate, ']');
  let end = candidate.length;
  const punctuation = (ch: string | undefined) => ch !== undefined && TRAILING_PUNCTUATION.includes(ch);
  while (end > 0 && punctuation(candidate[end - 1])) end--;
  while (end > 0 && candidate[end - 1] === ')' && open < 0) {
    end--;
    open++;
    while (end > 0 && punctuation(candidate[end - 1])) end--;
  }
  while (end > 0 && candidate[end - 1] === ']' && squareOpen < 0) {
    end--;
    squareOpen++;
  }
  return candidate.slice(0, end);
}

const TRAILING_PUNCTUATION = '.,;:!?\'"*';

function count(text: string, ch: string): number {
  let n = 0;
  for (const c of text) if (c === ch) n++;
  return n;
}

function parseUrl(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}
