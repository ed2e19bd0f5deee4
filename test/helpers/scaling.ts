import { describe, expect, it } from 'vitest';
/**
 * Linear is a tested property (docs/research/linear-audit.md): each entry point is run on
 * adversarial inputs of 10 k, 100 k and 1 M characters, and the 1 M run may take at most
 * RATIO × the 100 k one and under a second. Each size is timed the same way — one cold
 * run, in CPU time (a loaded machine's waits for a core do not count), after a garbage
 * collection — and a case that looks bad is measured again: the median of each size counts.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
/** A collection before each timed run, so garbage of the previous run is not billed to it. */
const collect = runInNewContext('gc') as () => void;

export const SIZES = [10_000, 100_000, 1_000_000] as const;
/**
 * Linear code shows ~10× from 100 k to 1 M; quadratic code 100×. The margin above 15 is
 * for inputs that leave a million small objects alive (a million blank lines): the
 * garbage collector promotes them, which costs more per object than at 100 k, and a
 * loaded CI machine adds noise. INTAKE_SCALING_RATIO=15 runs the stricter limit:
 * on a quiet machine (load ~2) every entry point and shape passed it except IODEF on a
 * million `>\n` (fast-xml-parser's text nodes), at 15.3×.
 */
export const MAX_RATIO = Number(process.env.INTAKE_SCALING_RATIO ?? 20);
export const MAX_MILLION_MS = 1000;
/** Below this a 100 k run is noise; ratios are taken against at least this much. */
const FLOOR_MS = 2;
const TRIES = 5;

export interface Shape {
  name: string;
  /** An input of about `n` characters. */
  make(n: number): string;
}

const repeatTo = (unit: string, n: number) => unit.repeat(Math.max(1, Math.ceil(n / unit.length))).slice(0, n);

/** The shapes every entry point gets: runs of one delimiter, unclosed brackets, nesting, near-matches. */
export const SHAPES: Shape[] = [
  ...[' ', '\t', '.', '-', '<', '(', '[', '{', '"', '@', ':', ';', '=', ',', '/', '\\', '&', '0', 'a', '\n', '\r\n', '>\n'].map((ch) => ({
    name: `run of ${JSON.stringify(ch)} then a letter`,
    make: (n: number) => `${repeatTo(ch, n - 1)}x`,
  })),
  { name: 'blanks then a letter, per line', make: (n) => repeatTo(`${' '.repeat(5000)}x\n`, n) },
  { name: 'unclosed tags', make: (n) => repeatTo('<a href="', n) },
  { name: 'unclosed script', make: (n) => repeatTo('<script>', n) },
  { name: 'nested parentheses', make: (n) => `${'('.repeat(n / 2)}${')'.repeat(n / 2)}` },
  { name: 'nested comments in an address', make: (n) => `a@b${'(c'.repeat(n / 4)}${')'.repeat(n / 4)}` },
  { name: 'near-miss armor lines', make: (n) => repeatTo('-----BEGIN PGP MESSAGE----\n', n) },
  { name: 'armor begins without end', make: (n) => repeatTo('-----BEGIN PGP MESSAGE-----\nabc\n', n) },
  { name: 'near-miss URLs', make: (n) => repeatTo('http://a.example/((((.,.,', n) },
  { name: 'URLs with closing parentheses', make: (n) => repeatTo(`http://a.example/${')'.repeat(2000)} `, n) },
  { name: 'near-miss addresses', make: (n) => repeatTo('a@b.', n) },
  { name: 'addresses without a domain', make: (n) => repeatTo('aaaaaaaa@', n) },
  { name: 'near-miss IPv4', make: (n) => repeatTo('1.2.3.', n) },
  { name: 'near-miss IPv6', make: (n) => repeatTo('::ffff:1:', n) },
  { name: 'near-miss CVE', make: (n) => repeatTo('CVE-2024-', n) },
  { name: 'encoded words', make: (n) => repeatTo('=?utf-8?q?', n) },
  { name: 'boundary-like lines', make: (n) => repeatTo(`--b${' '.repeat(50)}\r\n`, n) },
  { name: 'key: value lines', make: (n) => repeatTo('Source IP: 192.0.2.1\n', n) },
  { name: 'a label with a long answer', make: (n) => `Incident type: ${repeatTo('. ', n)}x\n` },
  { name: 'entities', make: (n) => repeatTo('&#x', n) },
  { name: 'break tags', make: (n) => repeatTo('<br', n) },
  { name: 'dotted words', make: (n) => repeatTo('a.', n) },
  { name: 'folded header lines', make: (n) => repeatTo('x\r\n ', n) },
  { name: 'YAML-like keys', make: (n) => repeatTo('Reported-From: \n', n) },
  { name: 'XML-like tags', make: (n) => repeatTo('<Node><Address>', n) },
  { name: 'JSON-like', make: (n) => repeatTo('{"a":[', n) },
];

