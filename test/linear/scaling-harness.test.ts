import { describe, expect, it } from 'vitest';
import { MAX_RATIO, measureScaling, SHAPES } from '../helpers/scaling.js';

/**
 * The scaling harness itself: it must flag quadratic work and pass linear work, with its
 * re-measurement (median of the retries) in play.
 */
const shape = SHAPES[0]!;

describe('the scaling harness', () => {
  it('flags a quadratic loop (pairs of every 100th character) and passes a linear one', { timeout: 120_000 }, async () => {
    const quadratic = (s: string) => {
      let pairs = 0;
      for (let i = 0; i < s.length; i += 100) for (let j = 0; j < s.length; j += 100) pairs += s.charCodeAt(i) ^ s.charCodeAt(j) ? 1 : 0;
      return pairs;
    };
    const linear = (s: string) => {
      let sum = 0;
      for (let i = 0; i < s.length; i++) sum += s.charCodeAt(i);
      return sum;
    };
    expect((await measureScaling(quadratic, shape)).ratio).toBeGreaterThan(MAX_RATIO);
    expect((await measureScaling(linear, shape)).ratio).toBeLessThanOrEqual(MAX_RATIO);
  });
});
