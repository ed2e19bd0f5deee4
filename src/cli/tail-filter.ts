/**
 * Which log entries `intake tail` shows: at least `--level`, only `--urgent` reports,
 * only lines about `--ticket ID`, only lines written at or after `--since`.
 */
export interface TailFilter {
  minLevel: number;
  urgentOnly: boolean;
  ticket: string | null;
  sinceMs: number | null;
}

export const LEVEL_VALUES: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

export function matches(entry: Record<string, unknown>, filter: TailFilter): boolean {
  if (Number(entry.level) < filter.minLevel) return false;
  if (filter.urgentOnly && entry.urgent !== true) return false;
  if (filter.ticket !== null && String(entry.ticket ?? '').toUpperCase() !== filter.ticket) return false;
  if (filter.sinceMs !== null && !(Date.parse(String(entry.time)) >= filter.sinceMs)) return false;
  return true;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since`: an ISO date or time (`2026-11-23`, `2026-11-23T10:00`), or an age (`90s`, `10m`, `2h`, `1d`). Null if neither. */
export function parseSince(text: string, now: Date): number | null {
  const age = /^(\d{1,6})([smhd])$/.exec(text.trim());
  if (age) return now.getTime() - Number(age[1]) * UNIT_MS[age[2]!]!;
  if (!/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text.trim())) return null;
  const at = Date.parse(text.trim().replace(' ', 'T'));
  return Number.isNaN(at) ? null : at;
}
