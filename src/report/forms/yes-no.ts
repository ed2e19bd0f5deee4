/**
 * Yes/No answers in English and German, and the check-box styles of plain-text forms:
 * `[x] Yes [ ] No`, `(X) no`, `Yes [x]`, `X Yes` (docs/research/forms.md §7.7).
 */
const YES = new Set(['y', 'yes', 'j', 'ja', 'true', 'oui', 'si']);
const NO = new Set(['n', 'no', 'nein', 'false', 'non']);
const BOX_BEFORE = /(?:\[[xX*✓✔]\]|\([xX*✓✔]\)|[☒☑✔✓])\s{0,3}([A-Za-z]{1,5})\b/;
const BOX_AFTER = /\b([A-Za-z]{1,5})\s{0,3}(?:\[[xX*✓✔]\]|\([xX*✓✔]\)|[☒☑])/;
const X_WORD = /^\s{0,3}[xX]\s{1,3}([A-Za-z]{1,5})\b/;

const TICKED = /^(?:\[[xX*✓✔]\]|\([xX*✓✔]\)|[xX✓✔☒☑])$/;
const UNTICKED = /^(?:\[\s?\]|\(\s?\)|☐)$/;

export function readYesNo(raw: string): boolean | null {
  const text = raw.slice(0, 400);
  // A category list answered by ticking: a lone mark is "yes", an empty box "no".
  if (TICKED.test(text.trim())) return true;
  if (UNTICKED.test(text.trim())) return false;
  for (const pattern of [BOX_BEFORE, BOX_AFTER, X_WORD]) {
    const word = pattern.exec(text)?.[1]?.toLowerCase();
    if (word && (YES.has(word) || NO.has(word))) return YES.has(word);
  }
  const first = /[A-Za-z]{1,8}/.exec(text)?.[0]?.toLowerCase() ?? '';
  if (YES.has(first)) return true;
  if (NO.has(first)) return false;
  return null;
}
