/**
 * Capped exponential backoff with "equal jitter": the n-th retry (n = 0, 1, …) waits
 * between half and all of min(max, min·2ⁿ). The random half keeps many clients that
 * failed together (a server restart) from retrying in lock-step; the fixed half keeps
 * the delay from collapsing to zero.
 */
export interface BackoffPolicy {
  minMs: number;
  maxMs: number;
}

export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(attempt, 0), 40);
  const ceiling = Math.min(policy.maxMs, policy.minMs * 2 ** exponent);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export function backoffFromSeconds(minSeconds: number, maxSeconds: number): BackoffPolicy {
  return { minMs: minSeconds * 1000, maxMs: maxSeconds * 1000 };
}
