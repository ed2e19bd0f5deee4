import { describe, expect, it } from 'vitest';
import { intlFields, zonedFields } from '../../src/model/zoned-time.js';

/**
 * The team's calendar: Temporal (Node 26) and Intl (Node 24) must give the same fields,
 * including across daylight-saving changes, at UTC, and for a zone east of UTC by a
 * non-whole hour.
 */
const instants = [
  '2026-01-15T12:00:00Z',
  '2026-03-29T00:59:59Z', // the last second of CET in Berlin
  '2026-03-29T01:00:00Z', // CEST from here
  '2026-10-25T00:30:00Z',
  '2026-10-25T01:30:00Z',
  '2026-12-31T23:30:00Z', // already next year in Berlin
  '2027-06-30T18:45:00Z',
].map((iso) => new Date(iso));
const zones = ['Europe/Berlin', 'UTC', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe'];

describe('zonedFields', () => {
  it('gives what Intl gives, in every zone and across DST changes', () => {
    for (const zone of zones) for (const date of instants) expect(zonedFields(date, zone), `${zone} ${date.toISOString()}`).toEqual(intlFields(date, zone));
  });

  it('spells the fields as the acknowledgement shows them', () => {
    expect(zonedFields(new Date('2026-12-31T23:30:00Z'), 'Europe/Berlin')).toEqual({ year: '2027', month: '01', day: '01', hour: '00', minute: '30', offset: 'UTC+01:00' });
    expect(zonedFields(new Date('2026-07-01T05:07:00Z'), 'UTC')).toEqual({ year: '2026', month: '07', day: '01', hour: '05', minute: '07', offset: 'UTC+00:00' });
    expect(zonedFields(new Date('2026-07-01T05:07:00Z'), 'Asia/Kolkata').offset).toBe('UTC+05:30');
  });

  it('refuses an unknown zone', () => {
    expect(() => zonedFields(new Date(), 'Mars/Olympus_Mons')).toThrow(RangeError);
  });
});