export interface Measured {
  ms: Record<number, number>;
  ratio: number;
}

/** CPU milliseconds of this process (all its threads): time spent waiting for a core is not counted. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

async function once(fn: (input: string) => unknown, input: string): Promise<number> {
  collect();
  const started = cpuMs();
  await fn(input);
  return cpuMs() - started;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Runs `fn` on each size, re-measuring (median of TRIES) when the first pass looks bad. */
export async function measureScaling(fn: (input: string) => unknown, shape: Shape): Promise<Measured> {
  const inputs = SIZES.map((n) => shape.make(n));
  const ms: Record<number, number> = {};
  for (let i = 0; i < SIZES.length; i++) {
    // A 100 k run already over the 1 M budget fails: do not wait for a quadratic 1 M run.
    if (i === 0) ms[SIZES[i]!] = await once(fn, inputs[i]!); // warm-up
    else ms[SIZES[i]!] = ms[SIZES[i - 1]!]! > MAX_MILLION_MS ? Number.POSITIVE_INFINITY : await once(fn, inputs[i]!);
  }
  const ratioOf = () => ms[1_000_000]! / Math.max(ms[100_000]!, FLOOR_MS);
  if ((ratioOf() > MAX_RATIO || ms[1_000_000]! > MAX_MILLION_MS) && ms[100_000]! <= MAX_MILLION_MS) {
    // Looks bad: TRIES runs of each size, alternating, and the median of each counts. A
    // minimum would favour the 100 k run, whose few milliseconds vary most with the JIT's
    // and the collector's state, and make a linear reader look superlinear.
    const samples: Record<number, number[]> = { 100_000: [ms[100_000]!], 1_000_000: [ms[1_000_000]!] };
    for (let attempt = 1; attempt < TRIES; attempt++) for (const i of [1, 2]) samples[SIZES[i]!]!.push(await once(fn, inputs[i]!));
    for (const i of [1, 2]) ms[SIZES[i]!] = median(samples[SIZES[i]!]!);
  }
  return { ms, ratio: ratioOf() };
}

/** One test per entry point: every shape, 1 M under a second and at most MAX_RATIO × 100 k. */
export function describeScaling(group: string, entries: Record<string, (input: string) => unknown>): void {
  describe(`linear in its input: ${group}`, () => {
    for (const [entry, fn] of Object.entries(entries)) {
      it(entry, { timeout: 600_000 }, async () => {
        const slow: string[] = [];
        for (const shape of SHAPES) {
          const { ms, ratio } = await measureScaling(fn, shape);
          if (ratio > MAX_RATIO || ms[1_000_000]! > MAX_MILLION_MS) {
            slow.push(`${shape.name}: 100 k ${ms[100_000]!.toFixed(1)} ms, 1 M ${ms[1_000_000]!.toFixed(1)} ms (×${ratio.toFixed(1)})`);
          }
        }
        expect(slow).toEqual([]);
      });
    }
  });
}
