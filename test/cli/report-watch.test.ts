/*
 * The evidence report's watch: the compliance metric's hourly minimum folded into compliant, non-compliant and
 * unreported hours. Pure: no AWS.
 */
import { describe, expect, it } from 'vitest';
import { describeWatch, hourAtOrAfter, hourOf, watchOf } from '../../cli/report-watch.js';

const HOUR = 3_600_000;
const at = (iso: string) => new Date(iso);

describe('Function: watchOf', () => {
  it('counts every hour of the period once: compliant, non-compliant, or nobody reported', () => {
    const watch = watchOf(
      'eu-west-1',
      [
        { at: at('2026-11-01T00:00:00Z'), minimum: 1 },
        { at: at('2026-11-01T01:00:00Z'), minimum: 0 },
        { at: at('2026-11-01T03:00:00Z'), minimum: 1 },
      ],
      at('2026-11-01T00:00:00Z'),
      at('2026-11-01T04:00:00Z'),
    );

    expect(watch).toEqual({
      region: 'eu-west-1',
      hours: 4,
      compliantHours: 2,
      nonCompliantHours: 1,
      unreportedHours: 1,
      runs: [
        { from: '2026-11-01T00:00:00.000Z', to: '2026-11-01T01:00:00.000Z', state: 'compliant' },
        { from: '2026-11-01T01:00:00.000Z', to: '2026-11-01T02:00:00.000Z', state: 'non-compliant' },
        { from: '2026-11-01T02:00:00.000Z', to: '2026-11-01T03:00:00.000Z', state: 'unreported' },
        { from: '2026-11-01T03:00:00.000Z', to: '2026-11-01T04:00:00.000Z', state: 'compliant' },
      ],
    });
  });

  it('folds consecutive hours of one state into one run', () => {
    const points = Array.from({ length: 24 }, (_, index) => ({
      at: new Date(Date.parse('2026-11-01T00:00:00Z') + index * HOUR),
      minimum: 1,
    }));

    const watch = watchOf('eu-west-1', points, at('2026-11-01T00:00:00Z'), at('2026-11-02T00:00:00Z'));

    expect(watch.runs).toEqual([
      { from: '2026-11-01T00:00:00.000Z', to: '2026-11-02T00:00:00.000Z', state: 'compliant' },
    ]);
    expect(describeWatch(watch)).toBe(
      'eu-west-1: compliant in 24 of 24 hours (100%), non-compliant evaluations in 0, no report in 0',
    );
  });

  it('keeps the lower of two datapoints of one hour, and ignores what lies outside the period or is not a number', () => {
    const watch = watchOf(
      'eu-west-1',
      [
        { at: at('2026-11-01T00:00:00Z'), minimum: 1 },
        { at: at('2026-11-01T00:00:00Z'), minimum: 0 },
        { at: at('2026-10-31T23:00:00Z'), minimum: 0 },
        { at: at('2026-11-01T02:00:00Z'), minimum: 0 },
        { at: at('2026-11-01T01:00:00Z'), minimum: Number.NaN },
      ],
      at('2026-11-01T00:00:00Z'),
      at('2026-11-01T02:00:00Z'),
    );

    expect(watch).toMatchObject({ hours: 2, compliantHours: 0, nonCompliantHours: 1, unreportedHours: 1 });
  });

  it('starts at the first whole hour of the period and counts the current hour as far as it has gone', () => {
    const watch = watchOf(
      'eu-west-1',
      [{ at: at('2026-11-01T02:00:00Z'), minimum: 1 }],
      at('2026-11-01T00:20:00Z'),
      at('2026-11-01T02:30:00Z'),
    );

    expect(watch.hours).toBe(2);
    expect(watch.runs).toEqual([
      { from: '2026-11-01T01:00:00.000Z', to: '2026-11-01T02:00:00.000Z', state: 'unreported' },
      { from: '2026-11-01T02:00:00.000Z', to: '2026-11-01T02:30:00.000Z', state: 'compliant' },
    ]);
  });

  it('has no hours for an empty period', () => {
    const watch = watchOf('eu-west-1', [], at('2026-11-01T00:00:00Z'), at('2026-11-01T00:00:00Z'));

    expect(watch).toMatchObject({ hours: 0, runs: [] });
    expect(describeWatch(watch)).toContain('compliant in 0 of 0 hours (0%)');
  });
});

describe('Function: hourOf / hourAtOrAfter', () => {
  it('round down and up to the hour, and leave a whole hour alone', () => {
    expect(hourOf(at('2026-11-01T05:59:59Z')).toISOString()).toBe('2026-11-01T05:00:00.000Z');
    expect(hourAtOrAfter(at('2026-11-01T05:00:01Z')).toISOString()).toBe('2026-11-01T06:00:00.000Z');
    expect(hourAtOrAfter(at('2026-11-01T05:00:00Z')).toISOString()).toBe('2026-11-01T05:00:00.000Z');
  });
});
