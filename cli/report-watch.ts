/**
 * What the compliance metric says of a period, hour by hour: the evidence that the responder was watching, and what
 * it saw. The function publishes `EksRuntimeMonitoringCompliant` (1 or 0, dimension `Region`) on every evaluation, a
 * sweep at least every interval; CloudWatch keeps hourly statistics 455 days, longer than the state table keeps
 * anything, and no API deletes or changes a stored datapoint. Anyone allowed cloudwatch:PutMetricData on the
 * namespace can still add datapoints up to two weeks back (a 1 fills an unreported hour; a 0 marks a watched one
 * non-compliant; nothing added hides a 0), so the evidence is as strong as that permission (docs/audit.md). The
 * hourly **minimum** is read: an hour with one non-compliant evaluation is a non-compliant hour, and an hour with no
 * datapoint at all is an hour nobody watched.
 * Pure: datapoints in, a summary and run-length runs out (the AWS read is in commands/report.ts).
 */

const HOUR_MS = 3_600_000;

/** How long CloudWatch keeps statistics of a one-hour period (CloudWatch concepts, "Metrics retention"). */
export const HOURLY_RETENTION_DAYS = 455;

export type WatchState = 'compliant' | 'non-compliant' | 'unreported';

/** One hour's statistic as GetMetricData returns it: the start of the hour, and the lowest value published in it. */
export interface HourlyMinimum {
  readonly at: Date;
  readonly minimum: number;
}

/** Consecutive hours in the same state, `from` inclusive, `to` exclusive (ISO times). */
export interface WatchRun {
  readonly from: string;
  readonly to: string;
  readonly state: WatchState;
}

export interface RegionWatch {
  readonly region: string;
  readonly hours: number;
  readonly compliantHours: number;
  readonly nonCompliantHours: number;
  readonly unreportedHours: number;
  readonly runs: readonly WatchRun[];
}

/** The first whole hour at or after `date`: CloudWatch's one-hour statistics start on the hour. */
export function hourAtOrAfter(date: Date): Date {
  return new Date(Math.ceil(date.getTime() / HOUR_MS) * HOUR_MS);
}

/** The start of the hour `date` falls in. */
export function hourOf(date: Date): Date {
  return new Date(Math.floor(date.getTime() / HOUR_MS) * HOUR_MS);
}

/**
 * The hours from `since` (rounded up to the hour) to `until`, the current hour included as far as it has gone, each
 * compliant, non-compliant or unreported, folded into runs. Datapoints outside the window are ignored; two for one
 * hour keep the lower.
 */
export function watchOf(
  region: string,
  points: readonly HourlyMinimum[],
  since: Date,
  until: Date,
): RegionWatch {
  const start = hourAtOrAfter(since).getTime();
  const end = hourAtOrAfter(until).getTime();
  const hours = Math.max(0, Math.round((end - start) / HOUR_MS));
  const last = Math.max(start, until.getTime());
  const lowest = new Map<number, number>();
  for (const point of points) {
    const index = Math.floor((point.at.getTime() - start) / HOUR_MS);
    if (index < 0 || index >= hours || !Number.isFinite(point.minimum)) continue;
    lowest.set(index, Math.min(point.minimum, lowest.get(index) ?? Number.POSITIVE_INFINITY));
  }
  const runs: WatchRun[] = [];
  const counts: Record<WatchState, number> = { compliant: 0, 'non-compliant': 0, unreported: 0 };
  for (let index = 0; index < hours; index++) {
    const minimum = lowest.get(index);
    const state: WatchState =
      minimum === undefined ? 'unreported' : minimum >= 1 ? 'compliant' : 'non-compliant';
    counts[state]++;
    const from = new Date(start + index * HOUR_MS).toISOString();
    const to = new Date(Math.min(last, start + (index + 1) * HOUR_MS)).toISOString();
    const previous = runs.at(-1);
    if (previous?.state === state) runs[runs.length - 1] = { ...previous, to };
    else runs.push({ from, to, state });
  }
  return {
    region,
    hours,
    compliantHours: counts.compliant,
    nonCompliantHours: counts['non-compliant'],
    unreportedHours: counts.unreported,
    runs,
  };
}

/** One line a person reads: how much of the period the metric vouches for. */
export function describeWatch(watch: RegionWatch): string {
  const percent = (hours: number) =>
    watch.hours === 0 ? '0%' : `${((hours / watch.hours) * 100).toFixed(hours === watch.hours ? 0 : 1)}%`;
  return (
    `${watch.region}: compliant in ${watch.compliantHours} of ${watch.hours} hours (${percent(watch.compliantHours)}), ` +
    `non-compliant evaluations in ${watch.nonCompliantHours}, no report in ${watch.unreportedHours}`
  );
}
