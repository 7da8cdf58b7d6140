/**
 * The contract between the function and the infrastructure that deploys it: environment variable names, the values
 * and bounds they accept, and the state table's key layout. `handlers/config.ts` validates the environment against
 * it at cold start; `infra/` sets the environment, validates its props and CDK context against the same values. One
 * definition, so the two sides cannot drift: a bound changed here is refused at synth and at cold start alike.
 *
 * Pure: no AWS SDK, no CDK import (the CDK app imports this file, and so does the Lambda bundle).
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
  /** A whole number within {@link MAX_REMEDIATIONS_PER_HOUR}: the circuit breaker's limit. */
  maxRemediationsPerHour: 'MAX_REMEDIATIONS_PER_HOUR',
  /** Name of the state table (idempotency and remediation history). Required. */
  stateTableName: 'STATE_TABLE_NAME',
  /** What the function watches: one of {@link RESPONDER_SCOPES}. */
  scope: 'RESPONDER_SCOPE',
  /** Organization scope: one of {@link ORGANIZATION_AUTO_ENABLE_TARGETS}. */
  organizationAutoEnableTarget: 'ORGANIZATION_AUTO_ENABLE_TARGET',
  /** The function's own execution role, to recognise its own changes in CloudTrail. Optional. */
  roleArn: 'RESPONDER_ROLE_ARN',
  /** Lowest level the logger writes (`DEBUG`, `INFO`, `WARN`, `ERROR`). Optional. */
  logLevel: 'LOG_LEVEL',
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

/** Defaults of the optional variables, as the function applies them and the construct sets them. */
export const DEFAULTS = {
  mode: 'remediate',
  metricNamespace: 'GuardDutyDriftResponder',
  requireAgentManagement: true,
  scope: 'account',
  organizationAutoEnableTarget: 'ALL',
  logLevel: 'INFO',
} as const satisfies {
  mode: ResponderMode;
  metricNamespace: string;
  requireAgentManagement: boolean;
  scope: ResponderScope;
  organizationAutoEnableTarget: OrganizationAutoEnableTarget;
  logLevel: string;
};

/**
 * Bounds and default of `MAX_REMEDIATIONS_PER_HOUR`, remediations of one detector (or one organization) in the
 * last hour before the circuit breaker stops and pages. Above one a minute the breaker no longer breaks anything:
 * the function would fight whatever keeps turning protection off, sending an alert each time, for the whole hour.
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

/** Key layout of the state table: string partition and sort keys, and the TTL attribute (epoch seconds). */
export const STATE_TABLE_LAYOUT = { partitionKey: 'pk', sortKey: 'sk', timeToLive: 'expiresAt' } as const;
