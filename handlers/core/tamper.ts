/**
 * The tamper watch's decision (issue 12, docs/tamper.md): is a CloudTrail call that can blind or disarm the responder
 * about one of its own resources, what does it mean in plain words, how bad is it, and what may be repaired. Pure: no
 * SDK, no clock. Every string in the input is attacker-controlled; this module only compares and quotes it (the
 * alert scrubs it).
 *
 * Over 300 lines: one table of seven services' calls, each with its consequence, reads best in one place.
 */
import {
  ENV,
  type OwnResources,
  type OwnRule,
  RESPONDER_USER_AGENT,
  type TamperSource,
} from '../contract.js';
import type { Actor, ResponderMode, ResponderScope } from './types.js';

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

/** The variables of an UpdateFunctionConfiguration request, or `hidden` when CloudTrail did not record the values. */
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

export interface TamperFinding {
  readonly resource: { readonly kind: ResourceKind; readonly name: string; readonly ours: boolean };
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
}

export type TamperVerdict =
  | { readonly action: 'ignore'; readonly reason: string }
  | { readonly action: 'report'; readonly finding: TamperFinding };

const CLOUDFORMATION = 'cloudformation.amazonaws.com';
const REDEPLOY = 'redeploy the responder (`cdk deploy`) to restore it';
/** The calls the responder itself makes among the watched ones: its own target restore. */
const OWN_REPAIR_CALLS: readonly string[] = ['PutTargets'];

const ignore = (reason: string): TamperVerdict => ({ action: 'ignore', reason });

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

/** The session name of an assumed-role ARN. */
function sessionName(principalArn: string | undefined): string | undefined {
  return /^arn:aws[\w-]*:sts::\d+:assumed-role\/[^/]+\/(.+)$/.exec(principalArn ?? '')?.[1];
}

/**
 * A CloudFormation-driven call: CloudTrail sets `invokedBy` or `sourceIPAddress` to the service itself; the user agent
 * alone does not count (anyone may choose it).
 */
export function isDeploy(input: Pick<TamperInput, 'invokedBy' | 'actor'>): boolean {
  return input.invokedBy === CLOUDFORMATION || input.actor.sourceIp === CLOUDFORMATION;
}

/**
 * The responder's own repair (the loop guard): its execution role as session issuer, a session named after the
 * function, its user agent, a call it makes (PutTargets), and every target the one it restores. All of them: anyone
 * may choose a session name or a user agent, not the session issuer.
 */
export function isOwnRepair(input: TamperInput, self: TamperSelf, functionArn: string | undefined): boolean {
  const rule = ownRule(input.request.ruleName, input.request.eventBusName, self.own);
  const targets = input.request.targets ?? [];
  return (
    self.roleArn !== undefined &&
    self.functionName !== undefined &&
    input.actor.sessionIssuerArn === self.roleArn &&
    sessionName(input.actor.principalArn) === self.functionName &&
    (input.actor.userAgent ?? '').includes(RESPONDER_USER_AGENT) &&
    OWN_REPAIR_CALLS.includes(input.eventName) &&
    rule !== undefined &&
    targets.length > 0 &&
    targets.every(
      (target) =>
        target.id === rule.targetId && target.arn === expectedTargetArn(rule, functionArn, self.topicArn),
    )
  );
}

/** The ARN a rule's target must point at: the function (unqualified) or the alert topic. */
export function expectedTargetArn(
  rule: OwnRule,
  functionArn: string | undefined,
  topicArn: string,
): string | undefined {
  return rule.target === 'topic' ? topicArn : functionArn;
}

function isDefaultBus(name: string | undefined): boolean {
  return name === undefined || name === '' || name === 'default' || /:event-bus\/default$/.test(name);
}

function ownRule(name: string | undefined, bus: string | undefined, own: OwnResources | undefined) {
  if (name === undefined || !isDefaultBus(bus)) return undefined;
  return own?.rules.find((rule) => rule.name === name);
}

/** Judges one tamper call: ignored with a reason, or reported with its meaning, severity and repairs. */
export function judgeTamper(input: TamperInput, self: TamperSelf, functionArn?: string): TamperVerdict {
  if (input.region !== self.region) {
    return ignore(`event is for Region ${input.region}; this responder serves ${self.region}`);
  }
  if (self.accountId !== undefined && input.accountId !== self.accountId) {
    return ignore(`event is for account ${input.accountId}; this responder serves ${self.accountId}`);
  }
  if (input.errorCode === undefined && isOwnRepair(input, self, functionArn)) {
    return ignore("the responder's own repair of its rule's target");
  }
  const verdict = judgeCall(input, self, functionArn);
  if (verdict.action === 'ignore') return verdict;
  return { action: 'report', finding: adjusted(input, verdict.finding) };
}

