/**
 * The contract between the function and the infrastructure that deploys it: environment variable names, the values
 * and bounds they accept, and the state table's key layout. `handlers/config.ts` validates the environment against
 * it at cold start; `infra/` sets the environment, validates its props and CDK context against the same values. One
 * definition, so the two sides cannot drift: a bound changed here is refused at synth and at cold start alike.
 *
 * Pure: no AWS SDK, no CDK import (the CDK app imports this file, and so does the Lambda bundle). Over 300 lines on
 * purpose: the whole contract (variables, bounds, metric names, watched calls) is read and changed in one place.
 */

/** Names of the function's environment variables. */
export const ENV = {
  /** What the function does on drift: one of {@link RESPONDER_MODES}. */
  mode: 'RESPONDER_MODE',
  /** ARN of the alert topic. Required. */
  notificationTopicArn: 'NOTIFICATION_TOPIC_ARN',
  /** CloudWatch namespace of the metrics. */
  metricNamespace: 'METRIC_NAMESPACE',
  /** `true` or `false`: whether EKS add-on (agent) management must be on for a detector to be compliant. */
  requireAgentManagement: 'REQUIRE_AGENT_MANAGEMENT',
  /** A whole number within {@link MAX_REMEDIATIONS_PER_HOUR}: re-enables per hour before pages fold into one. */
  maxRemediationsPerHour: 'MAX_REMEDIATIONS_PER_HOUR',
  /** A whole number within {@link MAX_EXEMPTION_DAYS}: the longest exemption the responder honours. */
  maxExemptionDays: 'MAX_EXEMPTION_DAYS',
  /** Name of the state table (idempotency and remediation history). Required. */
  stateTableName: 'STATE_TABLE_NAME',
  /** What the function watches: one of {@link RESPONDER_SCOPES}. */
  scope: 'RESPONDER_SCOPE',
  /** Organization scope: one of {@link ORGANIZATION_AUTO_ENABLE_TARGETS}. */
  organizationAutoEnableTarget: 'ORGANIZATION_AUTO_ENABLE_TARGET',
  /** The function's own execution role, to recognise its own changes in CloudTrail. Optional. */
  roleArn: 'RESPONDER_ROLE_ARN',
  /** Which runtime-monitoring generation counts as compliant: one of {@link RUNTIME_TARGETS}. */
  runtimeTarget: 'RUNTIME_TARGET',
  /** Lowest level the logger writes (`DEBUG`, `INFO`, `WARN`, `ERROR`). Optional. */
  logLevel: 'LOG_LEVEL',
  /** The account's name as alerts show it beside the id (at most 64 characters). Optional. */
  accountName: 'ACCOUNT_NAME',
  /** The runbook alerts link to (an https URL; its section anchors are added). Optional: the repository path. */
  runbookUrl: 'RUNBOOK_URL',
  /**
   * `true` or `false` (default): without ACCOUNT_NAME, name the account in alerts by its alias (IAM
   * ListAccountAliases, once per cold start; the role needs `iam:ListAccountAliases`).
   */
  accountAliasLookup: 'ACCOUNT_ALIAS_LOOKUP',
  /**
   * `true` or `false` (default): whether the sweep also publishes per-cluster coverage metrics (two custom metrics
   * per EKS cluster, dimensions `Region`, `AccountId`, `ClusterName`); the per-Region counts are always published.
   */
  coverageClusterMetrics: 'COVERAGE_CLUSTER_METRICS',
  /** JSON {@link OwnResources}: the rules, alarms, key and trail the tamper watch treats as the responder's own. Optional. */
  ownResources: 'OWN_RESOURCES',
  /** `true` or `false` (default): import one Security Hub finding per drift and resolve it on restore. */
  securityHub: 'SECURITY_HUB',
} as const;

/** One of the function's environment variable names. */
export type EnvName = (typeof ENV)[keyof typeof ENV];

