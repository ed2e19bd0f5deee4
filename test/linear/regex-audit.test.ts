import path from 'node:path';
import { check } from 'recheck';
import { describe, expect, it } from 'vitest';
import { regexInventory } from '../../test-support/regex-inventory.js';

/**
 * Linear by construction (docs/research/linear-audit.md): every regular expression in
 * src/ is checked with recheck (a ReDoS checker that finds polynomial as well as
 * exponential backtracking). A pattern it calls vulnerable, or cannot decide, must be
 * listed here with the reason its input is bounded; anything else fails the build.
 */
const BOUNDED: Array<{ file: string; source: string; why: string }> = [
  { file: 'src/ingest/lmtp-handoff.ts', source: '\\bstored as (\\S+) seq (\\d+) \\((new|followup|duplicate)\\)', why: 'the reply line of our own daemon (bounded by the SMTP line length); recheck cannot decide it' },
  { file: 'src/report/formats/x-arf-lines.ts', source: '^([A-Za-z][A-Za-z0-9_-]{0,60})[ \\t]*:[ \\t]*(.*)$', why: 'anchored, applied to one line at a time: the final `.*$` cannot fail on a line, so nothing is retried (scaling test: X-ARF)' },
  { file: 'src/config/schema.ts', source: '^[^\\s@<>()",;:]+@[^\\s@<>()",;:]+\\.[^\\s@<>()",;:]+$', why: 'team addresses from the operator\'s configuration, never from mail' },
  {
    file: 'src/openpgp/armor.ts',
    source: '^-----BEGIN PGP (MESSAGE|SIGNED MESSAGE|SIGNATURE|PUBLIC KEY BLOCK|PRIVATE KEY BLOCK)-----[ \\t]*\\r?$',
    why: 'the blank run follows a literal that starts a line, so each blank is read once per BEGIN line (recheck times out; the scaling test covers it)',
  },
  { file: 'src/openpgp/pgp-operations.ts', source: 'session key|decryption key|no (secret|private) key|password or key|decrypt.*key|key.*not found', why: 'the library\'s error text, cut to 300 characters first' },
  { file: 'src/openpgp/pgp-operations.ts', source: 'grammar|unexpected packet|packet.*not allowed|Can only verify message with one literal', why: 'the library\'s error text, cut to 300 characters first' },
  {
    file: 'src/report/forms/timezone.ts',
    source: '\\b(?:Africa|America|Antarctica|Asia|Atlantic|Australia|Europe|Indian|Pacific|Etc)\\/[A-Za-z_]{2,30}(?:\\/[A-Za-z_]{2,30})?\\b',
    why: 'bounded quantifiers: at most ~75 characters are read from each start, and the answer is one form line (scaling test: form parser)',
  },
  {
    file: 'src/report/indicators/domains.ts',
    source: '(?<![0-9A-Za-z@._-])(?:[0-9A-Za-z](?:[0-9A-Za-z-]{0,61}[0-9A-Za-z])?\\.){1,10}[A-Za-z][0-9A-Za-z-]{0,62}(?![0-9A-Za-z@_-]|\\.[0-9A-Za-z])',
    why: 'bounded quantifiers: at most 10 labels of 63, so at most ~700 characters are read from each start (scaling test: indicators)',
  },
];

const sites = regexInventory(path.resolve(import.meta.dirname, '../..'));

describe('regular expressions in src/', () => {
  it('finds them all (literals and new RegExp with a literal pattern)', () => {
    expect(sites.length).toBeGreaterThan(150);
    expect(sites.some((s) => s.file === 'src/model/raw-headers.ts')).toBe(true);
  });

  it('none backtracks super-linearly unless its input is bounded', { timeout: 600_000 }, async () => {
    const flagged: string[] = [];
    for (const site of sites) {
      const result = await check(site.source, site.flags, { timeout: 10_000, randomSeed: 11 });
      if (result.status === 'safe') continue;
      if (BOUNDED.some((b) => b.file === site.file && b.source === site.source)) continue;
      flagged.push(`${site.file}:${site.line} /${site.source}/${site.flags} — ${result.status} ${'complexity' in result && result.complexity ? result.complexity.summary : ''}`);
    }
    expect(flagged).toEqual([]);
  });

  it('every allowlisted pattern still exists', () => {
    for (const bounded of BOUNDED) expect(sites.some((s) => s.file === bounded.file && s.source === bounded.source), bounded.source).toBe(true);
  });
});