/** A denied attempt changed nothing (one step lower, nothing to repair); a CloudFormation deploy is low. */
function adjusted(input: TamperInput, finding: TamperFinding): TamperFinding {
  if (input.errorCode !== undefined) {
    const lower: Record<TamperSeverity, TamperSeverity> = {
      critical: 'high',
      high: 'medium',
      medium: 'low',
      low: 'low',
    };
    return {
      ...finding,
      how: 'denied',
      severity: lower[finding.severity],
      headline: `attempt denied (${input.errorCode}): ${finding.headline}`,
      consequence: `Nothing changed: the call failed. Had it succeeded: ${finding.consequence}`,
      repairs: [],
      fix: 'find out who tried it and why; nothing to restore',
    };
  }
  if (isDeploy(input)) {
    return {
      ...finding,
      how: 'deploy',
      severity: 'low',
      consequence: `${finding.consequence} (made by a CloudFormation deployment: expected during a deploy of the responder; if none was planned, treat it as high)`,
      repairs: [],
    };
  }
  return finding;
}

function report(finding: Omit<TamperFinding, 'how'>): TamperVerdict {
  return { action: 'report', finding: { ...finding, how: 'call' } };
}

function judgeCall(input: TamperInput, self: TamperSelf, functionArn: string | undefined): TamperVerdict {
  switch (input.source) {
    case 'aws.cloudtrail':
      return judgeTrail(input, self);
    case 'aws.events':
      return judgeRule(input, self, functionArn);
    case 'aws.lambda':
      return judgeFunction(input, self);
    case 'aws.sns':
      return judgeTopic(input, self);
    case 'aws.kms':
      return judgeKey(input, self);
    case 'aws.monitoring':
      return judgeAlarms(input, self);
    case 'aws.dynamodb':
      return judgeTable(input, self);
  }
}

// -- CloudTrail: every trail is reported (the responder cannot know which one feeds EventBridge) -----------------

/** Whether selectors still deliver management write events (what the rules match), GuardDuty's included. */
export function keepsManagementEvents(request: TamperRequest): boolean {
  if (request.eventSelectors !== undefined && request.eventSelectors.length > 0) {
    return request.eventSelectors.some(
      (selector) =>
        selector.includeManagementEvents !== false && (selector.readWriteType ?? 'All') !== 'ReadOnly',
    );
  }
  return (request.advancedEventSelectors ?? []).some((selector) => {
    const fields = selector.fieldSelectors;
    const management = fields.some(
      (field) => field.field === 'eventCategory' && (field.equals ?? []).includes('Management'),
    );
    const readOnly = fields.some(
      (field) => field.field === 'readOnly' && (field.equals ?? []).includes('true'),
    );
    const excludesGuardDuty = fields.some(
      (field) =>
        field.field === 'eventSource' &&
        ((field.equals !== undefined && !field.equals.includes('guardduty.amazonaws.com')) ||
          (field.notEquals ?? []).includes('guardduty.amazonaws.com')),
    );
    return management && !readOnly && !excludesGuardDuty;
  });
}

