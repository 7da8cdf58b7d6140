import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import {
  CLUSTERS_COVERED_METRIC,
  CLUSTERS_EXCLUDED_METRIC,
  CLUSTERS_UNHEALTHY_METRIC,
} from '../../handlers/core/coverage.js';
import type { ResponderAlarms } from './alarms.js';
import { METRIC_NAMES, ORGANIZATION_METRIC_NAMES, type ResponderMetric } from './metrics.js';
import type { ResponderSettings } from './props.js';

/** What the dashboard shows beside the handler's metrics. */
export interface DashboardSources {
  readonly metric: ResponderMetric;
  readonly fn: lambda.IFunction & { readonly logGroup: logs.ILogGroup };
  readonly alarms: ResponderAlarms;
}

/**
 * Adds the dashboard, id `Dashboard` directly on `responder`: compliance per Region, drift and remediation counts,
 * function errors and duration, the organization's metrics in organization scope, and the alarms' states.
 */
export function addDashboard(
  responder: Construct,
  settings: ResponderSettings,
  sources: DashboardSources,
): cloudwatch.Dashboard {
  const { metric, fn } = sources;
  const fiveMinutes = Duration.minutes(5);
  const dashboard = new cloudwatch.Dashboard(responder, 'Dashboard', {
    dashboardName: settings.dashboardName,
    defaultInterval: Duration.days(7),
  });
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'EKS Runtime Monitoring compliance per Region (1 = compliant)',
      width: 24,
      left: settings.dashboardRegions.map((r) =>
        metric(METRIC_NAMES.compliance, cloudwatch.Stats.MINIMUM, fiveMinutes, r).with({ label: r }),
      ),
      leftYAxis: { min: 0, max: 1 },
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Drift and remediation',
      width: 12,
      left: [
        METRIC_NAMES.driftDetected,
        METRIC_NAMES.remediationSucceeded,
        METRIC_NAMES.remediationFailed,
        METRIC_NAMES.disableDenied,
      ].map((name) => metric(name, cloudwatch.Stats.SUM, fiveMinutes).with({ label: name })),
    }),
    new cloudwatch.GraphWidget({
      title: 'Function errors and duration',
      width: 12,
      left: [
        fn.metricErrors({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM, label: 'Errors' }),
        fn.metricInvocations({ period: fiveMinutes, label: 'Invocations' }),
      ],
      right: [
        fn.metricDuration({ period: fiveMinutes, statistic: cloudwatch.Stats.p(99), label: 'p99 ms' }),
        fn.metricDuration({ period: fiveMinutes, statistic: cloudwatch.Stats.MAXIMUM, label: 'max ms' }),
      ],
    }),
  );
  if (settings.scope === 'organization') {
    const organizationMetric = (name: string, statistic: string) =>
      metric(name, statistic, fiveMinutes).with({ label: name });
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Organization member accounts (largest evaluation, and remediations, per 5 minutes)',
        width: 16,
        left: [
          organizationMetric(ORGANIZATION_METRIC_NAMES.accountsNonCompliant, cloudwatch.Stats.MAXIMUM),
          organizationMetric(ORGANIZATION_METRIC_NAMES.membersUnexplainedDrop, cloudwatch.Stats.MAXIMUM),
          organizationMetric(ORGANIZATION_METRIC_NAMES.accountsRemediated, cloudwatch.Stats.SUM),
          organizationMetric(ORGANIZATION_METRIC_NAMES.accountsRemediationFailed, cloudwatch.Stats.SUM),
        ],
        // Thousands of evaluated accounts would flatten the handful that drift: they get their own axis, shared with
        // GuardDuty's own count (GetOrganizationStatistics, which lags up to 24 h) so the two can be compared.
        right: [
          organizationMetric(ORGANIZATION_METRIC_NAMES.accountsEvaluated, cloudwatch.Stats.MAXIMUM),
          ...[
            ORGANIZATION_METRIC_NAMES.statisticsMemberAccounts,
            ORGANIZATION_METRIC_NAMES.statisticsEnabledAccounts,
            ORGANIZATION_METRIC_NAMES.statisticsRuntimeMonitoring,
            ORGANIZATION_METRIC_NAMES.statisticsEksRuntimeMonitoring,
            ORGANIZATION_METRIC_NAMES.statisticsEksAgentManagement,
          ].map((name) => organizationMetric(name, cloudwatch.Stats.MAXIMUM)),
        ],
        leftYAxis: { min: 0 },
        rightYAxis: { min: 0 },
      }),
      new cloudwatch.GraphWidget({
        title: 'Organization auto-enable at target (1 = compliant)',
        width: 8,
        left: [organizationMetric(ORGANIZATION_METRIC_NAMES.autoEnableCompliant, cloudwatch.Stats.MINIMUM)],
        leftYAxis: { min: 0, max: 1 },
      }),
    );
  }
  dashboard.addWidgets(...coverageRow(settings, sources));
  dashboard.addWidgets(
    new cloudwatch.AlarmStatusWidget({
      title: 'Alarms',
      width: 24,
      alarms: Object.values(sources.alarms).filter((alarm) => alarm !== undefined),
    }),
  );
  return dashboard;
}

/**
 * EKS runtime coverage: the clusters covered, unhealthy and excluded at each sweep, and a Logs Insights table of the
 * unhealthy clusters (the sweep's `coverage-unhealthy-cluster` lines, the latest per cluster).
 */
function coverageRow(settings: ResponderSettings, sources: DashboardSources): cloudwatch.IWidget[] {
  const { metric, fn } = sources;
  const count = (name: string) =>
    metric(name, cloudwatch.Stats.MAXIMUM, settings.sweepInterval).with({ label: name });
  return [
    new cloudwatch.GraphWidget({
      title: 'EKS clusters: runtime coverage at each sweep',
      width: 10,
      left: [count(CLUSTERS_UNHEALTHY_METRIC), count(CLUSTERS_EXCLUDED_METRIC)],
      // Hundreds of covered clusters would flatten the few that are not: they get their own axis.
      right: [count(CLUSTERS_COVERED_METRIC)],
      leftYAxis: { min: 0 },
      rightYAxis: { min: 0 },
    }),
    new cloudwatch.LogQueryWidget({
      title: 'EKS clusters with runtime coverage UNHEALTHY (latest per cluster, from each sweep)',
      width: 14,
      logGroupNames: [fn.logGroup.logGroupName],
      view: cloudwatch.LogQueryVisualizationType.TABLE,
      // One line per unhealthy cluster at every sweep (flow/coverage): the latest per cluster; a `lastSeen` at the
      // last sweep means it is still unhealthy.
      queryLines: [
        'filter message = "coverage-unhealthy-cluster"',
        'stats latest(@timestamp) as lastSeen, latest(issueKind) as issue, latest(coveredNodes) as nodesCovered, ' +
          'latest(compatibleNodes) as nodes, latest(addonVersion) as addon, latest(managementType) as management ' +
          'by accountId, clusterName',
        'sort lastSeen desc',
        'limit 100',
      ],
    }),
  ];
}
