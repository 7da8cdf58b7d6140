import type { MetricPoint } from '../ports.js';

/** Metric names are part of the contract: dashboards and alarms are built on them. */
export const COMPLIANCE_METRIC = 'EksRuntimeMonitoringCompliant';
export const DRIFT_DETECTED_METRIC = 'DriftDetected';
export const REMEDIATION_SUCCEEDED_METRIC = 'RemediationSucceeded';
export const REMEDIATION_FAILED_METRIC = 'RemediationFailed';
export const DISABLE_DENIED_METRIC = 'DisableDenied';

/** Collects the datapoints of one invocation so they go out in a single PutMetricData call at the end. */
export class MetricBatch {
  readonly points: MetricPoint[] = [];

  constructor(
    private readonly region: string,
    private readonly now: () => Date,
  ) {}

  compliance(compliant: boolean, name = COMPLIANCE_METRIC): void {
    this.add(name, compliant ? 1 : 0, 'None');
  }

  count(name: string, value = 1): void {
    this.add(name, value, 'Count');
  }

  private add(name: string, value: number, unit: MetricPoint['unit']): void {
    this.points.push({ name, value, unit, timestamp: this.now(), dimensions: { Region: this.region } });
  }
}

/** Organization mode measures per Region, never per account: 10,000 accounts would be 10,000 custom metrics. */
export const ORG_ACCOUNTS_EVALUATED_METRIC = 'OrganizationAccountsEvaluated';
export const ORG_ACCOUNTS_NON_COMPLIANT_METRIC = 'OrganizationAccountsNonCompliant';
export const ORG_ACCOUNTS_REMEDIATED_METRIC = 'OrganizationAccountsRemediated';
export const ORG_ACCOUNTS_FAILED_METRIC = 'OrganizationAccountsRemediationFailed';
export const ORG_AUTO_ENABLE_COMPLIANT_METRIC = 'OrganizationAutoEnableCompliant';
