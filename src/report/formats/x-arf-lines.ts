import type { NamedValue } from './map-fields.js';

/**
 * report.txt read line by line, for the X-ARF reports that are not strict YAML. X-ARF
 * (0.1/0.2) says YAML, but the scripts that write it — fail2ban actions, feedback-loop
 * cron jobs — print `Key: value` lines without quoting, so a value with `: ` in it, one
 * starting with `@`, `%`, `*` or a back-tick, or a tab makes a YAML parser refuse the
 * whole report. Each `Key: value` line is then taken as written (split at the first
 * colon, like an RFC 5322 header; indented lines continue the value before them), and
 * the report says it was read that way.
 */
const LINE = /^([A-Za-z][A-Za-z0-9_-]{0,60})[ \t]*:[ \t]*(.*)$/;
/** At most this many keys (report.txt has about fifteen). */
const MAX_KEYS = 500;

export function readReportLines(text: string): NamedValue[] {
  const values: NamedValue[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (/^[ \t]+\S/.test(line) && values.length > 0) {
      values[values.length - 1]!.value += ` ${line.trim()}`;
      continue;
    }
    const match = LINE.exec(line);
    if (!match) continue;
    if (values.length >= MAX_KEYS) break;
    values.push({ key: match[1]!, value: unquote(match[2]!.trim()) });
  }
  return values;
}

/** A value a script did quote is read without its quotes. */
function unquote(value: string): string {
  const quoted = /^(["'])(.*)\1$/.exec(value);
  return quoted ? quoted[2]! : value;
}
