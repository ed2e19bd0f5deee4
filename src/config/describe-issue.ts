import type { z } from 'zod';
import { closest } from './closest.js';

/**
 * zod's issues in an operator's words: "missing key team.ticketPrefix", "unknown key
 * team.ticketprefix — did you mean team.ticketPrefix?", "team.timezone: unknown IANA time
 * zone Europe/Viena — did you mean Europe/Vienna?". `input` is the parsed YAML, to tell a
 * missing key from a wrong value; `schema` gives the keys a section knows.
 */
export function describeIssue(issue: z.core.$ZodIssue, input: unknown, schema: z.ZodType): string[] {
  const where = issue.path.map(String).join('.');
  const value = valueAt(input, issue.path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = keysAt(schema, issue.path);
      return issue.keys.map((key) => {
        const full = where ? `${where}.${key}` : key;
        const guess = closest(key, known);
        return `unknown key ${full}${guess ? ` — did you mean ${where ? `${where}.` : ''}${guess}?` : ''}`;
      });
    }
    case 'invalid_type':
      if (value === undefined) return [`missing key ${where}`];
      return [`${where}: must be ${article(issue.expected)}, not ${describeValue(value)}`];
    case 'invalid_value': {
      const values = issue.values.map(String);
      const guess = typeof value === 'string' ? closest(value, values) : null;
      return [`${where}: must be one of ${values.join(', ')}${guess ? ` — did you mean ${guess}?` : ''}`];
    }
    case 'too_small':
      return [`${where}: ${tooSmall(issue)}`];
    case 'too_big':
      return [`${where}: must be at most ${String(issue.maximum)}${issue.origin === 'string' ? ' characters' : issue.origin === 'array' ? ' entries' : ''}`];
    case 'custom':
      if (issue.message === UNKNOWN_ZONE && typeof value === 'string') {
        const guess = closest(value, timeZones());
        return [`${where}: unknown IANA time zone ${value}${guess ? ` — did you mean ${guess}?` : ' (see the TZ identifiers of the tz database, e.g. Europe/Berlin)'}`];
      }
      return [`${where || '(root)'}: ${issue.message}`];
    default:
      return [`${where || '(root)'}: ${issue.message}`];
  }
}

export const UNKNOWN_ZONE = 'unknown IANA time zone';

let zones: string[] | null = null;
function timeZones(): string[] {
  zones ??= [...Intl.supportedValuesOf('timeZone'), 'UTC'];
  return zones;
}

function tooSmall(issue: z.core.$ZodIssueTooSmall): string {
  const minimum = Number(issue.minimum);
  if (issue.origin === 'string') return minimum <= 1 ? 'must not be empty' : `must be at least ${minimum} characters`;
  if (issue.origin === 'array') return minimum <= 1 ? 'must list at least one entry' : `must list at least ${minimum} entries`;
  return `must be ${issue.inclusive === false ? 'more than' : 'at least'} ${minimum}`;
}

function article(expected: string): string {
  const words: Record<string, string> = { string: 'text', number: 'a number', boolean: 'true or false', object: 'a section (key: value lines)', array: 'a list' };
  return words[expected] ?? expected;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a section';
  if (typeof value === 'string') return `the text "${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  return `${typeof value === 'number' ? 'the number' : 'the value'} ${String(value)}`;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current = input;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/** The keys the object schema at `path` accepts (wrappers such as default and nullable unwrapped). */
function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let current: unknown = schema;
  for (const key of [...path, null]) {
    current = unwrap(current);
    const def = (current as { _zod?: { def?: Record<string, unknown> } } | undefined)?._zod?.def;
    if (!def) return [];
    if (key === null) return def.type === 'object' ? Object.keys(def.shape as object) : [];
    if (def.type === 'object') current = (def.shape as Record<string, unknown>)[String(key)];
    else if (def.type === 'array') current = def.element;
    else return [];
  }
  return [];
}

function unwrap(schema: unknown): unknown {
  let current = schema;
  for (let depth = 0; depth < 10; depth++) {
    const def = (current as { _zod?: { def?: Record<string, unknown> } } | undefined)?._zod?.def;
    if (!def) return current;
    if (['default', 'prefault', 'nullable', 'optional', 'readonly', 'catch'].includes(String(def.type))) current = def.innerType;
    else if (def.type === 'pipe') current = def.in;
    else return current;
  }
  return current;
}
