/**
 * The construct props (each with its @default) and their validation: over 300 lines because every prop is documented where it is declared.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import type * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import {
  DEFAULTS,
  isMaxExemptionDays,
  isMaxRemediationsPerHour,
  MAX_EXEMPTION_DAYS,
  MAX_EXEMPTION_DAYS_EXPECTED,
  MAX_REMEDIATIONS_PER_HOUR,
  MAX_REMEDIATIONS_PER_HOUR_EXPECTED,
  type OrganizationAutoEnableTarget,
  type ResponderMode,
  type ResponderScope,
  RUNTIME_TARGETS,
  type RuntimeTarget,
} from '../../handlers/contract.js';

/**
 * Bounds of the sweep interval: EventBridge rates below 5 minutes buy nothing, above 12 hours the heartbeat alarm
 * (two intervals) would exceed CloudWatch's one-day evaluation window.
 */
export const SWEEP_INTERVAL_MINUTES = { min: 5, max: 720, default: 30 } as const;

/**
 * Bounds of how long a cluster may stay unhealthy before the coverage alarm fires, in minutes: rounded up to whole
 * sweep intervals (one datapoint a sweep), within CloudWatch's one-day evaluation window.
 */
export const COVERAGE_ALARM_MINUTES = { min: 5, max: 1440, default: 60 } as const;

/** Lambda's one-vCPU memory size (CPU is allotted in proportion to memory; 1,769 MB is one vCPU-second a second). */
export const ORGANIZATION_MEMORY_MB = 1769;

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
   * Which generation of runtime monitoring counts as compliant (`RUNTIME_TARGET`): `any` (either, GuardDuty.7) or
   * `unified` (RUNTIME_MONITORING only, GuardDuty.7 and GuardDuty.11; the function migrates legacy detectors in two
   * requests and disables a redundant legacy feature). See docs/generations.md.
   * @default 'any'
   */
  readonly runtimeTarget?: RuntimeTarget;
  /**
   * How long at least one EKS cluster must stay unhealthy (runtime coverage, read with ListCoverage at each sweep)
   * before the coverage alarm fires. A new cluster is unhealthy while GuardDuty provisions its agent; the time is
   * rounded up to whole sweep intervals and must fit CloudWatch's one-day evaluation window (5 minutes to 24 hours).
   * @default Duration.hours(1)
   */
  readonly coverageAlarmAfter?: Duration;
  /**
   * Whether the sweep also publishes per-cluster coverage metrics (dimensions `Region`, `AccountId`, `ClusterName`):
   * two custom metrics per EKS cluster, each billed. The per-Region counts are always published.
   * @default false
   */
  readonly coverageClusterMetrics?: boolean;
  /**
   * Re-enables of one detector per hour after which it is in a fight: still restored every time, but its pages fold
   * into one critical page an hour (1–60, the range of `MAX_REMEDIATIONS_PER_HOUR` in `handlers/contract.ts`).
   * @default 3
   */
  readonly maxRemediationsPerHour?: number;
  /**
   * The longest exemption the function honours, in days from now; a later end is refused and reported (1–365, the
   * range of `MAX_EXEMPTION_DAYS` in `handlers/contract.ts`, which the CLI's `backout --max-days` also has).
   * @default 30
   */
  readonly maxExemptionDays?: number;
  /**
   * CloudWatch namespace of the responder's metrics (the function may only write to this one).
   * @default 'GuardDutyDriftResponder'
   */
  readonly metricNamespace?: string;
  /**
   * Memory of the function, in MiB (Lambda gives CPU in proportion).
   * @default 256; 1769 in organization scope (one full vCPU: a 50,000-member sweep is CPU-bound, see
   * docs/performance.md)
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
  /**
   * The account's name, shown beside its id in every alert (`ACCOUNT_NAME`, at most 64 characters).
   * @default - none: alerts show the id alone
   */
  readonly accountName?: string;
  /**
   * The runbook alerts link to (`RUNBOOK_URL`, an https URL without a fragment; the section anchors are added).
   * @default - the repository path docs/runbook.md
   */
  readonly runbookUrl?: string;
  /**
   * Without `accountName`, name the account in alerts by its IAM alias: the function calls ListAccountAliases once
   * per cold start, and its role gets `iam:ListAccountAliases` (an action without resource types: `*`).
   * @default false
   */
  readonly lookupAccountAlias?: boolean;
  /**
   * The trail the app created for the responder (infra/trail.ts). The tamper watch reports a stop of any trail; this
   * one it also restarts in remediate mode (`cloudtrail:StartLogging` and `GetTrailStatus` on it alone), and the
   * sweep checks that it still logs. Pass it in the trail's home Region only: a multi-Region trail takes its
   * StopLogging there.
   * @default - no trail of its own: trails are reported, never touched
   */
  readonly ownTrail?: cloudtrail.Trail;
  /**
   * Import one Security Hub finding per drift (product `default` of this account) and resolve it once protection is
   * read back on. Enable Security Hub in the account and Region first. The role gets `securityhub:BatchImportFindings`
   * on that product and `securityhub:BatchUpdateFindings` (Workflow.Status RESOLVED and a note; every other field
   * denied). See docs/audit.md.
   * @default false
   */
  readonly securityHub?: boolean;
}

