import { fileURLToPath } from 'node:url';
import { Aws, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
// Pure modules of the handler (no AWS SDK import): the names below are shared, not copied, so they cannot drift.
import {
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
} from '../handlers/core/metrics.js';
import { ORGANIZATION_API_CALLS, SUPPORTED_API_CALLS } from '../handlers/core/types.js';
import type { OrganizationAutoEnableTarget, ResponderMode, ResponderScope } from './config.js';

/** The Lambda entry point (contract: `handlers/drift-responder.ts` exports `handler`). */
export const HANDLER_ENTRY = fileURLToPath(new URL('../handlers/drift-responder.ts', import.meta.url));

/**
 * The GuardDuty API calls whose CloudTrail records the handler acts on (the rule matches exactly these), taken from
 * the handler's own lists so the rule cannot drift from what the handler parses.
 */
export const SUPPORTED_EVENT_NAMES = [...SUPPORTED_API_CALLS, ...ORGANIZATION_API_CALLS] as const;

/** Metric names the handler publishes (contract, from `handlers/core/metrics.ts`), all with the dimension `Region`. */
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
} as const;

/**
 * The GuardDuty calls of organization scope, all made by the delegated administrator with its own detector id
 * (so on its own `detector` resource, the only resource type these actions take).
 */
export const ORGANIZATION_ACTIONS = [
  'guardduty:ListMembers',
  'guardduty:GetMemberDetectors',
  'guardduty:UpdateMemberDetectors',
  'guardduty:DescribeOrganizationConfiguration',
  'guardduty:UpdateOrganizationConfiguration',
] as const;

export const DEFAULT_METRIC_NAMESPACE = 'GuardDutyDriftResponder';

/**
 * Bounds of `maxRemediationsPerHour`: the function's configuration check (`handlers/config.ts`) accepts 1 to 999 in
 * `MAX_REMEDIATIONS_PER_HOUR` and fails every cold start on anything else, so the construct refuses it at synth.
 */
export const MAX_REMEDIATIONS_PER_HOUR = { min: 1, max: 999 } as const;

/** Makes the ESM bundle able to `require()` Node built-ins from CommonJS dependencies (the SDK's). */
const ESM_REQUIRE_BANNER =
  "import { createRequire as __driftResponderCreateRequire } from 'node:module'; " +
  'const require = __driftResponderCreateRequire(import.meta.url);';

/** A Slack channel (AWS Chatbot / Amazon Q Developer in chat applications) that receives the topic's messages. */
export interface SlackChannelProps {
  /** Id of a Slack workspace already authorised in the AWS Chatbot console (e.g. `T012AB3CD`). */
  readonly workspaceId: string;
  /** Id of the channel (e.g. `C012AB3CD`); private channels need the AWS app invited first. */
  readonly channelId: string;
}

