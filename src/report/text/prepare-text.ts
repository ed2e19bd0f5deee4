import type { ReportBody } from '../../model/draft.js';
import { htmlToPlainText } from './html-to-text.js';

/**
 * One line of the report as the form parser sees it: quote prefixes removed (their depth
 * kept), OpenPGP clear-sign armour and signature blocks dropped, dash-escaping undone
 * (RFC 4880 §7.1). `lineNo` is the 1-based line in the body text, for warnings.
 */
export interface PreparedLine {
  text: string;
  depth: number;
  lineNo: number;
}

export interface PreparedText {
  lines: PreparedLine[];
  /** The body was longer than the parse budget; only its start was read. */
  truncated: boolean;
}

// `>`, `> >`, `>>`, ` > ` — each level must consume a `>`, so matching stays linear.
const QUOTE_PREFIX = /^(?:[ \t]{0,3}>)+[ \t]?/;
const QUOTE_START = /^[ \t>]/;
const SIGNED_BEGIN = '-----BEGIN PGP SIGNED MESSAGE-----';
/** Armour that is no report text: signatures, ciphertext left undecrypted, keys. */
const ARMOR_BEGIN = /^-----BEGIN PGP (SIGNATURE|MESSAGE|PUBLIC KEY BLOCK|PRIVATE KEY BLOCK)-----$/;
/** A usenet signature (RFC 3676 §4.3 "-- ") is cut only when this short. */
const MAX_SIGNATURE_LINES = 20;
/**
 * Verified clear-signed text has lost its trailing whitespace (RFC 4880 §7.1 does not
 * sign it), so "-- " arrives as "--"; that shape is taken for a delimiter only before a
 * netiquette-sized signature (RFC 1855: at most four lines).
 */
const MAX_BARE_SIGNATURE_LINES = 4;

type ArmorState = 'text' | 'armor-headers' | 'signed' | 'armor';

export function prepareText(body: ReportBody, maxChars: number): PreparedText {
  let text = body.text.trim() === '' && body.html ? htmlToPlainText(body.html, maxChars) : body.text;
  const truncated = text.length > maxChars;
  if (truncated) text = text.slice(0, maxChars);
  const lines: PreparedLine[] = [];
  let state: ArmorState = 'text';
  let armorEnd = '';
  let signatureAt = -1;
  let bareSignatureAt = -1;
  const raw = text.split(/\r?\n/);
  for (let i = 0; i < raw.length; i++) {
    const line = raw[i] ?? '';
    // Most lines start with neither blank nor `>`, and most are no armour line: the
    // expressions run only on those that may be (a million blank lines stay cheap).
    const quote = QUOTE_START.test(line) ? QUOTE_PREFIX.exec(line) : null;
    const depth = quote ? countQuotes(quote[0]) : 0;
    let content = quote ? line.slice(quote[0].length) : line;
    const marker = content.trimEnd();
    if (marker === SIGNED_BEGIN) {
      state = 'armor-headers';
      continue;
    }
    if (state === 'armor-headers') {
      // "Hash: SHA256" lines up to the blank line that starts the signed text.
      if (marker === '') state = 'signed';
      continue;
    }
    const armor = marker.startsWith('-----BEGIN PGP ') ? ARMOR_BEGIN.exec(marker) : null;
    if (armor && state !== 'armor') {
      state = 'armor';
      armorEnd = `-----END PGP ${armor[1]}-----`;
      continue;
    }
    if (state === 'armor') {
      if (marker === armorEnd) state = 'text';
      continue;
    }
    const dashEscaped = state === 'signed' && content.startsWith('- ');
    if (dashEscaped) content = content.slice(2);
    if (content === '-- ' && depth === 0) signatureAt = lines.length;
    if (content === '--' && depth === 0) bareSignatureAt = lines.length;
    lines.push({ text: dashEscaped ? content.trimEnd() : marker, depth, lineNo: i + 1 });
  }
  // A usenet signature ("-- ", RFC 3676 §4.3) ends the report when what follows is short.
  const after = (at: number) => lines.slice(at + 1).filter((l) => l.text.trim() !== '').length;
  if (signatureAt >= 0 && after(signatureAt) <= MAX_SIGNATURE_LINES) return { lines: lines.slice(0, signatureAt), truncated };
  if (bareSignatureAt >= 0 && after(bareSignatureAt) <= MAX_BARE_SIGNATURE_LINES) return { lines: lines.slice(0, bareSignatureAt), truncated };
  return { lines, truncated };
}

function countQuotes(prefix: string): number {
  let n = 0;
  for (const ch of prefix) if (ch === '>') n++;
  return n;
}
