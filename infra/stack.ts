import { type App, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { AppConfig } from './config.js';
import { GuardDutyDriftResponder, type GuardDutyDriftResponderProps } from './responder/index.js';
import { ResponderTrail } from './trail.js';

/** Properties of {@link DriftResponderStack}. */
export interface DriftResponderStackProps extends StackProps {
  /**
   * Properties of the responder construct.
   * @default - the construct's defaults (remediate mode, 30-minute sweep, no subscription)
   */
  readonly responder?: GuardDutyDriftResponderProps;
  /**
   * Whether this stack also creates a multi-Region CloudTrail trail (create it in one stack only).
   * @default false
   */
  readonly createTrail?: boolean;
}

/** One account and Region: the responder, and optionally the trail it depends on. */
export class DriftResponderStack extends Stack {
  readonly responder: GuardDutyDriftResponder;
  readonly trail: ResponderTrail | undefined;

  constructor(scope: Construct, id: string, props: DriftResponderStackProps = {}) {
    super(scope, id, props);
    // The trail first, so the responder can watch it as its own (construct ids, and so logical ids, do not move).
    this.trail = props.createTrail ? new ResponderTrail(this, 'Trail') : undefined;
    this.responder = new GuardDutyDriftResponder(this, 'Responder', {
      ...props.responder,
      ownTrail: props.responder?.ownTrail ?? this.trail?.trail,
    });
    // What the verification steps of docs/deploy.md need, without reading generated names from the console.
    const outputs: Record<string, { value: string; description: string }> = {
      FunctionName: { value: this.responder.function.functionName, description: 'The responder function' },
      LogGroupName: {
        value: this.responder.function.logGroup.logGroupName,
        description: 'Its logs (one structured line per decision)',
      },
      TopicArn: { value: this.responder.topic.topicArn, description: 'Alert topic' },
      DeadLetterQueueUrl: { value: this.responder.deadLetterQueue.queueUrl, description: 'Dead letters' },
      StateTableName: { value: this.responder.stateTable.tableName, description: 'Idempotency and history' },
      DashboardName: { value: this.responder.dashboard.dashboardName, description: 'CloudWatch dashboard' },
    };
    for (const [id, output] of Object.entries(outputs)) new CfnOutput(this, id, output);
  }
}

/** Stack name (and construct id) for a Region; the environment-agnostic stack has no suffix. */
export function stackName(region: string | undefined): string {
  return region === undefined ? 'GuardDutyDriftResponder' : `GuardDutyDriftResponder-${region}`;
}

/**
 * Adds one stack per configured Region (or one environment-agnostic stack when no Region is configured).
 * The trail, when asked for, is created in the first stack only: it is multi-Region already.
 * @param account the target account, or undefined for an account-agnostic synth (offline, no credentials)
 */
export function addResponderStacks(
  app: App,
  config: AppConfig,
  account: string | undefined,
): DriftResponderStack[] {
  const regions: readonly (string | undefined)[] = config.regions.length > 0 ? config.regions : [undefined];
  return regions.map(
    (region, index) =>
      new DriftResponderStack(app, stackName(region), {
        env: region === undefined ? undefined : { account, region },
        description: 'GuardDuty EKS Runtime Monitoring drift responder (guardduty-drift-responder)',
        createTrail: config.createTrail && index === 0,
        responder: {
          mode: config.mode,
          scope: config.scope,
          organizationAutoEnableTarget:
            config.scope === 'organization' ? config.organizationAutoEnableTarget : undefined,
          notificationEmails: config.notificationEmails,
          slack: config.slack,
          sweepInterval: Duration.minutes(config.sweepIntervalMinutes),
          requireAgentManagement: config.requireAgentManagement,
          runtimeTarget: config.runtimeTarget,
          maxRemediationsPerHour: config.maxRemediationsPerHour,
          maxExemptionDays: config.maxExemptionDays,
          coverageAlarmAfter: Duration.minutes(config.coverageAlarmMinutes),
          coverageClusterMetrics: config.coverageClusterMetrics,
          accountName: config.accountName,
          runbookUrl: config.runbookUrl,
          lookupAccountAlias: config.lookupAccountAlias,
          securityHub: config.securityHub,
          dashboardRegions: region === undefined ? undefined : config.regions,
        },
      }),
  );
}
