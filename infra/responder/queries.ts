import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { TIME_TO_RESTORE_METRIC } from '../../handlers/contract.js';
import type { ResponderMetric } from './metrics.js';
import type { ResponderSettings } from './props.js';

/**
 * The decision outcomes that are a drift (protection was found off): the ones an auditor counts. The field names
 * below are the audit fields of every decision line (handlers/flow/context.ts `auditFields`).
 */
export const DRIFT_OUTCOMES = [
  'remediate',
  'would-remediate',
  'exempt',
  'circuit-open',
  'detector-deleted',
] as const;

const DECISION = 'message = "decision"';
const DRIFT = `outcome in [${DRIFT_OUTCOMES.map((outcome) => `"${outcome}"`).join(', ')}]`;

/**
 * The CloudWatch Logs Insights queries shipped with the stack (saved queries of the function's log group). The time
 * range is the console's (default 1 hour: pick 30 days); the queries themselves never depend on it.
 */
export const AUDIT_QUERIES = {
  whoTurnedProtectionOff: {
    name: 'Who turned protection off (pick the last 30 days)',
    query: new logs.QueryString({
      fields: [
        '@timestamp',
        'actor',
        'actorType',
        'sourceIp',
        'accountId',
        'region',
        'detectorId',
        'change',
        'outcome',
      ],
      filterStatements: [DECISION, 'trigger = "api-call"', DRIFT],
      sort: '@timestamp desc',
      limit: 1000,
    }),
  },
  driftsAndHowLong: {
    name: 'Drifts and how long each lasted',
    query: new logs.QueryString({
      fields: [
        '@timestamp',
        'accountId',
        'region',
        'detectorId',
        'actor',
        'outcome',
        'mode',
        'timeToRestoreSeconds',
        'timeToRestoreFrom',
        'eventId',
      ],
      filterStatements: [DECISION, DRIFT],
      sort: '@timestamp desc',
      limit: 1000,
    }),
  },
  deniedAttempts: {
    name: 'Denied attempts to reduce protection',
    query: new logs.QueryString({
      fields: [
        '@timestamp',
        'actor',
        'actorType',
        'sourceIp',
        'accountId',
        'region',
        'detectorId',
        'change',
        'eventId',
      ],
      filterStatements: [DECISION, 'outcome = "disable-denied"'],
      sort: '@timestamp desc',
      limit: 1000,
    }),
  },
  timeToRestorePerRegion: {
    name: 'Time to restore per Region (p50, p95, max seconds)',
    query: new logs.QueryString({
      filterStatements: [DECISION, 'ispresent(timeToRestoreSeconds)', 'timeToRestoreSeconds >= 0'],
      statsStatements: [
        'pct(timeToRestoreSeconds, 50) as p50, pct(timeToRestoreSeconds, 95) as p95, max(timeToRestoreSeconds) as max, count(*) as restores by region',
      ],
    }),
  },
} as const;
export type AuditQueryName = keyof typeof AUDIT_QUERIES;

/** The last drifts, as the dashboard's log widget shows them. */
export const LAST_DRIFTS_QUERY = new logs.QueryString({
  fields: [
    '@timestamp',
    'accountId',
    'region',
    'actor',
    'outcome',
    'timeToRestoreSeconds',
    'timeToRestoreFrom',
  ],
  filterStatements: [DECISION, DRIFT],
  sort: '@timestamp desc',
  limit: 20,
});

/**
 * Adds the saved queries, ids `AuditQuery<Name>` on `responder`, in a folder named after the dashboard (so two
 * responders in one account and Region keep theirs apart).
 */
export function addAuditQueries(
  responder: Construct,
  settings: ResponderSettings,
  logGroup: logs.ILogGroup,
): Record<AuditQueryName, logs.QueryDefinition> {
  const entries = (Object.keys(AUDIT_QUERIES) as AuditQueryName[]).map((key) => {
    const { name, query } = AUDIT_QUERIES[key];
    const id = `AuditQuery${key.charAt(0).toUpperCase()}${key.slice(1)}`;
    const definition = new logs.QueryDefinition(responder, id, {
      queryDefinitionName: `${settings.dashboardName}/${name}`,
      queryString: query,
      logGroups: [logGroup],
    });
    return [key, definition] as const;
  });
  return Object.fromEntries(entries) as Record<AuditQueryName, logs.QueryDefinition>;
}

/**
 * The audit widgets of the dashboard: time to restore per Region (p50, p95, max) and the last drifts from the log.
 * Sweep restores count from when the sweep found the drift (the log widget's `timeToRestoreFrom` says which).
 */
export function auditWidgets(
  settings: ResponderSettings,
  metric: ResponderMetric,
  logGroup: logs.ILogGroup,
): cloudwatch.IWidget[] {
  const period = Duration.hours(1);
  const statistics = [
    ['p50', cloudwatch.Stats.p(50)],
    ['p95', cloudwatch.Stats.p(95)],
    ['max', cloudwatch.Stats.MAXIMUM],
  ] as const;
  return [
    new cloudwatch.GraphWidget({
      title:
        'Time to restore per Region, seconds (from the disabling call; sweep-found drifts from the sweep)',
      width: 24,
      left: settings.dashboardRegions.flatMap((region) =>
        statistics.map(([label, statistic]) =>
          metric(TIME_TO_RESTORE_METRIC, statistic, period, region).with({ label: `${region} ${label}` }),
        ),
      ),
      leftYAxis: { min: 0 },
    }),
    new cloudwatch.LogQueryWidget({
      title: 'Last drifts (who, where, outcome, time to restore)',
      width: 24,
      height: 8,
      logGroupNames: [logGroup.logGroupName],
      queryString: LAST_DRIFTS_QUERY.toString(),
      view: cloudwatch.LogQueryVisualizationType.TABLE,
    }),
  ];
}
