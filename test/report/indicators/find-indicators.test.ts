import { describe, expect, it } from 'vitest';
import { findIndicators } from '../../../src/report/indicators/find-indicators.js';
import { findAddresses } from '../../../src/report/indicators/ip-addresses.js';
import { parseHostAnswer } from '../../../src/report/indicators/host-answer.js';
import { refang } from '../../../src/report/indicators/refang.js';

describe('IPv4 extraction', () => {
  it('finds addresses between words, punctuation, ports and sentence ends', () => {
    const text = 'from 192.0.2.10, then (198.51.100.23) and 203.0.113.5:22; last seen 192.0.2.11.';
    expect(findAddresses(text).ips).toEqual(['192.0.2.10', '198.51.100.23', '203.0.113.5', '192.0.2.11']);
  });

  it('rejects digits or dots glued on: 10.0.0.1.2, 1192.0.2.1, 192.0.2.1000, 192.0.2.10x', () => {
    expect(findAddresses('10.0.0.1.2 1192.0.2.1 192.0.2.1000 192.0.2.10x a192.0.2.7').ips).toEqual([]);
  });

  it('rejects 0.0.0.0, netmasks and leading zeros, and /0', () => {
    expect(findAddresses('0.0.0.0 255.255.255.0 192.0.002.1 0.0.0.0/0 192.0.2.0/0')).toEqual({ ips: [], cidrs: [] });
  });

  it('treats version numbers as versions, not addresses', () => {
    expect(findAddresses('OpenSSH version 7.4.1.2, firmware 10.2.0.1, v1.2.3.4, Apache 2.4.41').ips).toEqual([]);
  });

  it('does not read timestamps or dates as addresses', () => {
    const text = 'Mar 14 02:10:33 web1 sshd[1234]: 2003-03-14T02:10:33Z 14.03.2003 12:00:01.123';
    expect(findAddresses(text)).toEqual({ ips: [], cidrs: [] });
  });

  it('keeps networks apart from addresses', () => {
    expect(findAddresses('block 198.51.100.0/24 and 192.0.2.10/32')).toEqual({ ips: [], cidrs: ['198.51.100.0/24', '192.0.2.10/32'] });
  });
});

describe('IPv6 extraction', () => {
  it('finds compressed, full and bracketed addresses in canonical form', () => {
    const text = 'src 2001:DB8::1 dst [2001:db8:0:0:0:0:0:2]:443 and 2001:db8:85a3::8a2e:370:7334.';
    expect(findAddresses(text).ips).toEqual(['2001:db8::1', '2001:db8::2', '2001:db8:85a3::8a2e:370:7334']);
  });

  it('drops the zone id of a link-local address', () => {
    expect(findAddresses('ping fe80::1%eth0 now').ips).toEqual(['fe80::1']);
  });

  it('rejects ::, ::/0, MAC addresses, times and C++ scopes', () => {
    const text = ':: ::/0 00:1a:2b:3c:4d:5e 02:10:33 std::vector 2001:db8::/0 10:00';
    expect(findAddresses(text)).toEqual({ ips: [], cidrs: [] });
  });

  it('takes every group count an address can have and no other', () => {
    const text = 'a 1:2:3:4:5:6:7:8 b 1::8 c ::ffff:192.0.2.1 d 1:2:3:4:5:6:192.0.2.7 e 1:2:3:4:5:6:7 f 1:2:3:4:5:6:7:8:9 g 1::2:3:4:5:6:7:8';
    // The embedded IPv4 addresses are found as IPv4 too.
    expect(findAddresses(text).ips).toEqual(['192.0.2.1', '192.0.2.7', '1:2:3:4:5:6:7:8', '1::8', '::ffff:c000:201', '1:2:3:4:5:6:c000:207']);
  });

  it('finds IPv6 networks', () => {
    expect(findAddresses('prefix 2001:db8:1::/48').cidrs).toEqual(['2001:db8:1::/48']);
  });
});

