import { escapeForLog } from '../log/escape.js';

/**
 * Why a `fetch` failed before any answer, in a few words: undici puts the system error
 * (ECONNREFUSED, ENOTFOUND, …) in `cause`; AbortSignal.timeout raises a TimeoutError.
 */
export function describeFetchError(error: unknown): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return 'timed out';
  return escapeForLog(e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(error), 200);
}
