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

function trimTrailing(candidate: string): string {
  let url = candidate.replace(/[.,;:!?'"*]+$/, '');
  while (url.endsWith(')') && count(url, '(') < count(url, ')')) url = url.slice(0, -1).replace(/[.,;:!?'"*]+$/, '');
  while (url.endsWith(']') && count(url, '[') < count(url, ']')) url = url.slice(0, -1);
  return url;
}

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
