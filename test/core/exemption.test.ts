import { describe, expect, it } from 'vitest';
import { exemptionEnd, parseExemption } from '../../handlers/core/exemption.js';

const NOW = new Date('2026-11-20T10:00:00Z');
const tags = (until?: string, reason?: string) => ({
  ...(until === undefined ? {} : { 'drift-responder:exempt-until': until }),
  ...(reason === undefined ? {} : { 'drift-responder:exempt-reason': reason }),
});

describe('Function: parseExemption', () => {
  it.each([
    ['no tags', tags(), 'none'],
    ['a future date', tags('2026-12-01', 'CHG-1'), 'active'],
    ['today (a date covers the whole day in UTC)', tags('2026-11-20', 'CHG-1'), 'active'],
    ['yesterday', tags('2026-11-19', 'CHG-1'), 'expired'],
    ['a future time with offset', tags('2026-11-20T12:00:00+01:00', 'CHG-1'), 'active'],
    ['a past time', tags('2026-11-20T09:59:59Z', 'CHG-1'), 'expired'],
    ['a time without offset', tags('2026-11-20T12:00:00', 'CHG-1'), 'malformed'],
    ['free text', tags('next week', 'CHG-1'), 'malformed'],
    ['an impossible date', tags('2026-02-30', 'CHG-1'), 'malformed'],
    ['no reason', tags('2026-12-01'), 'malformed'],
    ['a blank reason', tags('2026-12-01', '   '), 'malformed'],
    ['a reason without expiry', tags(undefined, 'CHG-1'), 'malformed'],
    [
      'an impossible date-time (Feb 30, not rolled into March)',
      tags('2026-02-30T10:00:00Z', 'CHG-1'),
      'malformed',
    ],
    ['an impossible hour', tags('2026-11-21T25:00:00Z', 'CHG-1'), 'malformed'],
    ['an impossible offset', tags('2026-11-21T10:00:00+24:00', 'CHG-1'), 'malformed'],
    ['the last day within 30 days', tags('2026-12-20', 'CHG-1'), 'active'],
    ['a day beyond 30 days', tags('2026-12-21', 'CHG-1'), 'refused'],
    [
      'the year 9999 (one TagResource must not switch the responder off for good)',
      tags('9999-12-31', 'x'),
      'refused',
    ],
    ['a far date-time', tags('2027-11-20T10:00:00Z', 'CHG-1'), 'refused'],
  ])('%s → %s', (_name, value, expected) => {
    expect(parseExemption(value, NOW, 30).status).toBe(expected);
  });

  it('refuses what MAX_EXEMPTION_DAYS does not allow and honours what it does', () => {
    const far = tags('2027-06-01', 'CHG-2 long migration');
    expect(parseExemption(far, NOW, 30)).toEqual({
      status: 'refused',
      until: '2027-06-01',
      reason: 'CHG-2 long migration',
      maxDays: 30,
    });
    expect(parseExemption(far, NOW, 365).status).toBe('active');
  });

  it('keeps the reason and the expiry for the alert', () => {
    expect(parseExemption(tags('2026-12-01', ' CHG-1 rollback '), NOW, 30)).toEqual({
      status: 'active',
      until: '2026-12-01',
      reason: 'CHG-1 rollback',
    });
  });
});

describe('Function: exemptionEnd', () => {
  it.each(['2026-02-29', '2026-13-01', '2026-04-31', '2026-02-30T00:00:00Z', '2026-01-01T23:60:00Z'])(
    'refuses the impossible %s instead of rolling it over',
    (value) => {
      expect(exemptionEnd(value)).toBeUndefined();
    },
  );

  it('accepts a leap day', () => {
    expect(exemptionEnd('2028-02-29')?.toISOString()).toBe('2028-03-01T00:00:00.000Z');
  });

  it('ends a date-only exemption at the next midnight UTC', () => {
    expect(exemptionEnd('2026-12-01')?.toISOString()).toBe('2026-12-02T00:00:00.000Z');
  });
});
