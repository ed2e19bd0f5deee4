/**
 * Header values and other attacker-controlled strings are escaped before they reach a
 * log line, so a Subject carrying `\r\nFAKE LOG LINE`, ANSI escapes (`\x1b[2J`) or a
 * right-to-left override cannot forge or hide lines for an operator tailing the log.
 */
// C0 and C1 controls, DEL, and the Unicode bidi controls (UAX #9).
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\r': '\\r', '\n': '\\n', '\t': '\\t' };

export function escapeForLog(value: string, maxLength = 256): string {
  const escaped = value.replace(
    UNSAFE,
    (c) => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  if (escaped.length <= maxLength) return escaped;
  return `${escaped.slice(0, maxLength)}…[+${escaped.length - maxLength}]`;
}

export function escapeOrNull(value: string | null | undefined, maxLength?: number): string | null {
  return value === null || value === undefined ? null : escapeForLog(value, maxLength);
}
