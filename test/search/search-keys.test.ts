import { describe, expect, it } from 'vitest';
import { classifyTerm } from '../../src/search/classify-term.js';
import { addressKey, domainKey, domainRange, networkRange, normalizeHostName } from '../../src/search/search-keys.js';
import { fts5Phrase, queryTokens } from '../../src/search/search-text.js';

describe('search keys', () => {
  it('keys addresses by family and bits, IPv4-mapped IPv6 as IPv4', () => {
    expect(addressKey('198.51.100.7')).toBe('4c6336407');
    expect(addressKey('::ffff:198.51.100.7')).toBe('4c6336407');
    expect(addressKey('2001:DB8::1')).toBe(`6${'20010db8'}${'0'.repeat(23)}1`);
    expect(addressKey('198.51.100.256')).toBeNull();
    expect(addressKey('example.org')).toBeNull();
  });

  it('turns networks into the first and last address they cover', () => {
    expect(networkRange('198.51.100.0/24')).toEqual({ lo: '4c6336400', hi: '4c63364ff' });
    expect(networkRange('198.51.100.77/24')).toEqual({ lo: '4c6336400', hi: '4c63364ff' });
    expect(networkRange('0.0.0.0/0')).toEqual({ lo: '400000000', hi: '4ffffffff' });
    expect(networkRange('198.51.100.7/32')).toEqual({ lo: '4c6336407', hi: '4c6336407' });
    expect(networkRange('::ffff:198.51.100.0/120')).toEqual({ lo: '4c6336400', hi: '4c63364ff' });
    expect(networkRange('2001:db8::/32')?.lo).toBe(`620010db8${'0'.repeat(24)}`);
    expect(networkRange('198.51.100.0/33')).toBeNull();
    expect(networkRange('198.51.100.0/24/1')).toBeNull();
    // The neighbour's range does not overlap.
    const a = networkRange('198.51.100.0/24')!;
    const b = networkRange('198.51.101.0/24')!;
    expect(a.hi < b.lo).toBe(true);
  });

  it('keys domains by reversed labels so subdomains are a prefix range and look-alikes are not', () => {
    expect(normalizeHostName('WWW.Example.ORG.')).toBe('www.example.org');
    expect(normalizeHostName('bücher.example')).toBe('xn--bcher-kva.example');
    expect(normalizeHostName('not a host')).toBeNull();
    const range = domainRange('example.org');
    const inside = (host: string) => domainKey(host) >= range.lo && domainKey(host) < range.hi;
    expect(inside('example.org')).toBe(true);
    expect(inside('a.b.example.org')).toBe(true);
    expect(inside('badexample.org')).toBe(false);
    expect(inside('example.org.evil')).toBe(false);
  });

  it('classifies terms by form', () => {
    const kind = (t: string) => {
      const q = classifyTerm(t, 'XYZ');
      return q.kind === 'overlap' || q.kind === 'range' ? `${q.kind}:${q.kinds.join('+')}` : q.kind;
    };
    expect(kind('XYZ-2026-00042')).toBe('ticket');
    expect(kind('198.51.100.7')).toBe('overlap:ip+net');
    expect(kind('2001:db8::/48')).toBe('overlap:ip+net');
    expect(kind('CVE-2021-44228')).toBe('overlap:cve');
    expect(kind('a@b.example')).toBe('overlap:email');
    expect(kind('https://x.example/a')).toBe('range:url');
    expect(kind('0B48262379B53BFC')).toBe('overlap:keyid');
    expect(kind('d41d8cd98f00b204e9800998ecf8427e')).toBe('overlap:hash');
    expect(kind('E4A7D13E9392012E88BA501F0B48262379B53BFC')).toBe('overlap:hash+fpr');
    expect(kind('evil.example')).toBe('range:domain');
    expect(kind('e.g.')).toBe('words');
    expect(kind('1.2')).toBe('words');
    expect(kind('lateral movement')).toBe('words');
  });

  it('makes full-text phrases that cannot be read as FTS5 syntax', () => {
    expect(queryTokens('"NEAR(a b)" OR x*')).toEqual(['near', 'a', 'b', 'or', 'x']);
    expect(fts5Phrase(['a"b', 'c'])).toBe('"a""b c"');
    expect(queryTokens('!!! ***')).toEqual([]);
  });
});
