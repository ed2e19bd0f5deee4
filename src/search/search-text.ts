/**
 * The words of a report as both engines index them. The text is folded (NFKD, marks
 * removed, lower case) and cut into runs of letters and digits here, once, so that
 * SQLite FTS5 and PostgreSQL's tsvector see the same tokens and a search means the same
 * on either engine ("koln" finds "Köln" on both; "evil-domain" is the phrase
 * "evil domain" on both).
 */
const TOKEN = /[\p{L}\p{N}]+/gu;

/** Characters of report text indexed per message: PostgreSQL caps a tsvector at 1 MiB. */
export const MAX_INDEXED_CHARS = 256 * 1024;
/** Tokens per query term: a phrase, not a document. */
const MAX_QUERY_TOKENS = 32;

export function fold(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase();
}

/** The text as space-separated tokens, at most MAX_INDEXED_CHARS of the input. */
export function indexTokens(text: string): string {
  return (fold(text.slice(0, MAX_INDEXED_CHARS)).match(TOKEN) ?? []).join(' ');
}

/** A query term's tokens (a phrase when more than one); empty when it has none. */
export function queryTokens(term: string): string[] {
  return (fold(term).match(TOKEN) ?? []).slice(0, MAX_QUERY_TOKENS);
}

/** An FTS5 phrase: tokens in a string literal, so no token is ever read as FTS5 syntax. */
export function fts5Phrase(tokens: readonly string[]): string {
  return `"${tokens.join(' ').replace(/"/g, '""')}"`;
}
