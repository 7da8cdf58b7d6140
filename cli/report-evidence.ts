/**
 * The evidence report (`guardduty-drift report`): what the state table remembers of each detector (restores, the
 * last case, the exemption first seen, denied attempts) and what the detectors say now. Pure: items and inspections
 * in, a document out, rendered as JSON or Markdown. The table keeps restores and denied attempts
 * EVIDENCE_RETENTION_DAYS (`RETENTION`); the compliance metric (report-watch.ts) says, hour by hour, whether the
 * responder watched and what it saw. The report says which period each can vouch for.
 */
import { scrub } from '../handlers/alerts/text.js';
import { AWS_REGION_NAME, EVIDENCE_RETENTION_DAYS } from '../handlers/contract.js';
import { describeWatch, HOURLY_RETENTION_DAYS, type RegionWatch } from './report-watch.js';

/** How long the state table keeps what the report reads (handlers/adapters/state-store.ts, handlers/flow/keys.ts). */
export const RETENTION = {
  remediationHistoryDays: EVIDENCE_RETENTION_DAYS,
  deniedAttemptDays: EVIDENCE_RETENTION_DAYS,
  caseDays: 2,
  eventDays: 2,
} as const;

/** The compliance metric over the period, per Region; a Region whose metric could not be read says why. */
export interface WatchEvidence {
  /** `NAMESPACE/EksRuntimeMonitoringCompliant`, hourly minimum, dimension Region. */
  readonly metric: string;
  readonly regions: readonly RegionWatch[];
  readonly unavailable: readonly { readonly region: string; readonly reason: string }[];
}

/** One DynamoDB item of the state table, its attributes already unmarshalled to strings (sets to string arrays). */
export type StateItem = Readonly<Record<string, string | readonly string[] | undefined>>;

/** The current state of one detector, as the CLI's inspection reads it. */
export interface CurrentDetector {
  readonly accountId: string;
  readonly region: string;
  readonly detectorId: string;
  readonly verdict: 'compliant' | 'non-compliant' | 'exempt';
  readonly generationInUse: string | null;
  /** `active until …: reason`, when an exemption is set. */
  readonly exemption: string | null;
}

export interface Restore {
  readonly at: string;
  readonly actor: string;
  readonly generation: string;
  readonly eventId: string;
}

export interface TargetEvidence {
  readonly accountId: string;
  readonly region: string;
  readonly detectorId: string;
  readonly current: Omit<CurrentDetector, 'accountId' | 'region' | 'detectorId'> | null;
  /** Every restore the responder recorded in the period, oldest first. */
  readonly restores: readonly Restore[];
  /** The last case the table still holds (a drift and what came of it). */
  readonly lastCase: {
    readonly outcome: string | null;
    readonly status: string | null;
    readonly actor: string | null;
    readonly settledAt: string | null;
  } | null;
  /** When the responder first saw the detector's exemption, and until when it runs. */
  readonly exemptionSeen: { readonly firstSeen: string | null; readonly until: string | null } | null;
}

export interface EvidenceReport {
  readonly schemaVersion: 1;
  readonly generatedAt: string;
  readonly period: { readonly since: string; readonly until: string };
  readonly table: string;
  /** What the table can vouch for: its retention, and whether the period asked for is longer. */
  readonly coverage: {
    readonly remediationHistoryDays: number;
    readonly deniedAttemptDays: number;
    readonly caseDays: number;
    readonly periodLongerThanHistory: boolean;
    readonly note: string;
  };
  readonly summary: {
    readonly detectors: number;
    readonly compliantNow: number;
    readonly restores: number;
    readonly deniedAttempts: number;
  };
  /** Whether the responder watched, hour by hour (null when the metric was not read, e.g. --no-metrics). */
  readonly watch: WatchEvidence | null;
  readonly targets: readonly TargetEvidence[];
  /** Denied calls (CloudTrail AccessDenied of a disabling call); the table keys them by event id only. */
  readonly deniedAttempts: readonly { readonly eventId: string; readonly at: string | null }[];
}

const text = (value: string | readonly string[] | undefined): string | undefined =>
  typeof value === 'string' ? scrub(value).slice(0, 400) : undefined;

/** A DynamoDB number of milliseconds as an ISO time; null when it is not one. */
function isoOfMillis(value: string | undefined): string | null {
  const millis = Number(value);
  return value !== undefined && Number.isFinite(millis) ? new Date(millis).toISOString() : null;
}