/** Properties of {@link GuardDutyDriftResponder}. */
export interface GuardDutyDriftResponderProps {
  /**
   * What the function does when it finds drift: `remediate` re-enables runtime monitoring, `notify` only reports.
   * @default 'remediate'
   */
  readonly mode?: ResponderMode;
  /**
   * What the function watches. `account`: the detector of this account and Region. `organization`: deployed in the
   * GuardDuty delegated administrator account, every associated member account (through `UpdateMemberDetectors`)
   * and the organization's auto-enable setting; this adds the member and organization configuration permissions,
   * the organization metrics on the dashboard and an auto-enable alarm.
   * @default 'account'
   */
  readonly scope?: ResponderScope;
  /**
   * Organization scope only: the auto-enable setting of runtime monitoring (and of its agent management) that
   * counts as compliant and that the function restores: `ALL` (every member account) or `NEW` (accounts that join
   * later). Setting it with `account` scope is an error.
   * @default 'ALL' in organization scope
   */
  readonly organizationAutoEnableTarget?: OrganizationAutoEnableTarget;
  /**
   * E-mail addresses subscribed to the alert topic. Each address receives a confirmation mail first.
   * @default - no e-mail subscription
   */
  readonly notificationEmails?: readonly string[];
  /**
   * Slack channel bound to the alert topic through AWS Chatbot.
   * @default - no Slack channel
   */
  readonly slack?: SlackChannelProps;
  /**
   * Time between two scheduled sweeps of every detector. The heartbeat alarm fires after two intervals without a
   * compliance datapoint, so it must be between 5 minutes and 12 hours.
   * @default Duration.minutes(30)
   */
  readonly sweepInterval?: Duration;
  /**
   * Whether EKS add-on (agent) management must be enabled for a detector to be compliant (GuardDuty.7).
   * @default true
   */
  readonly requireAgentManagement?: boolean;
  /**
   * Remediations of one detector per hour after which the circuit breaker stops remediating and pages (1–999).
   * @default 3
   */
  readonly maxRemediationsPerHour?: number;
  /**
   * CloudWatch namespace of the responder's metrics (the function may only write to this one).
   * @default 'GuardDutyDriftResponder'
   */
  readonly metricNamespace?: string;
  /**
   * Memory of the function, in MiB.
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * Timeout of one invocation. It is also how long a claim is leased, i.e. how long a redelivery waits before it
   * takes over from a crashed invocation.
   * @default Duration.seconds(60); Duration.minutes(5) in organization scope
   */
  readonly timeout?: Duration;
  /**
   * Retention of the function's log group (the logs are the audit record of every remediation).
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Asynchronous invocation retries by Lambda after a failed invocation (0–2).
   * @default 2
   */
  readonly retryAttempts?: number;
  /**
   * Oldest age of an event Lambda (and the EventBridge targets) still tries to deliver before sending it to the
   * dead-letter queue. An hour covers two sweeps already: an older event only adds a late page, so it is better
   * parked in the dead-letter queue (which alarms) than retried for the 6-hour maximum.
   * @default Duration.hours(1)
   */
  readonly maxEventAge?: Duration;
  /**
   * Reserved concurrency of the function. Not set by default: the load is a handful of events a day, and a
   * reservation fails to deploy in accounts whose concurrency quota is still the new-account default of 10.
   * @default - unreserved
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * Regions whose compliance metric the dashboard shows side by side (each Region's stack publishes its own).
   * @default - this stack's Region only
   */
  readonly dashboardRegions?: readonly string[];
  /**
   * Name of the CloudWatch dashboard (dashboard names are unique per account, not per Region).
   * @default `${metricNamespace}-${region}`, with characters a dashboard name cannot hold replaced by `-`
   */
  readonly dashboardName?: string;
}

/**
 * The GuardDuty EKS Runtime Monitoring drift responder for one account and Region: the function, the CloudTrail
 * rule and the sweep schedule that invoke it, its state table, the encrypted alert topic (e-mail, optional Slack),
 * the dead-letter queue, the alarms and a dashboard.
 */
export class GuardDutyDriftResponder extends Construct {
  /** The responder function. */
  readonly function: nodejs.NodejsFunction;
  /** The function's execution role: exactly the statements of `addFunctionPermissions`, nothing managed. */
  readonly role: iam.Role;
  /** Alert topic: the function's notifications and the alarms. */
  readonly topic: sns.Topic;
  /** Customer-managed key encrypting the topic. */
  readonly topicKey: kms.Key;
  /** Dead letters of the function (async on-failure), the rule targets and the e-mail subscriptions. */
  readonly deadLetterQueue: sqs.Queue;
  /** Idempotency records and remediation history (contract: `pk`, `sk`, TTL `expiresAt`). */
  readonly stateTable: dynamodb.Table;
  /** Rule on the CloudTrail records of the supported GuardDuty calls. */
  readonly eventRule: events.Rule;
  /** Schedule of the sweep. */
  readonly sweepRule: events.Rule;
  /** Compliance metric of this Region, as the handler publishes it. */
  readonly complianceMetric: cloudwatch.Metric;
  /** What the function watches: this account's detector, or the organization (delegated administrator). */
  readonly scope: ResponderScope;
  /** The alarms, all wired to the topic. */
  readonly alarms: {
    readonly nonCompliance: cloudwatch.Alarm;
    readonly heartbeat: cloudwatch.Alarm;
    readonly functionErrors: cloudwatch.Alarm;
    readonly deadLetters: cloudwatch.Alarm;
    /** Organization scope only: the organization's auto-enable setting is below the target. */
    readonly organizationAutoEnable?: cloudwatch.Alarm;
  };
  readonly dashboard: cloudwatch.Dashboard;
  /** The Slack channel configuration, when `slack` is set. */
  readonly slackChannel: chatbot.SlackChannelConfiguration | undefined;

