import { describe, expect, it } from 'vitest';
import { prepareText } from '../../../src/report/text/prepare-text.js';

const texts = (text: string, html: string | null = null) => prepareText({ text, html, attachments: [] }, 1 << 20).lines.map((l) => l.text);

describe('preparing the body text', () => {
  it('drops armour blocks that are no report text: undecrypted ciphertext, keys, signatures', () => {
    const body = 'before\n-----BEGIN PGP MESSAGE-----\n\nhQEMA+abc\n-----END PGP MESSAGE-----\nmiddle\n-----BEGIN PGP PUBLIC KEY BLOCK-----\nmQIN\n-----END PGP PUBLIC KEY BLOCK-----\nafter';
    expect(texts(body)).toEqual(['before', 'middle', 'after']);
  });

  it('keeps quote depth and strips "> > " and ">>" prefixes', () => {
    const lines = prepareText({ text: 'a\n> b\n> > c\n>>d', html: null, attachments: [] }, 1000).lines;
    expect(lines.map((l) => [l.text, l.depth])).toEqual([['a', 0], ['b', 1], ['c', 2], ['d', 2]]);
  });

  it('cuts a short "-- " signature, and a bare "--" only before at most four lines', () => {
    expect(texts('text\n-- \nJane\nExample Org')).toEqual(['text']);
    expect(texts('text\n--\nJane')).toEqual(['text']);
    expect(texts('log\n--\n1\n2\n3\n4\n5')).toEqual(['log', '--', '1', '2', '3', '4', '5']);
  });

  it('reads an HTML-only body as text, and cuts an over-long body at the budget', () => {
    expect(texts('', '<p>1. name: <b>Ann</b></p><p>2. x &amp; y</p>')).toEqual(['1. name: Ann', '2. x & y', '']);
    const cut = prepareText({ text: 'a'.repeat(50), html: null, attachments: [] }, 10);
    expect(cut.truncated).toBe(true);
    expect(cut.lines[0]!.text).toBe('a'.repeat(10));
  });
});
