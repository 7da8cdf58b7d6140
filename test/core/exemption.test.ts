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
  ])('%s → %s', (_name, value, expected) => {
    expect(parseExemption(value, NOW).status).toBe(expected);
  });

  it('keeps the reason and the expiry for the alert', () => {
    expect(parseExemption(tags('2026-12-01', ' CHG-1 rollback '), NOW)).toEqual({
      status: 'active',
      until: '2026-12-01',
      reason: 'CHG-1 rollback',
    });
  });
});

describe('Function: exemptionEnd', () => {
  it('ends a date-only exemption at the next midnight UTC', () => {
    expect(exemptionEnd('2026-12-01')?.toISOString()).toBe('2026-12-02T00:00:00.000Z');
  });
});