/** `detector#ACCOUNT#REGION#ID`, `claim#case#ACCOUNT#REGION#TARGET`, `exemption#ACCOUNT#REGION#ID`. */
function where(
  parts: readonly string[],
): { accountId: string; region: string; detectorId: string } | undefined {
  const [accountId, region, detectorId] = parts;
  if (accountId === undefined || region === undefined || detectorId === undefined) return undefined;
  return { accountId, region, detectorId };
}

/** The Regions the table's items name (restores, cases, exemptions), for reading each Region's metric. */
export function regionsNamed(items: readonly StateItem[]): string[] {
  const regions = new Set<string>();
  for (const item of items) {
    const [kind, ...rest] = (text(item.pk) ?? '').split('#');
    const at =
      kind === 'detector' || kind === 'exemption'
        ? where(rest)
        : kind === 'claim' && rest[0] === 'case'
          ? where(rest.slice(1))
          : undefined;
    if (at !== undefined && AWS_REGION_NAME.test(at.region)) regions.add(at.region);
  }
  return [...regions];
}

export function buildEvidence(input: {
  readonly items: readonly StateItem[];
  readonly current: readonly CurrentDetector[];
  readonly since: Date;
  readonly until: Date;
  readonly table: string;
  readonly generatedAt: Date;
  readonly watch?: WatchEvidence | undefined;
}): EvidenceReport {
  const { since, until } = input;
  const inPeriod = (iso: string | undefined) => {
    const at = iso === undefined ? Number.NaN : Date.parse(iso);
    return Number.isFinite(at) && at >= since.getTime() && at <= until.getTime();
  };
  const targets = new Map<string, { base: ReturnType<typeof where> & object } & MutableTarget>();
  const targetOf = (at: { accountId: string; region: string; detectorId: string }) => {
    const key = `${at.accountId}#${at.region}#${at.detectorId}`;
    let found = targets.get(key);
    if (!found) {
      found = { base: at, restores: [], lastCase: null, exemptionSeen: null, current: null };
      targets.set(key, found);
    }
    return found;
  };
  const denied: { eventId: string; at: string | null }[] = [];

  for (const item of input.items) {
    const pk = text(item.pk) ?? '';
    const sk = text(item.sk) ?? '';
    const [kind, ...rest] = pk.split('#');
    if (kind === 'detector' && sk.startsWith('remediation#')) {
      const at = where(rest);
      const time = sk.split('#')[1];
      if (at && inPeriod(time)) {
        targetOf(at).restores.push({
          at: time ?? '',
          actor: text(item.actor) ?? 'unknown',
          generation: text(item.generation) ?? 'unknown',
          eventId: text(item.eventId) ?? 'unknown',
        });
      }
    } else if (kind === 'claim' && rest[0] === 'case') {
      const at = where(rest.slice(1));
      if (at && at.detectorId !== 'organization' && at.detectorId !== 'none') {
        targetOf(at).lastCase = {
          outcome: text(item.outcome) ?? null,
          status: text(item.status) ?? null,
          actor: text(item.actor) ?? null,
          settledAt: text(item.settledAt) ?? null,
        };
      }
    } else if (kind === 'claim' && rest[0] === 'event' && text(item.outcome) === 'disable-denied') {
      const settledAt = text(item.settledAt);
      if (settledAt === undefined || inPeriod(settledAt))
        denied.push({ eventId: rest.slice(1).join('#'), at: settledAt ?? null });
    } else if (kind === 'exemption' && sk === 'first-seen') {
      const at = where(rest);
      if (at)
        targetOf(at).exemptionSeen = {
          firstSeen: isoOfMillis(text(item.firstSeenAt)),
          until: text(item.untilValue) ?? null,
        };
    }
  }
  for (const detector of input.current) {
    const { accountId, region, detectorId, ...state } = detector;
    targetOf({ accountId, region, detectorId }).current = state;
  }

  const list: TargetEvidence[] = [...targets.values()]
    .map(({ base, restores, ...rest }) => ({
      ...base,
      ...rest,
      restores: [...restores].sort((a, b) => a.at.localeCompare(b.at)),
    }))
    .sort((a, b) =>
      `${a.accountId}${a.region}${a.detectorId}`.localeCompare(`${b.accountId}${b.region}${b.detectorId}`),
    );
  const periodDays = (until.getTime() - since.getTime()) / 86_400_000;
  const longer = periodDays > RETENTION.remediationHistoryDays;
  const longerThanMetric = periodDays > HOURLY_RETENTION_DAYS;
  return {
    schemaVersion: 1,
    generatedAt: input.generatedAt.toISOString(),
    period: { since: since.toISOString(), until: until.toISOString() },
    table: input.table,
    coverage: {
      remediationHistoryDays: RETENTION.remediationHistoryDays,
      deniedAttemptDays: RETENTION.deniedAttemptDays,
      caseDays: RETENTION.caseDays,
      periodLongerThanHistory: longer,
      note:
        (longer
          ? `The state table keeps restores and denied attempts ${RETENTION.remediationHistoryDays} days: ` +
            'older drifts of the period are in the function log group (saved query "Drifts and how long each lasted").'
          : `The period is within the state table history (${RETENTION.remediationHistoryDays} days of restores and denied attempts).`) +
        (longerThanMetric
          ? ` CloudWatch keeps hourly statistics ${HOURLY_RETENTION_DAYS} days: earlier hours show as unreported.`
          : ''),
    },
    summary: {
      detectors: list.filter((target) => target.current !== null).length,
      compliantNow: list.filter((target) => target.current?.verdict === 'compliant').length,
      restores: list.reduce((sum, target) => sum + target.restores.length, 0),
      deniedAttempts: denied.length,
    },
    watch: input.watch ?? null,
    targets: list,
    deniedAttempts: denied.sort((a, b) => (a.at ?? '').localeCompare(b.at ?? '')),
  };
}

