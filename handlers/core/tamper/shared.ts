/**
 * The tamper watch's shared vocabulary (core/tamper.ts is the entry): the input and finding types, and the helpers
 * every service's judge uses. Pure.
 */
import type { OwnResources, OwnRule, TamperSource } from '../../contract.js';
import type { Actor, ResponderMode, ResponderScope } from '../types.js';

export interface EventSelector {
  readonly readWriteType?: string | undefined;
  readonly includeManagementEvents?: boolean | undefined;
}

export interface FieldSelector {
  readonly field: string;
  readonly equals?: readonly string[] | undefined;
  readonly notEquals?: readonly string[] | undefined;
}

export interface AdvancedEventSelector {
  readonly fieldSelectors: readonly FieldSelector[];
}

/** One target of a PutTargets request, as CloudTrail recorded it. */
export interface RequestedTarget {
  readonly id: string;
  readonly arn: string;
}

/**
 * The variables of an UpdateFunctionConfiguration request, or `hidden` when CloudTrail did not record them (a
 * placeholder string instead of the values, or an `environment` without `variables`).
 */
export type EnvironmentChange =
  | { readonly kind: 'variables'; readonly variables: Readonly<Record<string, string>> }
  | { readonly kind: 'hidden' };

/** The request parameters the tamper watch reads, one service's at a time (every other field stays undefined). */
export interface TamperRequest {
  readonly trailName?: string | undefined;
  readonly eventSelectors?: readonly EventSelector[] | undefined;
  readonly advancedEventSelectors?: readonly AdvancedEventSelector[] | undefined;
  readonly isMultiRegionTrail?: boolean | undefined;
  readonly ruleName?: string | undefined;
  readonly eventBusName?: string | undefined;
  readonly ruleState?: string | undefined;
  readonly eventPattern?: string | undefined;
  readonly scheduleExpression?: string | undefined;
  readonly targets?: readonly RequestedTarget[] | undefined;
  readonly targetIds?: readonly string[] | undefined;
  readonly functionName?: string | undefined;
  readonly reservedConcurrentExecutions?: number | undefined;
  readonly environment?: EnvironmentChange | undefined;
  readonly statementId?: string | undefined;
  readonly topicArn?: string | undefined;
  readonly subscriptionArn?: string | undefined;
  readonly attributeName?: string | undefined;
  readonly label?: string | undefined;
  readonly keyId?: string | undefined;
  readonly pendingWindowInDays?: number | undefined;
  readonly alarmNames?: readonly string[] | undefined;
  readonly tableName?: string | undefined;
  /** CloudTrail's `resources[]` ARNs (KMS names its key there). */
  readonly resourceArns: readonly string[];
  /** The names of the request's parameters, for a change the watch has no words of its own for. */
  readonly fields: readonly string[];
  /**
   * Set when the request parameters did not read (a field of an unexpected type or shape): what was wrong with them.
   * Every other request field is then undefined, and the call is reported as possibly about the responder's own.
   */
  readonly unreadable?: readonly string[] | undefined;
}

/** A CloudTrail record of a call that can blind or disarm the responder (TAMPER_CALLS). */
export interface TamperInput {
  readonly kind: 'tamper';
  readonly eventId: string;
  readonly eventTime: string;
  readonly accountId: string;
  readonly region: string;
  readonly source: TamperSource;
  readonly eventName: string;
  readonly actor: Actor;
  /** `userIdentity.invokedBy`: the AWS service that made the call on the principal's behalf. */
  readonly invokedBy: string | undefined;
  readonly errorCode: string | undefined;
  readonly errorMessage: string | undefined;
  readonly request: TamperRequest;
}

/** Who the responder is and what it owns. */
export interface TamperSelf {
  readonly region: string;
  readonly accountId: string | undefined;
  readonly functionName: string | undefined;
  readonly roleArn: string | undefined;
  readonly topicArn: string;
  readonly tableName: string;
  readonly mode: ResponderMode;
  readonly scope: ResponderScope;
  readonly own: OwnResources | undefined;
}

export type TamperSeverity = 'critical' | 'high' | 'medium' | 'low';
export type ResourceKind = 'trail' | 'rule' | 'function' | 'topic' | 'key' | 'alarms' | 'table';

