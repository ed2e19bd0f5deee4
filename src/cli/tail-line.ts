import { escapeForLog } from '../log/escape.js';

/**
 * One log entry as one line for a person at a terminal (`intake tail`): time in the
 * team's zone, then for a `report processed` line the ticket, transport, sender and the
 * crypto verdicts (urgent reports stand out), for anything else the level, message and
 * a few fields. Every value is escaped: a sender address is the sender's text.
 */
export interface TailStyle {
  /** ANSI colours (a terminal, NO_COLOR unset). */
  colour: boolean;
  timeZone: string;
}

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const ANSI = { reset: '\u001b[0m', bold: '\u001b[1m', red: '\u001b[31m', yellow: '\u001b[33m', dim: '\u001b[2m', urgent: '\u001b[1;41;97m' } as const;
/** Fields already shown, or too noisy for one line (the per-stage timings). */
const HIDDEN = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'stages', 'v']);

const formatters = new Map<string, Intl.DateTimeFormat>();

export function formatTime(iso: unknown, timeZone: string): string {
  const date = new Date(typeof iso === 'string' || typeof iso === 'number' ? iso : Number.NaN);
  if (Number.isNaN(date.getTime())) return '????-??-?? ??:??:??';
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    // sv-SE writes ISO-like "2026-11-23 11:00:00".
    formatter = new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
    formatters.set(timeZone, formatter);
  }
  return formatter.format(date);
}

export function formatTailLine(entry: Record<string, unknown>, style: TailStyle): string {
  const paint = (code: string, text: string): string => (style.colour ? `${code}${text}${ANSI.reset}` : text);
  const time = paint(ANSI.dim, formatTime(entry.time, style.timeZone));
  if (entry.msg === 'report processed') return `${time}  ${reportLine(entry, paint)}`;
  const level = Number(entry.level);
  const label = (LEVELS[level] ?? String(entry.level)).padEnd(5);
  const colour = level >= 50 ? ANSI.red + ANSI.bold : level >= 40 ? ANSI.yellow : '';
  const text = `${label} ${show(entry.msg, 200)}${fields(entry)}`;
  // Errors stand out: colour on a terminal, a marker in a pipe.
  if (level >= 50) return `${time}  ${style.colour ? paint(colour, text) : `!! ${text}`}`;
  return `${time}  ${colour ? paint(colour, text) : text}`;
}

function reportLine(entry: Record<string, unknown>, paint: (code: string, text: string) => string): string {
  const parts = [
    `${show(entry.ticket, 40)}${entry.seq !== null && entry.seq !== undefined ? ` #${show(entry.seq, 6)}` : ''}`,
    show(entry.status, 12),
    show(entry.transport, 8),
    `from ${show(entry.from ?? entry.mailFrom ?? '-', 80)}`,
    `enc=${show(entry.encryption, 20)}`,
    `sig=${show(entry.signature, 20)}`,
    `ack=${show(entry.ack, 24)}`,
  ];
  const classes = Array.isArray(entry.classification) ? entry.classification.slice(0, 2).map((c) => show(c, 60)) : [];
  if (classes.length > 0) parts.push(classes.join(','));
  const line = parts.join('  ');
  return entry.urgent === true ? `${paint(ANSI.urgent, ' URGENT ')} ${line}` : line;
}

function fields(entry: Record<string, unknown>): string {
  const shown: string[] = [];
  for (const [key, value] of Object.entries(entry)) {
    if (HIDDEN.has(key) || value === null || value === undefined) continue;
    shown.push(`${escapeForLog(key, 40)}=${typeof value === 'object' ? escapeForLog(JSON.stringify(value), 120) : show(value, 120)}`);
    if (shown.length >= 8) break;
  }
  return shown.length > 0 ? `  ${shown.join(' ')}` : '';
}

function show(value: unknown, max: number): string {
  if (value === null || value === undefined) return '-';
  return escapeForLog(typeof value === 'string' ? value : JSON.stringify(value), max);
}