describe('defanged indicators, domains, URLs, CVEs and hashes', () => {
  it('refangs [.] (.) [dot] hxxp and [:]//', () => {
    const found = findIndicators('C2 at 192.0.2[.]10, hxxp://evil[.]example[.]com/x.php and malware(dot)example(dot)net, hxxps[:]//203.0.113.9/a');
    expect(found.ips).toEqual(['192.0.2.10', '203.0.113.9']);
    expect(found.urls).toEqual(['http://evil.example.com/x.php', 'https://203.0.113.9/a']);
    expect(found.domains).toEqual(expect.arrayContaining(['evil.example.com', 'malware.example.net']));
  });

  it('undoes each defanging form on its own, and leaves a text without one as it is', () => {
    const cases: Array<[string, string]> = [
      ['a[.]b (.) {.} [DOT] (dot) {dot}', 'a.b . . . . .'],
      ['x[:]y [://] [@] [AT] (at)', 'x:y :// @ @ @'],
      ['hxxp://a hXXps://b h**p://c hxxp[:]//d', 'http://a https://b http://c http://d'],
      ['see hxxp and hXXps here', 'see http and https here'],
      ['fxp://a FXP://b', 'ftp://a ftp://b'],
      ['plain http://a.example/x 192.0.2.1', 'plain http://a.example/x 192.0.2.1'],
    ];
    for (const [text, clean] of cases) expect(refang(text)).toBe(clean);
  });

  it('finds domains with real TLDs only, not file names, e-mail domains or abbreviations', () => {
    const found = findIndicators('see www.example.org and mail.example.net; not install.sh, exploit.pl, file.txt, e.g. this, jane@example.com or foo.invalidtld');
    expect(found.domains).toEqual(['www.example.org', 'mail.example.net']);
  });

  it('trims trailing punctuation and unbalanced parentheses from URLs', () => {
    const found = findIndicators('(see https://www.example.org/path?a=1). Or <http://example.net/x>, https://example.com/wiki/A_(b)');
    expect(found.urls).toEqual(['https://www.example.org/path?a=1', 'http://example.net/x', 'https://example.com/wiki/A_(b)']);
  });

  it('finds CVE ids in any case and hashes by length', () => {
    const md5 = 'd41d8cd98f00b204e9800998ecf8427e';
    const sha256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
    const found = findIndicators(`cve-2021-44228 and CVE-2014-0160; md5 ${md5}, sha256:${sha256.toUpperCase()}`);
    expect(found.cves).toEqual(['CVE-2021-44228', 'CVE-2014-0160']);
    expect(found.hashes.md5).toEqual([md5]);
    expect(found.hashes.sha256).toEqual([sha256]);
  });

  it('does not take long decimal numbers or hex runs of other lengths for hashes', () => {
    const found = findIndicators(`${'1'.repeat(32)} ${'a'.repeat(32)} ${'ab12'.repeat(9)}`);
    expect(found.hashes).toEqual({ md5: [], sha1: [], sha256: [], sha512: [] });
  });

  it('stays fast on a hostile 200 KB line', () => {
    const hostile = `${'1.'.repeat(50_000)}${'a:'.repeat(25_000)}${'x.'.repeat(25_000)}${'f'.repeat(20_000)}`;
    const found = findIndicators(hostile);
    expect(found.ips).toEqual([]);
  });
});

describe('"hostname and IP" answers', () => {
  it('splits a name from its addresses', () => {
    expect(parseHostAnswer('web1.physics.example.edu 192.0.2.10')).toEqual({ hostname: 'web1.physics.example.edu', addresses: ['192.0.2.10'] });
    expect(parseHostAnswer('192.0.2.11')).toEqual({ hostname: null, addresses: ['192.0.2.11'] });
    expect(parseHostAnswer('mailhost (192.0.2.12, 2001:db8::12)')).toEqual({ hostname: 'mailhost', addresses: ['192.0.2.12', '2001:db8::12'] });
    expect(parseHostAnswer('198.51.100.23 (unknown)')).toEqual({ hostname: null, addresses: ['198.51.100.23'] });
  });
});