/** What the responder may write back (remediate mode): only these, only on its own rule or trail. */
export type TamperRepair =
  | { readonly kind: 'enable-rule'; readonly rule: OwnRule }
  | { readonly kind: 'restore-target'; readonly rule: OwnRule }
  | { readonly kind: 'start-logging'; readonly trailArn: string };

/** Whether the resource is the responder's own; `unknown` when the record does not say which resource it was. */
export type Ownership = boolean | 'unknown';

export interface TamperFinding {
  readonly resource: { readonly kind: ResourceKind; readonly name: string; readonly ours: Ownership };
  /** What happened, e.g. `EventBridge rule x disabled`. */
  readonly headline: string;
  /** What it means for protection, in plain words. */
  readonly consequence: string;
  readonly severity: TamperSeverity;
  /** A successful call, a denied attempt (changed nothing), or a CloudFormation deploy. */
  readonly how: 'call' | 'denied' | 'deploy';
  /** What the responder repairs in remediate mode; empty when nothing applies. */
  readonly repairs: readonly TamperRepair[];
  /** The next step for a person: a command, or `cdk deploy`. */
  readonly fix: string;
  /**
   * Whether the change leaves the responder disarmed even when a CloudFormation deploy made it (a rule disabled, the
   * environment changed, concurrency 0, the topic, key or table deleted): such a deploy is reported high, not low.
   */
  readonly disarms: boolean;
}

export type TamperVerdict =
  | { readonly action: 'ignore'; readonly reason: string }
  | { readonly action: 'report'; readonly finding: TamperFinding };

export const REDEPLOY = 'redeploy the responder (`cdk deploy`) to restore it';

export const ignore = (reason: string): TamperVerdict => ({ action: 'ignore', reason });

export function report(
  finding: Omit<TamperFinding, 'how' | 'disarms'> & { readonly disarms?: boolean },
): TamperVerdict {
  return { action: 'report', finding: { ...finding, how: 'call', disarms: finding.disarms ?? false } };
}

/** The name of a trail ARN (`arn:aws:cloudtrail:REGION:ACCOUNT:trail/NAME`), or the text itself. */
export function trailNameOf(nameOrArn: string): string {
  return /^arn:aws[a-z-]*:cloudtrail:[^:]*:\d{12}:trail\/(.+)$/.exec(nameOrArn)?.[1] ?? nameOrArn;
}

/** A Lambda function reference as the API takes it: a name, an ARN or a partial ARN, with an optional qualifier. */
export function functionRefOf(
  reference: string,
): { name: string; region?: string; accountId?: string; qualifier?: string } | undefined {
  const match =
    /^(?:arn:aws[a-z-]*:lambda:([a-z0-9-]+):)?(?:(\d{12}):)?(?:function:)?([A-Za-z0-9_-]+)(?::(\$LATEST|[A-Za-z0-9_-]+))?$/.exec(
      reference,
    );
  if (!match?.[3]) return undefined;
  return {
    name: match[3],
    ...(match[1] ? { region: match[1] } : {}),
    ...(match[2] ? { accountId: match[2] } : {}),
    ...(match[4] ? { qualifier: match[4] } : {}),
  };
}

/** The ARN a rule's target must point at: the function (unqualified) or the alert topic. */
export function expectedTargetArn(
  rule: OwnRule,
  functionArn: string | undefined,
  topicArn: string,
): string | undefined {
  return rule.target === 'topic' ? topicArn : functionArn;
}

/** Whether an EventBridge bus name (or ARN) is the default bus, where the responder's rules live. */
export function isDefaultBus(name: string | undefined): boolean {
  return name === undefined || name === '' || name === 'default' || /:event-bus\/default$/.test(name);
}

/** The responder's rule of that name on the default bus. */
export function ownRule(name: string | undefined, bus: string | undefined, own: OwnResources | undefined) {
  if (name === undefined || !isDefaultBus(bus)) return undefined;
  return own?.rules.find((rule) => rule.name === name);
}

/** The Region a trail ARN names (its home Region: StartLogging works only there). */
export function trailHomeRegion(arn: string): string | undefined {
  return /^arn:aws[a-z-]*:cloudtrail:([a-z0-9-]+):/.exec(arn)?.[1];
}