/** Values of `RESPONDER_MODE`: re-enable runtime monitoring, or only report drift. The first is the default. */
export const RESPONDER_MODES = ['remediate', 'notify'] as const;
export type ResponderMode = (typeof RESPONDER_MODES)[number];

/**
 * Values of `RESPONDER_SCOPE`. `account`: the detectors of this account. `organization`: also every member, from
 * the GuardDuty delegated administrator. The first is the default.
 */
export const RESPONDER_SCOPES = ['account', 'organization'] as const;
export type ResponderScope = (typeof RESPONDER_SCOPES)[number];

/**
 * Values of `ORGANIZATION_AUTO_ENABLE_TARGET`: the auto-enable setting the organization must keep (`ALL`: every
 * member account, `NEW`: accounts that join later). The first is the default.
 */
export const ORGANIZATION_AUTO_ENABLE_TARGETS = ['ALL', 'NEW'] as const;
export type OrganizationAutoEnableTarget = (typeof ORGANIZATION_AUTO_ENABLE_TARGETS)[number];

/**
 * Values of `RUNTIME_TARGET`. `any`: either generation (`RUNTIME_MONITORING` or the legacy `EKS_RUNTIME_MONITORING`)
 * with EKS add-on management is compliant, and the one in use is restored (Security Hub GuardDuty.7). `unified`: only
 * `RUNTIME_MONITORING` is (GuardDuty.7 and GuardDuty.11); the responder migrates a legacy detector in two requests.
 * The first is the default (docs/generations.md).
 */
export const RUNTIME_TARGETS = ['any', 'unified'] as const;
export type RuntimeTarget = (typeof RUNTIME_TARGETS)[number];

/** Defaults of the optional variables, as the function applies them and the construct sets them. */
export const DEFAULTS = {
  mode: 'remediate',
  metricNamespace: 'GuardDutyDriftResponder',
  requireAgentManagement: true,
  scope: 'account',
  organizationAutoEnableTarget: 'ALL',
  runtimeTarget: 'any',
  logLevel: 'INFO',
} as const satisfies {
  mode: ResponderMode;
  metricNamespace: string;
  requireAgentManagement: boolean;
  scope: ResponderScope;
  organizationAutoEnableTarget: OrganizationAutoEnableTarget;
  runtimeTarget: RuntimeTarget;
  logLevel: string;
};

/**
 * Bounds and default of `MAX_REMEDIATIONS_PER_HOUR`: re-enables of one detector (or one member account) in the last
 * hour after which the target is in a fight. It is still restored every time (a security control never fails
 * open), but its pages fold into one critical page an hour. Above one a minute the limit would never be reached.
 */
export const MAX_REMEDIATIONS_PER_HOUR = { min: 1, max: 60, default: 3 } as const;

/** Whether a value is one `MAX_REMEDIATIONS_PER_HOUR` accepts: a whole number within the bounds. */
export function isMaxRemediationsPerHour(value: number): boolean {
  return (
    Number.isInteger(value) &&
    value >= MAX_REMEDIATIONS_PER_HOUR.min &&
    value <= MAX_REMEDIATIONS_PER_HOUR.max
  );
}

/** What a bad `MAX_REMEDIATIONS_PER_HOUR` (or `maxRemediationsPerHour`) must be instead. */
export const MAX_REMEDIATIONS_PER_HOUR_EXPECTED = `a whole number from ${MAX_REMEDIATIONS_PER_HOUR.min} to ${MAX_REMEDIATIONS_PER_HOUR.max}`;

/**
 * Bounds and default of `MAX_EXEMPTION_DAYS`: an exemption (detector tags) that ends later than this from now is
 * refused and reported, not honoured. The operator CLI's `backout --max-days` has the same bounds.
 */
export const MAX_EXEMPTION_DAYS = { min: 1, max: 365, default: 30 } as const;

export function isMaxExemptionDays(value: number): boolean {
  return Number.isInteger(value) && value >= MAX_EXEMPTION_DAYS.min && value <= MAX_EXEMPTION_DAYS.max;
}

