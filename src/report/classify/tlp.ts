/**
 * Traffic Light Protocol 2.0 labels (FIRST): TLP:CLEAR, TLP:GREEN, TLP:AMBER,
 * TLP:AMBER+STRICT, TLP:RED, in the Subject or body. TLP 1.0's TLP:WHITE is read as
 * TLP:CLEAR. Several labels: the most restrictive wins, so nothing is shared more
 * widely than any part of the report allows.
 */
const ORDER = ['TLP:CLEAR', 'TLP:GREEN', 'TLP:AMBER', 'TLP:AMBER+STRICT', 'TLP:RED'];
const LABEL = /(?<![A-Za-z0-9])TLP\s{0,2}[:\-]\s{0,2}(CLEAR|WHITE|GREEN|AMBER\s{0,2}\+\s{0,2}STRICT|AMBER|RED)(?![A-Za-z0-9])/gi;

export function findTlp(texts: string[]): string | null {
  let best = -1;
  for (const text of texts) {
    for (const match of text.matchAll(LABEL)) {
      const word = (match[1] ?? '').toUpperCase().replace(/\s+/g, '');
      const label = word === 'WHITE' ? 'TLP:CLEAR' : `TLP:${word}`;
      best = Math.max(best, ORDER.indexOf(label));
    }
  }
  return best < 0 ? null : (ORDER[best] ?? null);
}
