import type { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
// A pure module of the handler (no AWS SDK import): the names below are shared, not copied, so they cannot drift.
import {
  COMPLIANCE_METRIC,
  DISABLE_DENIED_METRIC,
  DRIFT_DETECTED_METRIC,
  ORG_ACCOUNTS_EVALUATED_METRIC,
  ORG_ACCOUNTS_FAILED_METRIC,
  ORG_ACCOUNTS_NON_COMPLIANT_METRIC,
  ORG_ACCOUNTS_REMEDIATED_METRIC,
  ORG_AUTO_ENABLE_COMPLIANT_METRIC,
  ORG_MEMBERS_UNEXPLAINED_DROP_METRIC,
  ORG_STATISTICS_EKS_AGENT_MANAGEMENT_METRIC,
  ORG_STATISTICS_EKS_RUNTIME_MONITORING_METRIC,
  ORG_STATISTICS_ENABLED_ACCOUNTS_METRIC,
  ORG_STATISTICS_MEMBER_ACCOUNTS_METRIC,
  ORG_STATISTICS_RUNTIME_MONITORING_METRIC,
  REMEDIATION_FAILED_METRIC,
  REMEDIATION_SUCCEEDED_METRIC,
} from '../../handlers/contract.js';
import type { ResponderSettings } from './props.js';

/** Metric names the handler publishes (from `handlers/contract.ts`), all with the dimension `Region`. */
export const METRIC_NAMES = {
  compliance: COMPLIANCE_METRIC,
  driftDetected: DRIFT_DETECTED_METRIC,
  remediationSucceeded: REMEDIATION_SUCCEEDED_METRIC,
  remediationFailed: REMEDIATION_FAILED_METRIC,
  disableDenied: DISABLE_DENIED_METRIC,
} as const;

/**
 * Metric names the handler publishes in organization scope (contract), aggregated per Region (dimension `Region`)
 * rather than per member account: one metric per account would be 10,000 custom metrics in a large organization.
 */
export const ORGANIZATION_METRIC_NAMES = {
  accountsEvaluated: ORG_ACCOUNTS_EVALUATED_METRIC,
  accountsNonCompliant: ORG_ACCOUNTS_NON_COMPLIANT_METRIC,
  accountsRemediated: ORG_ACCOUNTS_REMEDIATED_METRIC,
  accountsRemediationFailed: ORG_ACCOUNTS_FAILED_METRIC,
  autoEnableCompliant: ORG_AUTO_ENABLE_COMPLIANT_METRIC,
  membersUnexplainedDrop: ORG_MEMBERS_UNEXPLAINED_DROP_METRIC,
  // GuardDuty's own count (GetOrganizationStatistics), beside accountsEvaluated, the sweep's.
  statisticsMemberAccounts: ORG_STATISTICS_MEMBER_ACCOUNTS_METRIC,
  statisticsEnabledAccounts: ORG_STATISTICS_ENABLED_ACCOUNTS_METRIC,
  statisticsRuntimeMonitoring: ORG_STATISTICS_RUNTIME_MONITORING_METRIC,
  statisticsEksRuntimeMonitoring: ORG_STATISTICS_EKS_RUNTIME_MONITORING_METRIC,
  statisticsEksAgentManagement: ORG_STATISTICS_EKS_AGENT_MANAGEMENT_METRIC,
} as const;

/** One of the handler's metrics in the responder's namespace, as the alarms and the dashboard read it. */
export type ResponderMetric = (
  metricName: string,
  statistic: string,
  period: Duration,
  metricRegion?: string,
) => cloudwatch.Metric;

/** The handler's metrics of a Region (default: the stack's), dimension `Region`, in the responder's namespace. */
export function responderMetric(settings: ResponderSettings): ResponderMetric {
  const { metricNamespace: namespace, region } = settings;
  return (metricName, statistic, period, metricRegion = region) =>
    new cloudwatch.Metric({
      namespace,
      metricName,
      dimensionsMap: { Region: metricRegion },
      statistic,
      period,
      // Only name the Region when it differs from the dashboard's own (cross-Region widget).
      region: metricRegion === region ? undefined : metricRegion,
    });
}
