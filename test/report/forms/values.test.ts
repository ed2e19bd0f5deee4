import { describe, expect, it } from 'vitest';
import { readTimezone } from '../../../src/report/forms/timezone.js';
import { readYesNo } from '../../../src/report/forms/yes-no.js';

describe('time zone answers', () => {
  it.each([
    ['EST (GMT-5), clock NTP-synced', '-05:00'],
    ['GMT+1', '+01:00'],
    ['UTC', 'Z'],
    ['+0530', '+05:30'],
    ['UTC-03:30', '-03:30'],
    ['MEZ', '+01:00'],
    ['JST', '+09:00'],
    ['relative to GMT: -5', '-05:00'],
  ])('%s → %s', (raw, value) => {
    expect(readTimezone(raw).value).toBe(value);
  });

  it('flags ambiguous abbreviations and never assumes UTC', () => {
    expect(readTimezone('IST')).toEqual({ value: null, note: 'ambiguous abbreviation IST (India, Ireland or Israel)' });
    expect(readTimezone('CST').value).toBeNull();
    expect(readTimezone('our local time')).toEqual({ value: null, note: 'no recognisable time zone' });
  });

  it('gives date-dependent zones no offset, only a note', () => {
    expect(readTimezone('CET/CEST').value).toBeNull();
    expect(readTimezone('CET/CEST').note).toMatch(/daylight saving/);
    expect(readTimezone('Europe/Vienna')).toMatchObject({ value: null, note: expect.stringMatching(/^Europe\/Vienna: the offset depends on the date/) });
  });
});

describe('yes/no answers', () => {
  it.each([
    ['Yes', true], ['no', false], ['ja', true], ['Nein', false], ['y', true], ['N', false],
    ['[x] yes [ ] no', true], ['[ ] yes [x] no', false], ['(X) Nein', false], ['Yes [x]', true], ['X Yes', true],
    ['[x]', true], ['(X)', true], ['[ ]', false], ['maybe', null], ['Yes, PGP', true],
  ] as const)('%s → %s', (raw, value) => {
    expect(readYesNo(raw)).toBe(value);
  });
});