function judgeTrail(input: TamperInput, self: TamperSelf): TamperVerdict {
  const name = input.request.trailName;
  if (name === undefined) return ignore(`${input.eventName} names no trail`);
  const ownArn = self.own?.trailArn;
  const ours = ownArn !== undefined && (name === ownArn || trailNameOf(name) === trailNameOf(ownArn));
  const resource = { kind: 'trail' as const, name, ours };
  const blind =
    'CloudTrail delivers the API calls the responder acts on to EventBridge only while a trail logs them: if this ' +
    'trail is the one, GuardDuty changes (and every other tamper call) go unseen until the 30-minute sweep';
  switch (input.eventName) {
    case 'StopLogging':
      return report({
        resource,
        headline: `CloudTrail trail ${name} stopped logging`,
        consequence: ours ? `The responder's own trail stopped. ${blind}.` : `${blind}.`,
        severity: ours ? 'critical' : 'high',
        repairs: ours && ownArn ? [{ kind: 'start-logging', trailArn: ownArn }] : [],
        fix: `aws cloudtrail start-logging --name ${name}`,
      });
    case 'DeleteTrail':
      return report({
        resource,
        headline: `CloudTrail trail ${name} deleted`,
        consequence: `${ours ? "The responder's own trail is gone. " : ''}${blind}.`,
        severity: ours ? 'critical' : 'high',
        repairs: [],
        fix: ours ? REDEPLOY : 'recreate the trail if it was the one feeding EventBridge',
      });
    case 'UpdateTrail': {
      const regional = input.request.isMultiRegionTrail === false;
      return report({
        resource,
        headline: `CloudTrail trail ${name} updated`,
        consequence: regional
          ? 'The trail now logs this Region only: calls in other Regions may no longer reach their responders.'
          : `The trail's settings changed (${input.request.fields.join(', ') || 'no parameters recorded'}); check that it still logs management events in every Region.`,
        severity: 'high',
        repairs: [],
        fix: ours ? REDEPLOY : `aws cloudtrail get-trail --name ${name}`,
      });
    }
    default: {
      // PutEventSelectors: only when the selectors drop management events.
      if (keepsManagementEvents(input.request)) {
        return ignore(
          `${input.eventName} on trail ${name}: the selectors still include management write events`,
        );
      }
      return report({
        resource,
        headline: `CloudTrail trail ${name}: event selectors replaced`,
        consequence: `The selectors no longer include management events. ${blind}.`,
        severity: ours ? 'critical' : 'high',
        repairs: [],
        fix: ours ? REDEPLOY : `aws cloudtrail get-event-selectors --trail-name ${name}`,
      });
    }
  }
}

// -- EventBridge: its own rules on the default bus ---------------------------------------------------------------

function ruleLoss(rule: OwnRule): string {
  return rule.target === 'function'
    ? 'the function no longer receives GuardDuty events: drift is found only by the 30-minute sweep, with no name attached'
    : 'the page that reaches the topic when the function itself is gone no longer arrives';
}

function judgeRule(input: TamperInput, self: TamperSelf, functionArn: string | undefined): TamperVerdict {
  const { ruleName, eventBusName } = input.request;
  if (ruleName === undefined) return ignore(`${input.eventName} names no rule`);
  if (self.own === undefined) {
    return ignore(
      `${input.eventName} on rule ${ruleName}: OWN_RESOURCES is not set, the responder knows no rule of its own`,
    );
  }
  const rule = ownRule(ruleName, eventBusName, self.own);
  if (rule === undefined)
    return ignore(`${input.eventName} is on rule ${ruleName}, not one of the responder's`);
  const resource = { kind: 'rule' as const, name: ruleName, ours: true };
  const enable = `aws events enable-rule --name ${ruleName}`;
  switch (input.eventName) {
    case 'DisableRule':
      return report({
        resource,
        headline: `EventBridge rule ${ruleName} disabled`,
        consequence: `The rule is off: ${ruleLoss(rule)}.`,
        severity: 'critical',
        repairs: [{ kind: 'enable-rule', rule }],
        fix: enable,
      });
    case 'DeleteRule':
      return report({
        resource,
        headline: `EventBridge rule ${ruleName} deleted`,
        consequence: `The rule is gone: ${ruleLoss(rule)}.`,
        severity: 'critical',
        repairs: [],
        fix: REDEPLOY,
      });
    case 'RemoveTargets': {
      const ids = input.request.targetIds;
      if (ids !== undefined && !ids.includes(rule.targetId)) {
        return report({
          resource,
          headline: `EventBridge rule ${ruleName}: targets ${ids.join(', ')} removed`,
          consequence: `The responder's target (${rule.targetId}) stays; the removed targets were not the responder's.`,
          severity: 'high',
          repairs: [],
          fix: `aws events list-targets-by-rule --rule ${ruleName}`,
        });
      }
      return report({
        resource,
        headline: `EventBridge rule ${ruleName}: the responder's target removed`,
        consequence: `The rule delivers nowhere: ${ruleLoss(rule)}.`,
        severity: 'critical',
        repairs: [{ kind: 'restore-target', rule }],
        fix: REDEPLOY,
      });
    }
    case 'PutRule': {
      const disabled = input.request.ruleState === 'DISABLED';
      const pattern = input.request.eventPattern !== undefined;
      return report({
        resource,
        headline: `EventBridge rule ${ruleName} replaced (PutRule${disabled ? ', state DISABLED' : ''})`,
        consequence: [
          ...(disabled ? [`The rule is off: ${ruleLoss(rule)}.`] : []),
          ...(pattern
            ? [
                "Its event pattern was replaced: it may no longer match the calls the responder acts on (not repaired: the pattern is the deployment's).",
              ]
            : []),
          ...(!disabled && !pattern ? ['The rule was rewritten; its state and pattern are as before.'] : []),
        ].join(' '),
        severity: disabled || pattern ? 'critical' : 'high',
        repairs: disabled ? [{ kind: 'enable-rule', rule }] : [],
        fix: pattern ? REDEPLOY : enable,
      });
    }
    default: {
      // PutTargets: ours replaced, or another target added beside ours.
      const expected = expectedTargetArn(rule, functionArn, self.topicArn);
      const targets = input.request.targets ?? [];
      const replaced = targets.find((target) => target.id === rule.targetId && target.arn !== expected);
      const added = targets.filter((target) => target.id !== rule.targetId);
      if (replaced !== undefined) {
        return report({
          resource,
          headline: `EventBridge rule ${ruleName}: the responder's target replaced`,
          consequence: `Target ${rule.targetId} now delivers to ${replaced.arn}: ${ruleLoss(rule)}.`,
          severity: 'critical',
          repairs: [{ kind: 'restore-target', rule }],
          fix: REDEPLOY,
        });
      }
      return report({
        resource,
        headline: `EventBridge rule ${ruleName}: targets put`,
        consequence:
          added.length > 0
            ? `The rule now also delivers to ${added.map((target) => target.arn).join(', ')}: every event it matches goes there too.`
            : "The responder's target was rewritten (its dead-letter queue or retry policy may have changed); it is restored as deployed.",
        severity: 'high',
        repairs: added.length > 0 ? [] : [{ kind: 'restore-target', rule }],
        fix: `aws events list-targets-by-rule --rule ${ruleName}`,
      });
    }
  }
}

