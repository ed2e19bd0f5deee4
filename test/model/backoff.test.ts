import { describe, expect, it } from 'vitest';
import { backoffDelayMs, backoffFromSeconds } from '../../src/model/backoff.js';

describe('backoffDelayMs', () => {
  const policy = backoffFromSeconds(1, 60);

  it('doubles from min and stays between half and all of the ceiling', () => {
    expect([0, 1, 2, 3].map((n) => backoffDelayMs(n, policy, () => 1))).toEqual([1000, 2000, 4000, 8000]);
    expect([0, 1, 2, 3].map((n) => backoffDelayMs(n, policy, () => 0))).toEqual([500, 1000, 2000, 4000]);
  });

  it('is capped at max, even after very many attempts', () => {
    expect(backoffDelayMs(6, policy, () => 1)).toBe(60_000);
    expect(backoffDelayMs(10_000, policy, () => 1)).toBe(60_000);
    expect(backoffDelayMs(10_000, policy, () => 0)).toBe(30_000);
  });

  it('spreads clients that failed together', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelayMs(3, policy)));
    expect(delays.size).toBeGreaterThan(10);
    for (const d of delays) expect(d).toBeGreaterThanOrEqual(4000);
  });
});
