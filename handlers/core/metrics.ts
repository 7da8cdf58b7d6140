import { COMPLIANCE_METRIC } from '../contract.js';
import type { MetricPoint } from '../ports.js';

// The names live in the contract (infra builds the dashboard and alarms on them); re-exported for the flow.
export {
  COMPLIANCE_METRIC,
  DISABLE_DENIED_METRIC,
  DRIFT_DETECTED_METRIC,
  ORG_ACCOUNTS_EVALUATED_METRIC,
  ORG_ACCOUNTS_FAILED_METRIC,
  ORG_ACCOUNTS_NON_COMPLIANT_METRIC,
  ORG_ACCOUNTS_REMEDIATED_METRIC,
  ORG_AUTO_ENABLE_COMPLIANT_METRIC,
  REMEDIATION_FAILED_METRIC,
  REMEDIATION_SUCCEEDED_METRIC,
  SECURITY_HUB_FAILED_METRIC,
} from '../contract.js';

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

  /**
   * A datapoint with its own dimensions (they replace `Region`, so name it among them). Only for metrics a deployment
   * opts into: every distinct dimension set is one more custom metric to pay for.
   */
  point(
    name: string,
    value: number,
    unit: MetricPoint['unit'],
    dimensions: Readonly<Record<string, string>>,
  ): void {
    this.points.push({ name, value, unit, timestamp: this.now(), dimensions });
  }

  private add(name: string, value: number, unit: MetricPoint['unit']): void {
    this.points.push({ name, value, unit, timestamp: this.now(), dimensions: { Region: this.region } });
  }
}