export const MAX_EXEMPTION_DAYS_EXPECTED = `a whole number of days from ${MAX_EXEMPTION_DAYS.min} to ${MAX_EXEMPTION_DAYS.max}`;

/** Key layout of the state table: string partition and sort keys, and the TTL attribute (epoch seconds). */
export const STATE_TABLE_LAYOUT = { partitionKey: 'pk', sortKey: 'sk', timeToLive: 'expiresAt' } as const;

/**
 * Days the state table keeps the evidence of each drift (the restore history, and denied attempts): a year and a
 * quarter's margin, so the evidence report covers an annual audit period (SOC 2 type II, ISO 27001 surveillance) from
 * the table alone. The circuit breaker reads only the last hour of it (a key-range Query), so the length costs
 * storage, not calls. The CLI's report says the same number.
 */
export const EVIDENCE_RETENTION_DAYS = 400;

/** Metric names are part of the contract: dashboards and alarms are built on them (dimension `Region`). */
export const COMPLIANCE_METRIC = 'EksRuntimeMonitoringCompliant';
export const DRIFT_DETECTED_METRIC = 'DriftDetected';
export const REMEDIATION_SUCCEEDED_METRIC = 'RemediationSucceeded';
export const REMEDIATION_FAILED_METRIC = 'RemediationFailed';
export const DISABLE_DENIED_METRIC = 'DisableDenied';
/** A Security Hub import or resolve that failed (SECURITY_HUB=true): the page and the remediation went on regardless. */
export const SECURITY_HUB_FAILED_METRIC = 'SecurityHubFindingFailed';
/**
 * Seconds protection was off, per restore confirmed by a read-back (dimension `Region`): from the disabling call's
 * `eventTime`, or, for a drift the sweep found, from the sweep's read (the decision line says which).
 */
export const TIME_TO_RESTORE_METRIC = 'TimeToRestore';
/** Organization mode measures per Region, never per account: 10,000 accounts would be 10,000 custom metrics. */
export const ORG_ACCOUNTS_EVALUATED_METRIC = 'OrganizationAccountsEvaluated';
export const ORG_ACCOUNTS_NON_COMPLIANT_METRIC = 'OrganizationAccountsNonCompliant';
export const ORG_ACCOUNTS_REMEDIATED_METRIC = 'OrganizationAccountsRemediated';
export const ORG_ACCOUNTS_FAILED_METRIC = 'OrganizationAccountsRemediationFailed';
export const ORG_AUTO_ENABLE_COMPLIANT_METRIC = 'OrganizationAutoEnableCompliant';
/**
 * GuardDuty's own per-Region count of the organization (GetOrganizationStatistics, one call per sweep; it lags up to
 * 24 hours): member accounts, accounts with GuardDuty enabled, and accounts with each runtime feature (and EKS agent
 * management) enabled. Shown beside OrganizationAccountsEvaluated, the sweep's own count.
 */
export const ORG_STATISTICS_MEMBER_ACCOUNTS_METRIC = 'OrganizationStatisticsMemberAccounts';
export const ORG_STATISTICS_ENABLED_ACCOUNTS_METRIC = 'OrganizationStatisticsEnabledAccounts';
export const ORG_STATISTICS_RUNTIME_MONITORING_METRIC = 'OrganizationStatisticsRuntimeMonitoringAccounts';
export const ORG_STATISTICS_EKS_RUNTIME_MONITORING_METRIC =
  'OrganizationStatisticsEksRuntimeMonitoringAccounts';
