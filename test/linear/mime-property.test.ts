import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readHeaders } from '../../src/model/raw-headers.js';
import { buildMimeTree, decodeBody, walk } from '../../src/openpgp/mime-tree.js';
import { outerLimits, readOuterMessage } from '../../src/pipeline/stages/parse-mime.js';
import { testConfig } from '../helpers/test-config.js';

/**
 * Property tests over the header and MIME paths (fast-check): for any message built from
 * header folding, boundaries, nesting, transfer encodings and junk bytes, the readers never
 * throw (a cap is a verdict: EMAXLEN from the splitter, `unparseable` from parse-mime) and
 * stay within their budget (here: a second of CPU for inputs of a few tens of KB).
 */
const limits = outerLimits(testConfig('/tmp'));
const CRLF = '\r\n';
const token = fc.stringMatching(/^[A-Za-z0-9-]{1,12}$/);
const junk = fc.string({ unit: fc.constantFrom(' ', '\t', '\r', '\n', ':', ';', '=', '"', '<', '>', '-', 'a', 'é', '\u0000', '\\'), maxLength: 200 });
const header = fc.tuple(token, junk, fc.boolean()).map(([name, value, folded]) => `${name}: ${folded ? value.replace(/ /g, `${CRLF} `) : value}`);
const encoding = fc.constantFrom('7bit', '8bit', 'base64', 'quoted-printable', 'x-unknown');

const entity: fc.Memo<string> = fc.memo((depth) =>
  depth <= 1
    ? fc.tuple(fc.array(header, { maxLength: 5 }), encoding, junk).map(([headers, cte, body]) => [...headers, `Content-Transfer-Encoding: ${cte}`, '', body].join(CRLF))
    : fc.tuple(token, fc.array(entity(depth - 1), { minLength: 1, maxLength: 4 }), fc.boolean(), junk).map(([boundary, parts, closed, preamble]) =>
        [`Content-Type: multipart/mixed; boundary="${boundary}"`, '', preamble, ...parts.map((p) => `--${boundary}${CRLF}${p}`), closed ? `--${boundary}--` : ''].join(CRLF),
      ),
);

const message = fc.tuple(fc.array(header, { maxLength: 20 }), entity(4)).map(([headers, root]) => Buffer.from([...headers, root].join(CRLF), 'utf8'));

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

describe('headers and MIME, for any input', () => {
  it('readHeaders never throws and reads each field once', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), (bytes) => {
        const headers = readHeaders(Buffer.from(bytes));
        expect(headers.every((h) => !/[\r\n]/.test(h.name))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('buildMimeTree and decodeBody never throw except the splitter cap, within budget', async () => {
    await fc.assert(
      fc.asyncProperty(message, async (raw) => {
        const started = cpuMs();
        try {
          const root = await buildMimeTree(raw, '', 0, limits.mime);
          for (const part of walk(root)) decodeBody(part);
        } catch (error) {
          expect((error as { code?: string }).code).toBe('EMAXLEN');
        }
        expect(cpuMs() - started).toBeLessThan(1000);
      }),
      { numRuns: 150 },
    );
  });

  it('readOuterMessage (mailparser and the caps) returns a verdict for any message', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(message, fc.uint8Array({ maxLength: 4096 }).map((b) => Buffer.from(b))), async (raw) => {
        const started = cpuMs();
        const outer = await readOuterMessage(raw, limits);
        expect(['ok', 'unparseable']).toContain(outer.parse.status);
        expect(outer.outerHeaders.length).toBeLessThanOrEqual(limits.headerFields);
        expect(cpuMs() - started).toBeLessThan(1000);
      }),
      { numRuns: 150 },
    );
  });
});
