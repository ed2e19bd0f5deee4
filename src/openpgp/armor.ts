import { stripHtml } from '../model/html-text.js';

/**
 * Finding ASCII armor (RFC 9580 §6.2) in text parts. Inline PGP is "signed by X" only
 * when the armor block is the whole text with nothing but whitespace outside it
 * (docs/research/security.md §1.1, all-or-nothing), so we report what lies outside too.
 */
export type ArmorKind = 'MESSAGE' | 'SIGNED MESSAGE' | 'SIGNATURE' | 'PUBLIC KEY BLOCK' | 'PRIVATE KEY BLOCK';

export interface ArmorBlock {
  kind: ArmorKind;
  text: string;
  start: number;
  end: number;
}

const BEGIN = /^-----BEGIN PGP (MESSAGE|SIGNED MESSAGE|SIGNATURE|PUBLIC KEY BLOCK|PRIVATE KEY BLOCK)-----[ \t]*\r?$/gm;

/**
 * Armor blocks of the text, in order (a cleartext block includes its signature). At most
 * `max`: a message of thousands of tiny blocks must not cost thousands of decryptions.
 */
export function findArmorBlocks(text: string, max = MAX_BLOCKS): ArmorBlock[] {
  const blocks: ArmorBlock[] = [];
  BEGIN.lastIndex = 0;
  for (let match = BEGIN.exec(text); match && blocks.length < max; match = BEGIN.exec(text)) {
    const kind = match[1] as ArmorKind;
    // A cleartext-signed message ends with the signature that follows it.
    const end = END[kind === 'SIGNED MESSAGE' ? 'SIGNATURE' : kind];
    end.lastIndex = match.index + match[0].length;
    const endMatch = end.exec(text);
    if (!endMatch) break;
    const stop = endMatch.index + endMatch[0].length;
    blocks.push({ kind, text: text.slice(match.index, stop), start: match.index, end: stop });
    BEGIN.lastIndex = stop;
  }
  return blocks;
}

const MAX_BLOCKS = 20;
const endMarker = (kind: string) => new RegExp(`^-----END PGP ${kind}-----[ \\t]*\\r?$`, 'gm');
const END = {
  MESSAGE: endMarker('MESSAGE'),
  SIGNATURE: endMarker('SIGNATURE'),
  'PUBLIC KEY BLOCK': endMarker('PUBLIC KEY BLOCK'),
  'PRIVATE KEY BLOCK': endMarker('PRIVATE KEY BLOCK'),
} as const;

/** The one armor block that is the whole text (only whitespace outside), else null. */
export function soleArmorBlock(text: string): ArmorBlock | null {
  const blocks = findArmorBlocks(text);
  if (blocks.length !== 1) return null;
  const [block] = blocks as [ArmorBlock];
  const outside = text.slice(0, block.start) + text.slice(block.end);
  return /^\s*$/.test(outside) ? block : null;
}

/**
 * The text an HTML part shows, enough to find armor that Outlook-style clients put in
 * an HTML body: script/style/head go with their content, line-break tags become
 * newlines, other tags go, entities are decoded. One pass (model/html-text.ts).
 */
export function htmlToArmorText(html: string): string {
  const text = stripHtml(html.replaceAll('\r\n', '\n'), {
    dropElements: ['script', 'style', 'head'],
    maxTagLength: Number.POSITIVE_INFINITY,
    isLineBreak: (inner) => BREAK_TAG.test(inner) || CLOSING_BLOCK.test(inner),
    swallowAfterBreak: true,
  });
  return text
    .replace(/&(#x?[0-9a-f]+|lt|gt|amp|quot|apos|nbsp);/gi, (_, entity: string) => decodeEntity(entity))
    .split('\n')
    .map((line) => line.trim())
    .join('\n');
}

const BREAK_TAG = /^br\s*\/?$/i;
const CLOSING_BLOCK = /^\/(?:p|div|tr|li|h\d)$/i;

function decodeEntity(entity: string): string {
  const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'", nbsp: ' ' };
  const lower = entity.toLowerCase();
  if (lower in named) return named[lower]!;
  const code = lower.startsWith('#x') ? Number.parseInt(lower.slice(2), 16) : Number.parseInt(lower.slice(1), 10);
  return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : '';
}