export const ORG_STATISTICS_EKS_AGENT_MANAGEMENT_METRIC = 'OrganizationStatisticsEksAgentManagementAccounts';
/** Member accounts that left the sweep's list since the last sweep with no loss event to explain them. */
export const ORG_MEMBERS_UNEXPLAINED_DROP_METRIC = 'OrganizationMembersUnexplainedDrop';
/**
 * The tamper watch (docs/tamper.md), dimension `Region`: `TamperDetected` counts every tamper call reported (once per
 * event, not its retries) and every gap the sweep's wiring check opens a case for; `TamperRepaired` counts repairs
 * confirmed by their read-back (EnableRule, PutTargets, StartLogging); `TamperRepairFailed` those that failed or
 * could not be confirmed.
 */
export const TAMPER_DETECTED_METRIC = 'TamperDetected';
export const TAMPER_REPAIRED_METRIC = 'TamperRepaired';
export const TAMPER_REPAIR_FAILED_METRIC = 'TamperRepairFailed';

/** The events the function handles: the rule's pattern is built from these, so it cannot drift from the parser. */
export const CLOUDTRAIL_DETAIL_TYPE = 'AWS API Call via CloudTrail';
export const SCHEDULED_DETAIL_TYPE = 'Scheduled Event';
export const GUARDDUTY_SOURCE = 'aws.guardduty';
export const GUARDDUTY_EVENT_SOURCE = 'guardduty.amazonaws.com';
/** Detector calls acted on in every scope. */
export const SUPPORTED_API_CALLS = ['UpdateDetector', 'CreateDetector', 'DeleteDetector'] as const;
/** Organization calls, acted on in organization scope (ignored, with the reason, in account scope). */
export const ORGANIZATION_API_CALLS = ['UpdateMemberDetectors', 'UpdateOrganizationConfiguration'] as const;
/** Tag calls on a detector: setting or removing the exemption tags is itself reported. */
export const TAG_API_CALLS = ['TagResource', 'UntagResource'] as const;

/**
 * Marker the responder's SDK clients add to their user agent; CloudTrail records it on the responder's own calls,
 * one of the four facts by which it recognises its own re-enable (see core/decide.ts isOwnChange).
 */
export const RESPONDER_USER_AGENT = 'guardduty-drift-responder';

/**
 * Calls that blind or disarm the responder (issue 12, docs/tamper.md), by EventBridge `source`, each with the
 * CloudTrail `eventSource` its records carry and the `eventName`s watched. Lambda's CloudTrail event names carry
 * the API version (`UpdateFunctionConfiguration20150331v2`, not `UpdateFunctionConfiguration`), so an exact match on
 * the plain names would never fire. The rules' patterns and the parser are built from this one table.
 */
export const TAMPER_CALLS = {
  'aws.cloudtrail': {
    eventSource: 'cloudtrail.amazonaws.com',
    eventNames: ['StopLogging', 'DeleteTrail', 'UpdateTrail', 'PutEventSelectors'],
  },
  'aws.events': {
    eventSource: 'events.amazonaws.com',
    eventNames: ['DisableRule', 'DeleteRule', 'RemoveTargets', 'PutRule', 'PutTargets'],
  },
  'aws.lambda': {
    eventSource: 'lambda.amazonaws.com',
    eventNames: [
      'UpdateFunctionConfiguration20150331v2',
      'UpdateFunctionCode20150331v2',
      'PutFunctionConcurrency20171031',
      'DeleteFunction20150331',
      'RemovePermission20150331v2',
      'RemovePermission20150331',
    ],
  },
  'aws.sns': {
    eventSource: 'sns.amazonaws.com',
    // SetSubscriptionAttributes: a filter policy on every subscription silences every page while they all stay
    // confirmed (the wiring check counts confirmed subscriptions only).
    eventNames: [
      'DeleteTopic',
      'Unsubscribe',
      'SetTopicAttributes',
      'RemovePermission',
      'SetSubscriptionAttributes',
    ],
  },
  'aws.kms': { eventSource: 'kms.amazonaws.com', eventNames: ['DisableKey', 'ScheduleKeyDeletion'] },
  'aws.monitoring': {
    eventSource: 'monitoring.amazonaws.com',
    eventNames: ['DisableAlarmActions', 'DeleteAlarms'],
  },
  'aws.dynamodb': { eventSource: 'dynamodb.amazonaws.com', eventNames: ['DeleteTable'] },
} as const satisfies Record<string, { eventSource: string; eventNames: readonly string[] }>;
export type TamperSource = keyof typeof TAMPER_CALLS;