// -- Lambda: its own function ------------------------------------------------------------------------------------

function judgeFunction(input: TamperInput, self: TamperSelf): TamperVerdict {
  const reference = input.request.functionName;
  if (reference === undefined) return ignore(`${input.eventName} names no function`);
  const ref = functionRefOf(reference);
  const ours =
    ref !== undefined &&
    self.functionName !== undefined &&
    ref.name === self.functionName &&
    (ref.region === undefined || ref.region === self.region) &&
    (ref.accountId === undefined || self.accountId === undefined || ref.accountId === self.accountId);
  if (!ours) return ignore(`${input.eventName} is on function ${reference}, not the responder's`);
  const name = ref.name;
  const resource = { kind: 'function' as const, name, ours: true };
  const call = input.eventName.replace(/\d{8}(v\d+)?$/, '');
  switch (call) {
    case 'UpdateFunctionConfiguration':
      return report({
        resource,
        ...configurationChange(input.request, self, name),
        repairs: [],
        fix: REDEPLOY,
      });
    case 'UpdateFunctionCode':
      return report({
        resource,
        headline: `Lambda function ${name}: code replaced`,
        consequence:
          'What runs on the next event is no longer the deployed responder: it may do nothing at all.',
        severity: 'critical',
        repairs: [],
        fix: REDEPLOY,
      });
    case 'PutFunctionConcurrency': {
      const reserved = input.request.reservedConcurrentExecutions;
      return report({
        resource,
        headline: `Lambda function ${name}: reserved concurrency ${reserved ?? 'set'}`,
        consequence:
          reserved === 0
            ? 'Reserved concurrency 0: the function can never run; every event is throttled and, after the retries, lands in the dead-letter queue.'
            : `At most ${reserved ?? 'a few'} invocation(s) at once: events beyond that are throttled and retried.`,
        severity: reserved === 0 ? 'critical' : 'high',
        repairs: [],
        fix: reserved === 0 ? `aws lambda delete-function-concurrency --function-name ${name}` : REDEPLOY,
      });
    }
    case 'DeleteFunction':
      return report({
        resource,
        headline: `Lambda function ${name} deleted${ref.qualifier ? ` (version ${ref.qualifier})` : ''}`,
        consequence: ref.qualifier
          ? 'One version of the function is gone; the one the rules invoke stays.'
          : 'The responder is gone: nothing re-enables protection any more; only the rule that pages the topic directly still reports.',
        severity: ref.qualifier ? 'high' : 'critical',
        repairs: [],
        fix: REDEPLOY,
      });
    default:
      return report({
        resource,
        headline: `Lambda function ${name}: permission ${input.request.statementId ?? ''} removed`.replace(
          / {2,}/g,
          ' ',
        ),
        consequence:
          'A resource-based permission of the function was removed: if it is the one that lets EventBridge invoke it, the function receives no events at all.',
        severity: 'critical',
        repairs: [],
        fix: REDEPLOY,
      });
  }
}

