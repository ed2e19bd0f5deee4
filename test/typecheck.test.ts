import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The tests are type-checked with the code (tsconfig.test.json: src, bench, test-support,
 * test and vitest.config.ts; `npm run typecheck` runs the same). It is a test rather than
 * a step before the suite, so a type error shows as this one failure, with tsc's errors
 * as its message, and every other test still runs (vitest itself strips types unchecked).
 */
const ROOT = path.resolve(import.meta.dirname, '..');
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

function tsc(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [TSC, ...args], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, output: `${stdout}${stderr}`.trim() || String(error ?? '') });
    });
  });
}

describe('type check', () => {
  it('tsc -p tsconfig.test.json finds no error in the code, the benches or the tests', { timeout: 300_000 }, async () => {
    const { code, output } = await tsc(['-p', 'tsconfig.test.json', '--noEmit']);
    expect(code, `tsc -p tsconfig.test.json --noEmit:\n${output}`).toBe(0);
  });
});
