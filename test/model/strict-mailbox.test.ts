import { describe, expect, it } from 'vitest';
import { normalizeAddress, parseStrictMailbox } from '../../src/model/strict-mailbox.js';

describe('parseStrictMailbox', () => {
  it.each([
    ['alice@example.org', 'alice@example.org'],
    ['Alice <alice@example.org>', 'alice@example.org'],
    ['"Doe, Alice" <alice@Example.ORG>', 'alice@example.org'],
    ['=?utf-8?q?J=C3=B6rg?= <joerg@example.de>', 'joerg@example.de'],
    ['"manager@bigcorporation.example" <eve@evil.example>', 'eve@evil.example'],
    ['  <bob.smith+cert@sub.example.net>  ', 'bob.smith+cert@sub.example.net'],
    ['jörg@bücher.example', 'jörg@bücher.example'],
  ])('accepts %s', (value, address) => {
    const parsed = parseStrictMailbox(value);
    expect(parsed).toMatchObject({ ok: true, address });
  });

  // docs/research/security.md §1.2: parser differentials that must never yield an address.
  it.each([
    ['', 'empty'],
    ['manager@bigcorporation.example(x).evil.example', 'comment'],
    ['manager@bigcorporation.example (x).evil.example', 'comment'],
    ['<manager@bigcorporation.example (c)>eve@evil.example', 'comment'],
    ['<manager@bigcorporation.example>eve@evil.example', 'text-after-address'],
    ['alice@example.org, eve@evil.example', 'several-mailboxes'],
    ['undisclosed-recipients:;', 'group-syntax'],
    ['The Manager', 'no-address'],
    ['manager@bigcorporation.example <eve@evil.example>', 'address-in-display-name'],
    ['=?utf-8?b?YXR0YWNrZXJAZXZpbC5jb20=?=', 'encoded-word-in-address'],
    ['"x@good.example x"@internal.example', 'quoted-local-part'],
    ['user%evil.example@good.example', 'source-route-local-part'],
    ['a@b@c.example', 'not-one-at-sign'],
    ['alice@localhost', 'invalid-domain'],
    ['alice@exa mple.org', 'whitespace-in-address'],
    ['<<alice@example.org>>', 'unbalanced-angle-brackets'],
    ['"unterminated <alice@example.org>', 'unbalanced-quotes'],
  ])('refuses %j (%s)', (value, problem) => {
    expect(parseStrictMailbox(value)).toEqual({ ok: false, problem });
  });
});

describe('normalizeAddress', () => {
  it('compares case-insensitively with the IDNA domain', () => {
    expect(normalizeAddress('Alice@Bücher.Example')).toBe(normalizeAddress('alice@xn--bcher-kva.example'));
  });
});