/** The props with every default applied: what the helpers of `infra/responder/` build from. */
export interface ResponderSettings {
  readonly mode: ResponderMode;
  readonly scope: ResponderScope;
  /** Set in organization scope only. */
  readonly organizationAutoEnableTarget: OrganizationAutoEnableTarget | undefined;
  readonly notificationEmails: readonly string[];
  readonly slack: SlackChannelProps | undefined;
  readonly sweepInterval: Duration;
  readonly requireAgentManagement: boolean;
  readonly coverageAlarmAfter: Duration;
  readonly coverageClusterMetrics: boolean;
  readonly runtimeTarget: RuntimeTarget;
  readonly maxRemediationsPerHour: number;
  readonly maxExemptionDays: number;
  readonly metricNamespace: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly logRetention: logs.RetentionDays;
  readonly retryAttempts: number;
  readonly maxEventAge: Duration;
  readonly reservedConcurrentExecutions: number | undefined;
  /** The stack's Region (a token in an environment-agnostic stack). */
  readonly region: string;
  readonly dashboardRegions: readonly string[];
  readonly dashboardName: string;
  readonly accountName: string | undefined;
  readonly runbookUrl: string | undefined;
  /** Only when no `accountName` is set. */
  readonly lookupAccountAlias: boolean;
  /** ARN of the trail the app created, when it was passed in. */
  readonly ownTrailArn: string | undefined;
  readonly securityHub: boolean;
}

/**
 * Validates the props (listing every problem at once) and applies the defaults.
 * @throws Error naming the construct path and each wrong prop with what it received.
 */
export function resolveProps(scope: Construct, props: GuardDutyDriftResponderProps): ResponderSettings {
  const sweepInterval = props.sweepInterval ?? Duration.minutes(SWEEP_INTERVAL_MINUTES.default);
  validateProps(scope, props, sweepInterval);
  const responderScope = props.scope ?? DEFAULTS.scope;
  const metricNamespace = props.metricNamespace ?? DEFAULTS.metricNamespace;
  const region = Stack.of(scope).region;
  return {
    mode: props.mode ?? DEFAULTS.mode,
    scope: responderScope,
    organizationAutoEnableTarget:
      responderScope === 'organization'
        ? (props.organizationAutoEnableTarget ?? DEFAULTS.organizationAutoEnableTarget)
        : undefined,
    notificationEmails: props.notificationEmails ?? [],
    slack: props.slack,
    sweepInterval,
    requireAgentManagement: props.requireAgentManagement ?? DEFAULTS.requireAgentManagement,
    coverageAlarmAfter: props.coverageAlarmAfter ?? Duration.minutes(COVERAGE_ALARM_MINUTES.default),
    coverageClusterMetrics: props.coverageClusterMetrics ?? false,
    runtimeTarget: props.runtimeTarget ?? DEFAULTS.runtimeTarget,
    maxRemediationsPerHour: props.maxRemediationsPerHour ?? MAX_REMEDIATIONS_PER_HOUR.default,
    maxExemptionDays: props.maxExemptionDays ?? MAX_EXEMPTION_DAYS.default,
    metricNamespace,
    // Lambda gives one vCPU at 1,769 MB (in proportion below it): an organization sweep is CPU-bound (parsing 50 member
    // detectors a page) beside its ListMembers chain, and one vCPU is what the benchmark's single thread measures.
    memorySize: props.memorySize ?? (responderScope === 'organization' ? ORGANIZATION_MEMORY_MB : 256),
    // An organization sweep lists members 50 per page, one page after another: 10,000 members at 250 ms a call
    // would use 60 s (docs/performance.md), so organization scope gets room to spare.
    timeout:
      props.timeout ?? (responderScope === 'organization' ? Duration.minutes(5) : Duration.seconds(60)),
    logRetention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
    retryAttempts: props.retryAttempts ?? 2,
    maxEventAge: props.maxEventAge ?? Duration.hours(1),
    reservedConcurrentExecutions: props.reservedConcurrentExecutions,
    region,
    dashboardRegions: props.dashboardRegions ?? [region],
    // Dashboard names allow letters, digits, - and _ only; namespaces may also hold / . # : and spaces.
    dashboardName: props.dashboardName ?? `${metricNamespace.replace(/[^A-Za-z0-9_-]/g, '-')}-${region}`,
    accountName: props.accountName,
    runbookUrl: props.runbookUrl,
    lookupAccountAlias: props.accountName === undefined && props.lookupAccountAlias === true,
    ownTrailArn: props.ownTrail?.trailArn,
    securityHub: props.securityHub ?? false,
  };
}