function configurationChange(
  request: TamperRequest,
  self: TamperSelf,
  name: string,
): Pick<TamperFinding, 'headline' | 'consequence' | 'severity'> {
  const headline = `Lambda function ${name}: configuration changed`;
  const environment = request.environment;
  if (environment === undefined) {
    return {
      headline,
      consequence: `Changed: ${request.fields.filter((field) => field !== 'functionName').join(', ') || 'nothing recorded'}. The environment (mode, scope, topic) is as before.`,
      severity: 'high',
    };
  }
  if (environment.kind === 'hidden') {
    return {
      headline,
      consequence:
        'The environment was replaced; CloudTrail did not record its values: check RESPONDER_MODE, RESPONDER_SCOPE and NOTIFICATION_TOPIC_ARN.',
      severity: 'high',
    };
  }
  const vars = environment.variables;
  const lost: string[] = [];
  const mode = vars[ENV.mode];
  if (mode !== undefined && mode !== 'remediate') {
    lost.push(
      self.mode !== mode
        ? `${ENV.mode} changed from ${self.mode} to ${mode}: drift is reported, no longer repaired`
        : `${ENV.mode} set to ${mode}: drift is reported, no longer repaired`,
    );
  }
  const scope = vars[ENV.scope] ?? 'account';
  if (self.scope === 'organization' && scope !== 'organization') {
    lost.push(
      `${ENV.scope} changed from organization to ${scope}: the member accounts are no longer watched`,
    );
  }
  const topic = vars[ENV.notificationTopicArn];
  if (topic === undefined || vars[ENV.stateTableName] === undefined) {
    lost.push(
      Object.keys(vars).length === 0
        ? 'the environment was removed: the function fails at start, every event lands in the dead-letter queue'
        : `${topic === undefined ? ENV.notificationTopicArn : ENV.stateTableName} removed: the function fails at start, every event lands in the dead-letter queue`,
    );
  } else if (topic !== self.topicArn) {
    lost.push(`${ENV.notificationTopicArn} changed to ${topic}: alerts go to another topic`);
  }
  if (self.own !== undefined && vars[ENV.ownResources] === undefined) {
    lost.push(`${ENV.ownResources} removed: the tamper watch no longer knows the responder's rules`);
  }
  if (lost.length > 0) return { headline, consequence: `${lost.join('; ')}.`, severity: 'critical' };
  return {
    headline,
    consequence: `The environment was rewritten (${Object.keys(vars).join(', ')}); mode, scope and topic are unchanged.`,
    severity: 'high',
  };
}

// -- SNS, KMS, CloudWatch, DynamoDB: the alerts and the state ----------------------------------------------------

