/**
 * How long a generated team key lives, in GnuPG's words (`gpg --quick-gen-key … 2y`):
 * `Nd`, `Nw`, `Nm`, `Ny` (a month is 30 days and a year 365, as GnuPG counts), a date
 * `YYYY-MM-DD`, or `never` / `0`. Returns seconds from `now`, 0 for never, or null when
 * the text is none of these or not in the future.
 */
export const DEFAULT_KEY_LIFETIME = '2y';

const UNIT_DAYS: Record<string, number> = { d: 1, w: 7, m: 30, y: 365 };

export function parseKeyLifetime(text: string, now: Date): number | null {
  const value = text.trim().toLowerCase();
  if (value === 'never' || value === '0') return 0;
  const relative = /^(\d{1,5})([dwmy])$/.exec(value);
  if (relative) {
    const seconds = Number(relative[1]) * UNIT_DAYS[relative[2]!]! * 86_400;
    return seconds > 0 ? seconds : null;
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const at = Date.parse(`${value}T00:00:00Z`);
    const seconds = Math.floor((at - now.getTime()) / 1000);
    return Number.isFinite(at) && seconds > 0 ? seconds : null;
  }
  return null;
}