interface MutableTarget {
  restores: Restore[];
  lastCase: TargetEvidence['lastCase'];
  exemptionSeen: TargetEvidence['exemptionSeen'];
  current: TargetEvidence['current'];
}

/** Markdown cell text: no pipe or line break can break the table. */
function cell(value: string | null | undefined): string {
  return (value ?? '—').replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');
}

/** The watch section: per Region, how many hours the compliance metric vouches for. */
function watchLines(report: EvidenceReport): string[] {
  const watch = report.watch;
  if (watch === null) return [];
  return [
    '## Watched by the responder',
    '',
    `Hourly minimum of \`${cell(watch.metric)}\` (1: compliant after every evaluation in the hour; 0: left non-compliant by one; no datapoint: the responder did not report).`,
    '',
    ...watch.regions.map((region) => `- ${cell(describeWatch(region))}`),
    ...watch.unavailable.map((region) => `- ${cell(region.region)}: not read (${cell(region.reason)})`),
    '',
  ];
}

export function renderEvidenceMarkdown(report: EvidenceReport): string {
  const lines = [
    '# GuardDuty EKS Runtime Monitoring: evidence report',
    '',
    `Period: ${report.period.since} to ${report.period.until} · generated ${report.generatedAt} · state table \`${cell(report.table)}\``,
    '',
    `${report.summary.compliantNow} of ${report.summary.detectors} detectors compliant now · ${report.summary.restores} restores · ${report.summary.deniedAttempts} denied attempts in the period.`,
    '',
    `> ${report.coverage.note}`,
    '',
    ...watchLines(report),
    '## Detectors now',
    '',
    '| Account | Region | Detector | Verdict now | Generation | Exemption | Last case |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...report.targets.map((target) =>
      [
        '',
        cell(target.accountId),
        cell(target.region),
        `\`${cell(target.detectorId)}\``,
        cell(target.current?.verdict ?? 'not read'),
        cell(target.current?.generationInUse),
        cell(
          target.current?.exemption ?? (target.exemptionSeen ? `until ${target.exemptionSeen.until}` : null),
        ),
        cell(
          target.lastCase
            ? `${target.lastCase.outcome ?? '?'} (${target.lastCase.actor ?? 'unknown'})`
            : null,
        ),
        '',
      ]
        .join(' | ')
        .trim(),
    ),
    '',
    '## Restores in the period',
    '',
  ];
  const restores = report.targets.flatMap((target) =>
    target.restores.map((restore) => ({ target, restore })),
  );
  if (restores.length === 0) lines.push('None recorded.');
  else {
    lines.push(
      '| When | Account | Region | Detector | Turned off by | Restored | Event |',
      '| --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const { target, restore } of restores.sort((a, b) => a.restore.at.localeCompare(b.restore.at))) {
      lines.push(
        `| ${cell(restore.at)} | ${cell(target.accountId)} | ${cell(target.region)} | \`${cell(target.detectorId)}\` | ${cell(restore.actor)} | ${cell(restore.generation)} | \`${cell(restore.eventId)}\` |`,
      );
    }
  }
  lines.push('', '## Denied attempts', '');
  if (report.deniedAttempts.length === 0) lines.push('None recorded.');
  else
    for (const attempt of report.deniedAttempts)
      lines.push(`- ${cell(attempt.at)}: CloudTrail event \`${cell(attempt.eventId)}\``);
  return `${lines.join('\n')}\n`;
}