/**
 * The calls that stop the function itself from ever running again, or from paging: a second rule sends these
 * straight to the topic (no function in the path), so the page arrives even when the function is gone. A subset of
 * TAMPER_CALLS. UpdateFunctionConfiguration is here because a changed environment can stop the function at its cold
 * start (a variable removed or made invalid); DeleteTable because every page is claimed in the state table first,
 * so with the table gone the function cannot page.
 */
export const DEAD_FUNCTION_CALLS = {
  // PutRule and PutTargets as well: a pattern or target replaced on the tamper rule itself blinds the function to
  // its own event (EventBridge matches the record against the rule as it is by then) and to every later one.
  'aws.events': ['DisableRule', 'DeleteRule', 'RemoveTargets', 'PutRule', 'PutTargets'],
  'aws.lambda': [
    'DeleteFunction20150331',
    'PutFunctionConcurrency20171031',
    'UpdateFunctionCode20150331v2',
    'UpdateFunctionConfiguration20150331v2',
    'RemovePermission20150331v2',
    'RemovePermission20150331',
  ],
  'aws.dynamodb': ['DeleteTable'],
} as const satisfies Partial<Record<TamperSource, readonly string[]>>;

/** GuardDuty calls by which an organization loses members or monitoring (organization scope; account scope for the member side). */
export const ORGANIZATION_LOSS_CALLS = [
  'DisassociateMembers',
  'DeleteMembers',
  'StopMonitoringMembers',
  'DisableOrganizationAdminAccount',
] as const;
/** Member-side: the account leaves its administrator and becomes standalone (the older name is still recorded). */
export const MEMBER_LOSS_CALLS = [
  'DisassociateFromAdministratorAccount',
  'DisassociateFromMasterAccount',
] as const;

/**
 * The responder's own resources, as the construct passes them in `OWN_RESOURCES` (JSON): tamper calls on these are
 * the responder's business, the same calls on anything else are not. Names, not ARNs, where the calls name them
 * (EventBridge rules, CloudWatch alarms); the function, topic and table are known from the runtime and the other
 * variables. Deterministic names (set by the construct) keep the function's environment free of references to the
 * rules that target it, which would be a circular dependency.
 */
export interface OwnResources {
  /** Its EventBridge rules on the default bus, each with the target that must stay on it. */
  readonly rules: readonly OwnRule[];
  /** Its CloudWatch alarms, by name. */
  readonly alarmNames: readonly string[];
  /** The KMS key of the alert topic (ARN); undefined when the topic is not encrypted by a key of the stack. */
  readonly topicKeyArn?: string | undefined;
  /** The trail the app created (ARN): repaired (StartLogging) in remediate mode; other trails are only reported. */
  readonly trailArn?: string | undefined;
}

export interface OwnRule {
  readonly name: string;
  /** What the rule delivers to: the function itself, or the alert topic (the dead-function rule). */
  readonly target: 'function' | 'topic';
  /** The target's id on the rule (CDK numbers them `Target0`, ...). */
  readonly targetId: string;
  /** The target's dead-letter queue (ARN) and retry policy, restored with it. */
  readonly deadLetterQueueArn?: string | undefined;
  readonly retryAttempts?: number | undefined;
  readonly maxEventAgeSeconds?: number | undefined;
}

/**
 * An AWS Region name: a partition prefix of 2 to 4 letters (`eu`, `us-gov`, `cn`, `eusc` for the European Sovereign
 * Cloud), words, a number. The one pattern every input and rendering checks a Region against.
 */
export const AWS_REGION_NAME = /^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/;
