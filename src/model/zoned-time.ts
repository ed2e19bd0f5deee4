/**
 * Calendar fields of an instant in the team's time zone. Building an Intl.DateTimeFormat
 * costs far more than using one, and every message needs a few (ticket year, rate-limit
 * day, the time in the acknowledgement), so formatters are made once per zone.
 */
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

export interface ZonedFields {
  year: string;
  month: string;
  day: string;
  hour: string;
  minute: string;
  /** `UTC+01:00`, `UTC+00:00` */
  offset: string;
}

export function zonedFields(date: Date, timeZone: string): ZonedFields {
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
