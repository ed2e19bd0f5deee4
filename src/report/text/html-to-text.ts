/**
 * A last resort for an HTML-only body that mailparser did not turn into text (it skips
 * very large HTML): block-level tags become line breaks, other tags go, and the common
 * entities are decoded. Linear: every pattern is bounded and never nested.
 */
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

export function htmlToPlainText(html: string, maxChars: number): string {
  return html
    .slice(0, maxChars)
    .replace(/<(?:br|\/p|\/div|\/tr|\/li|\/h\d|\/pre)\b[^>]{0,1000}>/gi, '\n')
    .replace(/<[^>]{0,2000}>/g, '')
    .replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]{2,8});/gi, (match, entity: string) => decodeEntity(entity) ?? match);
}

function decodeEntity(entity: string): string | undefined {
  const lower = entity.toLowerCase();
  if (lower.startsWith('#')) {
    const code = lower.startsWith('#x') ? Number.parseInt(lower.slice(2), 16) : Number.parseInt(lower.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : undefined;
  }
  return ENTITIES[lower];
}