function judgeTopic(input: TamperInput, self: TamperSelf): TamperVerdict {
  const { topicArn, subscriptionArn, attributeName, label } = input.request;
  const topic = self.topicArn;
  const resource = { kind: 'topic' as const, name: topic, ours: true };
  if (input.eventName === 'Unsubscribe') {
    if (subscriptionArn === undefined || !subscriptionArn.startsWith(`${topic}:`)) {
      return ignore(`Unsubscribe of ${subscriptionArn ?? 'no subscription'}, not one of the alert topic's`);
    }
    return report({
      resource,
      headline: 'Alert topic: a subscription removed',
      consequence: `Subscription ${subscriptionArn} no longer receives alerts; if it was the last one, alerts no longer reach anyone (the sweep checks it).`,
      severity: 'high',
      repairs: [],
      fix: `aws sns list-subscriptions-by-topic --topic-arn ${topic}`,
    });
  }
  if (topicArn !== topic)
    return ignore(`${input.eventName} is on topic ${topicArn ?? 'none'}, not the alert topic`);
  switch (input.eventName) {
    case 'DeleteTopic':
      return report({
        resource,
        headline: 'Alert topic deleted',
        consequence: 'Alerts no longer reach anyone: every Publish fails.',
        severity: 'critical',
        repairs: [],
        fix: `${REDEPLOY}, then confirm the subscriptions again`,
      });
    case 'SetTopicAttributes':
      return report({
        resource,
        headline: `Alert topic: attribute ${attributeName ?? 'unknown'} changed`,
        consequence:
          attributeName === 'Policy'
            ? 'The access policy was replaced: EventBridge (the rule that pages the topic directly) may no longer publish to it.'
            : attributeName === 'KmsMasterKeyId'
              ? 'The topic now encrypts with another key: publishers without access to it fail, and alerts are lost.'
              : 'Delivery of alerts may have changed.',
        severity: attributeName === 'Policy' || attributeName === 'KmsMasterKeyId' ? 'critical' : 'high',
        repairs: [],
        fix: REDEPLOY,
      });
    default:
      return report({
        resource,
        headline: `Alert topic: permission ${label ?? ''} removed`.replace(/ {2,}/g, ' '),
        consequence:
          'A statement of the topic policy was removed: whoever it allowed may no longer publish alerts.',
        severity: 'high',
        repairs: [],
        fix: REDEPLOY,
      });
  }
}

function judgeKey(input: TamperInput, self: TamperSelf): TamperVerdict {
  const keyArn = self.own?.topicKeyArn;
  if (keyArn === undefined)
    return ignore(`${input.eventName}: the alert topic has no key of the responder's stack`);
  const keyId = keyArn.split('/').pop();
  const named = [input.request.keyId, ...input.request.resourceArns];
  if (!named.some((key) => key === keyArn || (keyId !== undefined && key === keyId))) {
    return ignore(`${input.eventName} is on key ${input.request.keyId ?? 'unknown'}, not the alert topic's`);
  }
  const resource = { kind: 'key' as const, name: keyArn, ours: true };
  if (input.eventName === 'DisableKey') {
    return report({
      resource,
      headline: "Alert topic's KMS key disabled",
      consequence:
        'SNS cannot encrypt with a disabled key: every alert fails, alerts no longer reach anyone.',
      severity: 'critical',
      repairs: [],
      fix: `aws kms enable-key --key-id ${keyArn}`,
    });
  }
  const days = input.request.pendingWindowInDays;
  return report({
    resource,
    headline: "Alert topic's KMS key scheduled for deletion",
    consequence: `The key is deleted in ${days ?? 'a few'} day(s) and disabled until then: every alert fails, alerts no longer reach anyone.`,
    severity: 'critical',
    repairs: [],
    fix: `aws kms cancel-key-deletion --key-id ${keyArn} && aws kms enable-key --key-id ${keyArn}`,
  });
}

function judgeAlarms(input: TamperInput, self: TamperSelf): TamperVerdict {
  const own = self.own?.alarmNames ?? [];
  const hit = (input.request.alarmNames ?? []).filter((name) => own.includes(name));
  if (hit.length === 0) return ignore(`${input.eventName} names none of the responder's alarms`);
  const names = hit.join(', ');
  const resource = { kind: 'alarms' as const, name: names, ours: true };
  return input.eventName === 'DisableAlarmActions'
    ? report({
        resource,
        headline: `CloudWatch alarm actions disabled: ${names}`,
        consequence:
          'These alarms (dead-letter queue, errors, heartbeat) still change state but page nobody.',
        severity: 'high',
        repairs: [],
        fix: `aws cloudwatch enable-alarm-actions --alarm-names ${hit.join(' ')}`,
      })
    : report({
        resource,
        headline: `CloudWatch alarms deleted: ${names}`,
        consequence: 'Failed invocations, a dead function or a silent sweep no longer page anyone.',
        severity: 'high',
        repairs: [],
        fix: REDEPLOY,
      });
}

function judgeTable(input: TamperInput, self: TamperSelf): TamperVerdict {
  const table = input.request.tableName;
  if (table !== self.tableName) return ignore(`DeleteTable of ${table ?? 'no table'}, not the state table`);
  return report({
    resource: { kind: 'table', name: table, ours: true },
    headline: `State table ${table} deleted`,
    consequence:
      'Every claim fails, so every invocation fails after its retries (dead-letter queue): no remediation, no page from the function.',
    severity: 'critical',
    repairs: [],
    fix: `${REDEPLOY} (point-in-time recovery can restore the history)`,
  });
}