  constructor(scope: Construct, id: string, props: GuardDutyDriftResponderProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    const namespace = props.metricNamespace ?? DEFAULT_METRIC_NAMESPACE;
    const sweepInterval = props.sweepInterval ?? Duration.minutes(30);
    const maxEventAge = props.maxEventAge ?? Duration.hours(1);
    validateProps(this, props, sweepInterval);
    this.scope = props.scope ?? 'account';

    this.topicKey = new kms.Key(this, 'TopicKey', {
      description: 'Encrypts the GuardDuty drift responder alert topic',
      enableKeyRotation: true,
      // The key protects messages in flight only; once the topic is gone it has nothing left to decrypt.
      // Deletion is still scheduled with the 30-day waiting period, so a mistaken teardown can be undone.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const alarmSourceConditions = {
      StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
      ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*` },
    };
    this.topicKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsOfThisAccountToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: alarmSourceConditions,
      }),
    );

    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'GuardDuty drift responder',
      masterKey: this.topicKey,
      enforceSSL: true,
    });
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsOfThisAccountToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: alarmSourceConditions,
      }),
    );

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      // SQS-managed keys: EventBridge, Lambda destinations and SNS can all write without a key policy, and the
      // function needs no KMS permission for it.
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue (of the function, the rule targets and the e-mail ' +
        'subscriptions); nothing consumes it automatically, so it needs no dead-letter queue of its own.',
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'Serverless-SQSRedrivePolicy',
      reason:
        'This queue is itself the dead-letter queue; operators inspect and redrive it by hand after the ' +
        'dead-letter alarm, so a further redrive target would only hide messages.',
    });

    for (const email of props.notificationEmails ?? []) {
      // A failed delivery is kept in the dead-letter queue (and alarms) instead of vanishing.
      this.topic.addSubscription(
        new subscriptions.EmailSubscription(email, { deadLetterQueue: this.deadLetterQueue }),
      );
    }

    this.stateTable = new dynamodb.Table(this, 'StateTable', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: 'expiresAt',
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      // Holds only idempotency records (minutes) and a 7-day remediation history for the circuit breaker, all
      // with a TTL; the audit record is the logs and the alerts. Keeping it after teardown would only leave debris.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const logGroup = new logs.LogGroup(this, 'FunctionLogs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      // The logs are the audit trail of every remediation: they outlive the stack.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.role = new iam.Role(this, 'FunctionRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description:
        'GuardDuty drift responder: reads and re-enables detectors, alerts, records metrics and state',
    });
    const policy = this.addFunctionPermissions(namespace, logGroup, this.scope);

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: HANDLER_ENTRY,
      handler: 'handler',
      description: 'Keeps GuardDuty EKS Runtime Monitoring on and reports every change to it',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      // An organization sweep lists members 50 per page, one page after another: 10,000 members at 250 ms a call
      // would use 60 s (docs/performance.md), so organization scope gets room to spare.
      timeout: props.timeout ?? (props.scope === 'organization' ? Duration.minutes(5) : Duration.seconds(60)),
      role: this.role,
      logGroup,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      retryAttempts: props.retryAttempts ?? 2,
      maxEventAge,
      onFailure: sendMessageDestination(this.deadLetterQueue),
      environment: {
        RESPONDER_MODE: props.mode ?? 'remediate',
        NOTIFICATION_TOPIC_ARN: this.topic.topicArn,
        METRIC_NAMESPACE: namespace,
        REQUIRE_AGENT_MANAGEMENT: String(props.requireAgentManagement ?? true),
        MAX_REMEDIATIONS_PER_HOUR: String(props.maxRemediationsPerHour ?? 3),
        RESPONDER_SCOPE: this.scope,
        ...(this.scope === 'organization'
          ? { ORGANIZATION_AUTO_ENABLE_TARGET: props.organizationAutoEnableTarget ?? 'ALL' }
          : {}),
        STATE_TABLE_NAME: this.stateTable.tableName,
        // The handler treats a CloudTrail record as its own re-enable only when the session issuer is this role.
        // The role exists before the function, so the reference is not circular.
        RESPONDER_ROLE_ARN: this.role.roleArn,
        LOG_LEVEL: 'INFO',
      },
      bundling: {
        format: nodejs.OutputFormat.ESM,
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        target: 'node24',
        minify: true,
        keepNames: true,
        sourceMap: false,
        // The function ships its own, pinned SDK instead of the runtime's: same code in tests and in Lambda.
        externalModules: [],
      },
    });
    // Lambda checks the role can write to the on-failure destination when the invoke config is created.
    this.function.node.addDependency(policy);
    Validations.of(this.function).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason:
        'Failed asynchronous invocations go to the on-failure destination (the same dead-letter queue), the ' +
        'successor of a DeadLetterConfig: it receives the same events plus the error and the invocation context.',
    });
    Validations.of(this.function).acknowledge({
      id: 'Serverless-LambdaTracing',
      reason:
        'X-Ray would need xray:PutTraceSegments on "*" in a role that is otherwise scoped to one topic, one ' +
        "table and this Region's detectors; a handful of AWS calls per event (an organization sweep: batches " +
        'of the same few), and its structured logs (one line per decision) and metrics already show each outcome.',
    });

    const targetOptions = {
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: 3,
      maxEventAge,
    };
    this.eventRule = new events.Rule(this, 'GuardDutyChangeRule', {
      description: 'GuardDuty detector changes recorded by CloudTrail, for the drift responder',
      eventPattern: {
        source: ['aws.guardduty'],
        detailType: ['AWS API Call via CloudTrail'],
        // No filter on errorCode: a denied attempt to disable protection is reported too.
        detail: { eventSource: ['guardduty.amazonaws.com'], eventName: [...SUPPORTED_EVENT_NAMES] },
      },
      targets: [new targets.LambdaFunction(this.function, targetOptions)],
    });
    this.sweepRule = new events.Rule(this, 'SweepSchedule', {
      description: 'Scheduled sweep of every GuardDuty detector, for the drift responder',
      schedule: events.Schedule.rate(sweepInterval),
      targets: [new targets.LambdaFunction(this.function, targetOptions)],
    });

    this.slackChannel = props.slack ? this.addSlackChannel(props.slack, stack.region) : undefined;

    const region = stack.region;
    const metric = (metricName: string, statistic: string, period: Duration, metricRegion = region) =>
      new cloudwatch.Metric({
        namespace,
        metricName,
        dimensionsMap: { Region: metricRegion },
        statistic,
        period,
        // Only name the Region when it differs from the dashboard's own (cross-Region widget).
        region: metricRegion === region ? undefined : metricRegion,
      });
    this.complianceMetric = metric(METRIC_NAMES.compliance, cloudwatch.Stats.MINIMUM, Duration.minutes(1));

    const alarmAction = new cloudwatchActions.SnsAction(this.topic);
    const wire = (alarm: cloudwatch.Alarm): cloudwatch.Alarm => {
      alarm.addAlarmAction(alarmAction);
      alarm.addOkAction(alarmAction);
      return alarm;
    };
    this.alarms = {
      nonCompliance: wire(
        new cloudwatch.Alarm(this, 'NonComplianceAlarm', {
          alarmDescription:
            'An evaluation found GuardDuty EKS Runtime Monitoring off (or its agent management off) in this ' +
            'Region. Stays in alarm until an evaluation finds it compliant again (missing data keeps the state).',
          metric: this.complianceMetric,
          threshold: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.IGNORE,
        }),
      ),
      heartbeat: wire(
        new cloudwatch.Alarm(this, 'HeartbeatAlarm', {
          alarmDescription:
            'No compliance evaluation for two sweep intervals: the sweep or the function is not running, so ' +
            'drift would go unnoticed.',
          metric: metric(METRIC_NAMES.compliance, cloudwatch.Stats.SAMPLE_COUNT, sweepInterval),
          threshold: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
          evaluationPeriods: 2,
          datapointsToAlarm: 2,
          treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        }),
      ),
      functionErrors: wire(
        new cloudwatch.Alarm(this, 'FunctionErrorsAlarm', {
          alarmDescription:
            'The drift responder function failed. Lambda retries twice, then the event goes to the dead-letter ' +
            'queue; see the function logs.',
          metric: this.function.metricErrors({
            period: Duration.minutes(5),
            statistic: cloudwatch.Stats.SUM,
          }),
          threshold: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      ),
      deadLetters: wire(
        new cloudwatch.Alarm(this, 'DeadLettersAlarm', {
          alarmDescription:
            'Events or alerts were not delivered and wait in the dead-letter queue: a drift may be unhandled. ' +
            'Inspect the messages, fix the cause, then redrive or delete them.',
          metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
            period: Duration.minutes(1),
            statistic: cloudwatch.Stats.MAXIMUM,
          }),
          threshold: 0,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      ),
      ...(this.scope === 'organization'
        ? {
            organizationAutoEnable: wire(
              new cloudwatch.Alarm(this, 'OrganizationAutoEnableAlarm', {
                alarmDescription:
                  "The organization's auto-enable setting of EKS Runtime Monitoring (or of its agent management) " +
                  'was found below the target, so member accounts may be left unprotected. Stays in alarm until ' +
                  'an evaluation finds it at the target again (missing data keeps the state).',
                metric: metric(
                  ORGANIZATION_METRIC_NAMES.autoEnableCompliant,
                  cloudwatch.Stats.MINIMUM,
                  Duration.minutes(1),
                ),
                threshold: 1,
                comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
                evaluationPeriods: 1,
                treatMissingData: cloudwatch.TreatMissingData.IGNORE,
              }),
            ),
          }
        : {}),
    };

    const dashboardRegions = props.dashboardRegions ?? [region];
    const fiveMinutes = Duration.minutes(5);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      // Dashboard names allow letters, digits, - and _ only; namespaces may also hold / . # : and spaces.
      dashboardName: props.dashboardName ?? `${namespace.replace(/[^A-Za-z0-9_-]/g, '-')}-${region}`,
      defaultInterval: Duration.days(7),
    });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'EKS Runtime Monitoring compliance per Region (1 = compliant)',
        width: 24,
        left: dashboardRegions.map((r) =>
          metric(METRIC_NAMES.compliance, cloudwatch.Stats.MINIMUM, fiveMinutes, r).with({ label: r }),
        ),
        leftYAxis: { min: 0, max: 1 },
      }),
    );
    this.dashboard.addWidgets(
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
          this.function.metricErrors({
            period: fiveMinutes,
            statistic: cloudwatch.Stats.SUM,
            label: 'Errors',
          }),
          this.function.metricInvocations({ period: fiveMinutes, label: 'Invocations' }),
        ],
        right: [
          this.function.metricDuration({
            period: fiveMinutes,
            statistic: cloudwatch.Stats.p(99),
            label: 'p99 ms',
          }),
          this.function.metricDuration({
            period: fiveMinutes,
            statistic: cloudwatch.Stats.MAXIMUM,
            label: 'max ms',
          }),
        ],
      }),
    );
    if (this.scope === 'organization') {
      const organizationMetric = (name: string, statistic: string) =>
        metric(name, statistic, fiveMinutes).with({ label: name });
      this.dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: 'Organization member accounts (largest evaluation, and remediations, per 5 minutes)',
          width: 16,
          left: [
            organizationMetric(ORGANIZATION_METRIC_NAMES.accountsNonCompliant, cloudwatch.Stats.MAXIMUM),
            organizationMetric(ORGANIZATION_METRIC_NAMES.accountsRemediated, cloudwatch.Stats.SUM),
            organizationMetric(ORGANIZATION_METRIC_NAMES.accountsRemediationFailed, cloudwatch.Stats.SUM),
          ],
          // Thousands of evaluated accounts would flatten the handful that drift: they get their own axis.
          right: [organizationMetric(ORGANIZATION_METRIC_NAMES.accountsEvaluated, cloudwatch.Stats.MAXIMUM)],
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
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({
        title: 'Alarms',
        width: 24,
        alarms: Object.values(this.alarms).filter((alarm) => alarm !== undefined),
      }),
    );
  }

  /** The function's whole policy: each statement names exactly what the handler calls, on its own resources. */
  private addFunctionPermissions(
    namespace: string,
    logGroup: logs.LogGroup,
    scope: ResponderScope,
  ): iam.Policy {
    const policy = new iam.Policy(this, 'FunctionPolicy', {
      statements: [
        new iam.PolicyStatement({
          sid: 'ReadAndRepairDetectorsOfThisAccountAndRegion',
          actions: ['guardduty:GetDetector', 'guardduty:UpdateDetector'],
          // Pseudo parameters rather than the stack's env, so the policy reads the same in every stack.
          resources: [`arn:${Aws.PARTITION}:guardduty:${Aws.REGION}:${Aws.ACCOUNT_ID}:detector/*`],
        }),
        new iam.PolicyStatement({
          sid: 'FindDetectorsForTheSweep',
          actions: ['guardduty:ListDetectors'],
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          sid: 'PublishAlerts',
          actions: ['sns:Publish'],
          resources: [this.topic.topicArn],
        }),
        new iam.PolicyStatement({
          sid: 'EncryptAlertsForTheTopic',
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: [this.topicKey.keyArn],
        }),
        new iam.PolicyStatement({
          sid: 'PutMetricsInOwnNamespace',
          actions: ['cloudwatch:PutMetricData'],
          resources: ['*'],
          conditions: { StringEquals: { 'cloudwatch:namespace': namespace } },
        }),
        new iam.PolicyStatement({
          sid: 'KeepIdempotencyAndRemediationHistory',
          actions: ['dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:BatchWriteItem'],
          resources: [this.stateTable.tableArn],
        }),
        new iam.PolicyStatement({
          sid: 'WriteOwnLogs',
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [logGroup.logGroupArn],
        }),
        new iam.PolicyStatement({
          sid: 'ParkFailedEventsInDeadLetterQueue',
          actions: ['sqs:SendMessage'],
          resources: [this.deadLetterQueue.queueArn],
        }),
      ],
    });
    policy.attachToRole(this.role);
    const acknowledge = (finding: string, reason: string) =>
      Validations.of(policy).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
    const detectorFinding =
      'Resource::arn:<AWS::Partition>:guardduty:<AWS::Region>:<AWS::AccountId>:detector/*';
    acknowledge(
      detectorFinding,
      'Detector ids are created outside this stack and change when a detector is deleted and re-created; ' +
        'the pattern is limited to detectors of this account and Region (there is at most one).',
    );
    if (scope === 'organization') {
      // Member detectors are reached through the administrator's own detector: every member and organization call
      // names the administrator's detector id, so this account's detector/* is the whole resource scope.
      policy.addStatements(
        new iam.PolicyStatement({
          sid: 'ManageMemberDetectorsAsDelegatedAdministrator',
          actions: [...ORGANIZATION_ACTIONS],
          resources: [`arn:${Aws.PARTITION}:guardduty:${Aws.REGION}:${Aws.ACCOUNT_ID}:detector/*`],
        }),
      );
      acknowledge(
        detectorFinding,
        'Organization scope: the member and organization configuration calls take only the delegated ' +
          "administrator's own detector (the detector resource type, Service Authorization Reference); its id is " +
          'created outside this stack, and the pattern is limited to this account and Region, where there is at most one.',
      );
    }
    acknowledge(
      'Resource::*',
      'guardduty:ListDetectors and cloudwatch:PutMetricData support no resource-level permissions (Service ' +
        "Authorization Reference); PutMetricData is limited to this responder's namespace by the " +
        'cloudwatch:namespace condition.',
    );
    acknowledge(
      'Action::kms:GenerateDataKey*',
      'Publishing to a KMS-encrypted topic needs kms:GenerateDataKey* and kms:Decrypt (SNS developer guide); ' +
        "the statement is limited to the topic's own key.",
    );
    return policy;
  }

  private addSlackChannel(slack: SlackChannelProps, region: string): chatbot.SlackChannelConfiguration {
    // Notifications only: the channel role has no permission, and the guardrail caps it at read-only even if
    // someone attaches policies to it later, so nobody can change AWS resources from Slack.
    const role = new iam.Role(this, 'SlackChannelRole', {
      assumedBy: new iam.ServicePrincipal('chatbot.amazonaws.com'),
      description: 'AWS Chatbot channel of the GuardDuty drift responder (notifications only)',
    });
    return new chatbot.SlackChannelConfiguration(this, 'SlackChannel', {
      slackChannelConfigurationName: `guardduty-drift-responder-${region}`,
      slackWorkspaceId: slack.workspaceId,
      slackChannelId: slack.channelId,
      notificationTopics: [this.topic],
      role,
      guardrailPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('ReadOnlyAccess')],
      userRoleRequired: false,
      loggingLevel: chatbot.LoggingLevel.ERROR,
    });
  }
}

/**
 * A Lambda on-failure destination that only grants `sqs:SendMessage` (the CDK's SqsDestination also grants
 * GetQueueAttributes and GetQueueUrl, which Lambda does not need); the grant is in the function policy.
 */
function sendMessageDestination(queue: sqs.IQueue): lambda.IDestination {
  return { bind: () => ({ destination: queue.queueArn }) };
}

function validateProps(scope: Construct, props: GuardDutyDriftResponderProps, sweepInterval: Duration): void {
  const problems: string[] = [];
  const minutes = sweepInterval.toMinutes({ integral: false });
  if (!Number.isInteger(minutes) || minutes < 5 || minutes > 720) {
    problems.push(
      `sweepInterval must be a whole number of minutes from 5 to 720 (received ${minutes} minutes)`,
    );
  }
  const retries = props.retryAttempts;
  if (retries !== undefined && (!Number.isInteger(retries) || retries < 0 || retries > 2)) {
    problems.push(`retryAttempts must be 0, 1 or 2 (received ${retries})`);
  }
  const limit = props.maxRemediationsPerHour;
  if (
    limit !== undefined &&
    (!Number.isInteger(limit) ||
      limit < MAX_REMEDIATIONS_PER_HOUR.min ||
      limit > MAX_REMEDIATIONS_PER_HOUR.max)
  ) {
    problems.push(
      `maxRemediationsPerHour must be a whole number from ${MAX_REMEDIATIONS_PER_HOUR.min} to ` +
        `${MAX_REMEDIATIONS_PER_HOUR.max}, the range the function accepts in MAX_REMEDIATIONS_PER_HOUR ` +
        `(received ${limit})`,
    );
  }
  if (props.organizationAutoEnableTarget !== undefined && props.scope !== 'organization') {
    problems.push(
      'organizationAutoEnableTarget applies only with scope "organization" ' +
        `(received ${props.organizationAutoEnableTarget} with scope ${props.scope ?? 'account'})`,
    );
  }
  if (problems.length > 0) {
    throw new Error(`GuardDutyDriftResponder ${scope.node.path}: ${problems.join('; ')}`);
  }
}
