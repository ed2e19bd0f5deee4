import { stripHtml } from '../../model/html-text.js';

/**
 * A last resort for an HTML-only body that mailparser did not turn into text (it skips
 * very large HTML): block-level tags become line breaks, other tags go, and the common
 * entities are decoded. One pass over the tags (model/html-text.ts).
 */
const LINE_BREAK = /^(?:br|\/p|\/div|\/tr|\/li|\/h\d|\/pre)\b/i;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

export function htmlToPlainText(html: string, maxChars: number): string {
  const text = stripHtml(html.slice(0, maxChars), {
    dropElements: [],
    maxTagLength: 2000,
    isLineBreak: (inner) => inner.length <= 1000 && LINE_BREAK.test(inner),
    swallowAfterBreak: false,
  });
  return text.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]{2,8});/gi, (match, entity: string) => decodeEntity(entity) ?? match);
}

function decodeEntity(entity: string): string | undefined {
  const lower = entity.toLowerCase();
  if (lower.startsWith('#')) {
    const code = lower.startsWith('#x') ? Number.parseInt(lower.slice(2), 16) : Number.parseInt(lower.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : undefined;
  }
  return ENTITIES[lower];
}
