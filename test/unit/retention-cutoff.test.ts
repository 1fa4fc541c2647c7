import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../lib/duration';
import { cutoff } from '../../lib/retention/policy';

describe('retention cutoff', () => {
  it('counts whole years by the calendar, leap days included', () => {
    expect(cutoff(new Date('2026-03-01T10:00:00Z'), parseDuration('7y')).toISOString()).toBe(
      '2019-03-01T10:00:00.000Z',
    );
    // 7 × 365 days would end the legal duty two days early (2019-03-03).
    expect(new Date(Date.parse('2026-03-01T10:00:00Z') - parseDuration('7y')).toISOString()).toBe(
      '2019-03-03T10:00:00.000Z',
    );
    // 29 February has no twin a year earlier: the cutoff rolls to 1 March.
    expect(cutoff(new Date('2028-02-29T00:00:00Z'), parseDuration('1y')).toISOString()).toBe(
      '2027-03-01T00:00:00.000Z',
    );
  });

  it('counts days and shorter periods exactly', () => {
    expect(cutoff(new Date('2026-11-28T00:00:00Z'), parseDuration('90d')).toISOString()).toBe(
      '2026-08-30T00:00:00.000Z',
    );
    expect(cutoff(new Date('2026-11-28T00:00:00Z'), parseDuration('12h')).toISOString()).toBe(
      '2026-11-27T12:00:00.000Z',
    );
  });
});
