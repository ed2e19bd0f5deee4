/**
 * Calendar fields of an instant in the team's time zone (ticket year, rate-limit day, the
 * time in the acknowledgement).
 *
 * Temporal where the runtime has it (Node 26): about a millisecond in a fresh process.
 * The first Intl.DateTimeFormat of a process loads ICU's locale data (~20–35 ms), which a
 * one-shot `intake ingest` would spend in the middle of its message. Node 24 has no
 * Temporal: there, one Intl.DateTimeFormat per zone, made once (building one costs far
 * more than using it). Both read the same IANA zone rules.
 */
export interface ZonedFields {
  year: string;
  month: string;
  day: string;
  hour: string;
  minute: string;
  /** `UTC+01:00`, `UTC+00:00` */
  offset: string;
}

/** The part of the Temporal API used here (TypeScript's lib does not declare it yet). */
interface TemporalApi {
  Instant: {
    fromEpochMilliseconds(ms: number): {
      toZonedDateTimeISO(timeZone: string): { year: number; month: number; day: number; hour: number; minute: number; offset: string };
    };
  };
}

const temporal = (globalThis as { Temporal?: TemporalApi }).Temporal;

export function zonedFields(date: Date, timeZone: string): ZonedFields {
  return temporal ? temporalFields(temporal, date, timeZone) : intlFields(date, timeZone);
}

/**
 * Gets the zone ready ahead of the first message where that is slow (Intl, Node 24): a
 * one-shot command can spend it while its sandbox worker is still starting.
 */
export function prepareZone(timeZone: string): void {
  if (!temporal) formatter(timeZone).format(0);
}

const two = (n: number) => String(n).padStart(2, '0');

function temporalFields(api: TemporalApi, date: Date, timeZone: string): ZonedFields {
  const t = api.Instant.fromEpochMilliseconds(date.getTime()).toZonedDateTimeISO(timeZone);
  return { year: String(t.year), month: two(t.month), day: two(t.day), hour: two(t.hour), minute: two(t.minute), offset: `UTC${t.offset}` };
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'longOffset',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/** Exported for the test that holds both paths to the same answers. */
export function intlFields(date: Date, timeZone: string): ZonedFields {
  const parts = formatter(timeZone).formatToParts(date);
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    hour: get('hour'),
    minute: get('minute'),
    offset: get('timeZoneName').replace(/^GMT$/, 'GMT+00:00').replace(/^GMT/, 'UTC'),
  };
}