function validateProps(scope: Construct, props: GuardDutyDriftResponderProps, sweepInterval: Duration): void {
  const problems: string[] = [];
  if (props.accountName !== undefined && (props.accountName.length < 1 || props.accountName.length > 64))
    problems.push(`accountName must be 1 to 64 characters (received ${props.accountName.length})`);
  if (props.runbookUrl !== undefined && !/^https:\/\/[^\s#]{1,400}$/.test(props.runbookUrl))
    problems.push(
      `runbookUrl must be an https URL without a #fragment (received "${props.runbookUrl.slice(0, 80)}")`,
    );
  const minutes = sweepInterval.toMinutes({ integral: false });
  if (
    !Number.isInteger(minutes) ||
    minutes < SWEEP_INTERVAL_MINUTES.min ||
    minutes > SWEEP_INTERVAL_MINUTES.max
  ) {
    problems.push(
      `sweepInterval must be a whole number of minutes from ${SWEEP_INTERVAL_MINUTES.min} to ` +
        `${SWEEP_INTERVAL_MINUTES.max} (received ${minutes} minutes)`,
    );
  }
  const retries = props.retryAttempts;
  if (retries !== undefined && (!Number.isInteger(retries) || retries < 0 || retries > 2)) {
    problems.push(`retryAttempts must be 0, 1 or 2 (received ${retries})`);
  }
  const limit = props.maxRemediationsPerHour;
  if (limit !== undefined && !isMaxRemediationsPerHour(limit)) {
    problems.push(
      `maxRemediationsPerHour must be ${MAX_REMEDIATIONS_PER_HOUR_EXPECTED}, the range the function accepts in ` +
        `MAX_REMEDIATIONS_PER_HOUR (received ${limit})`,
    );
  }
  const days = props.maxExemptionDays;
  if (days !== undefined && !isMaxExemptionDays(days)) {
    problems.push(
      `maxExemptionDays must be ${MAX_EXEMPTION_DAYS_EXPECTED}, the range the function accepts in ` +
        `MAX_EXEMPTION_DAYS (received ${days})`,
    );
  }
  // JavaScript callers (and a cast) can pass anything: the function would refuse it at every cold start.
  const target: unknown = props.runtimeTarget;
  if (target !== undefined && !(RUNTIME_TARGETS as readonly unknown[]).includes(target)) {
    problems.push(
      `runtimeTarget must be one of ${RUNTIME_TARGETS.map((value) => `"${value}"`).join(', ')}, the values the ` +
        `function accepts in RUNTIME_TARGET (received ${JSON.stringify(target)})`,
    );
  }
  if (props.coverageAlarmAfter !== undefined && Number.isInteger(minutes) && minutes > 0) {
    const after = props.coverageAlarmAfter.toMinutes({ integral: false });
    const window = Math.ceil(after / minutes) * minutes;
    if (
      after < COVERAGE_ALARM_MINUTES.min ||
      after > COVERAGE_ALARM_MINUTES.max ||
      window > COVERAGE_ALARM_MINUTES.max
    ) {
      problems.push(
        `coverageAlarmAfter must be from ${COVERAGE_ALARM_MINUTES.min} minutes to 24 hours, and fit one day once ` +
          `rounded up to whole sweep intervals of ${minutes} minutes (received ${after} minutes, ${window} rounded)`,
      );
    }
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
