/**
 * The responder's own rules and alarms, by deterministic name, and what the function is told about them
 * (`OWN_RESOURCES`, handlers/contract.ts) with the permissions its tamper repairs and wiring check need.
 *
 * Why names, not references: the function's environment cannot refer to a rule that targets the function (the rule
 * depends on the function, so the function would depend on itself), nor can the function's policy (the function
 * waits for its policy). A name computed from the construct path is a literal known before either exists.
 */
import { Aws, type Duration, Names, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { OwnResources, OwnRule, ResponderScope } from '../../handlers/contract.js';
import type { AlertTopic } from './alert-topic.js';

/** EventBridge rule names and CloudWatch alarm names hold at most 64 (rules) and 255 (alarms) characters. */
const NAME_LIMIT = 64;
/** The longest construct id named here ('OrganizationAutoEnableAlarm', 27) still fits after the shared prefix. */
const PREFIX_LENGTH = 36;

/** The rules that deliver to the function, by construct id (the ids of the construct's first release, and the new). */
export const FUNCTION_RULE_IDS = [
  'GuardDutyChangeRule',
  'SweepSchedule',
  'CoverageEventRule',
  'TamperEventRule',
] as const;
/** The rule that delivers the calls stopping the function straight to the topic. */
export const DEAD_FUNCTION_RULE_ID = 'DeadFunctionRule';
export type OwnRuleId = (typeof FUNCTION_RULE_IDS)[number] | typeof DEAD_FUNCTION_RULE_ID;
/** Every own rule: the function's and the dead-function rule. */
export const OWN_RULE_IDS: readonly OwnRuleId[] = [...FUNCTION_RULE_IDS, DEAD_FUNCTION_RULE_ID];

/** The alarms, by construct id; the last exists in organization scope only (infra/responder/alarms.ts). */
export const ACCOUNT_ALARM_IDS = [
  'NonComplianceAlarm',
  'HeartbeatAlarm',
  'FunctionErrorsAlarm',
  'DeadLettersAlarm',
  'CoverageUnhealthyAlarm',
] as const;
export const ORGANIZATION_ALARM_ID = 'OrganizationAutoEnableAlarm';
export type OwnAlarmId = (typeof ACCOUNT_ALARM_IDS)[number] | typeof ORGANIZATION_ALARM_ID;

/** Retries of every rule target (EventBridge's own, before the dead-letter queue). */
export const RULE_TARGET_RETRY_ATTEMPTS = 3;
/** CDK numbers a rule's targets in order: each own rule has exactly one. */
export const RULE_TARGET_ID = 'Target0';

/**
 * The physical name of the rule or alarm `id` of this responder: one prefix for all (the stack name and the
 * construct path, with a hash of the path, so two responders never share a name), then the construct id, within 64
 * characters. Renaming (a new stack name, a moved construct) replaces the rule or alarm: neither holds state.
 */
export function ownResourceName(responder: Construct, id: OwnRuleId | OwnAlarmId): string {
  const name = `${Names.uniqueResourceName(responder, { maxLength: PREFIX_LENGTH })}-${id}`;
  if (name.length > NAME_LIMIT) throw new Error(`own resource name ${name} is over ${NAME_LIMIT} characters`);
  return name;
}

/** The alarm ids of a scope, in the order alarms.ts creates them. */
export function alarmIds(scope: ResponderScope): readonly OwnAlarmId[] {
  return scope === 'organization' ? [...ACCOUNT_ALARM_IDS, ORGANIZATION_ALARM_ID] : ACCOUNT_ALARM_IDS;
}

/** The ARN of an own rule on the default bus, from its name (pseudo parameters: the same in every stack). */
export function ownRuleArn(responder: Construct, id: OwnRuleId): string {
  return `arn:${Aws.PARTITION}:events:${Aws.REGION}:${Aws.ACCOUNT_ID}:rule/${ownResourceName(responder, id)}`;
}

/** What OWN_RESOURCES tells the function: every own rule with its target options, the alarms, key and trail. */
export function ownResources(
  responder: Construct,
  parts: {
    readonly scope: ResponderScope;
    readonly alerts: AlertTopic;
    readonly maxEventAge: Duration;
    readonly trailArn: string | undefined;
  },
): OwnResources {
  const rule = (id: OwnRuleId, target: OwnRule['target']): OwnRule => ({
    name: ownResourceName(responder, id),
    target,
    targetId: RULE_TARGET_ID,
    deadLetterQueueArn: parts.alerts.deadLetterQueue.queueArn,
    retryAttempts: RULE_TARGET_RETRY_ATTEMPTS,
    maxEventAgeSeconds: parts.maxEventAge.toSeconds(),
  });
  return {
    rules: [...FUNCTION_RULE_IDS.map((id) => rule(id, 'function')), rule(DEAD_FUNCTION_RULE_ID, 'topic')],
    alarmNames: alarmIds(parts.scope).map((id) => ownResourceName(responder, id)),
    topicKeyArn: parts.alerts.topicKey.keyArn,
    ...(parts.trailArn === undefined ? {} : { trailArn: parts.trailArn }),
  };
}

/** OWN_RESOURCES as the environment holds it: JSON, with the ARNs CloudFormation resolves at deploy time. */
export function ownResourcesVariable(responder: Construct, resources: OwnResources): string {
  return Stack.of(responder).toJsonString(resources);
}

/** What an own rule may deliver to (OwnRule['target']): a function of this account and Region, or the topic. */
function ownTargetArns(alerts: AlertTopic): string[] {
  return [`arn:${Aws.PARTITION}:lambda:${Aws.REGION}:${Aws.ACCOUNT_ID}:function:*`, alerts.topic.topicArn];
}

/**
 * The statements of the tamper repairs (remediate mode) and of the sweep's wiring check: exactly these actions, on
 * exactly the responder's own rules, trail and topic. None needs iam:PassRole: no own target has a role.
 */
export function ownResourceStatements(
  responder: Construct,
  parts: { readonly alerts: AlertTopic; readonly trailArn: string | undefined },
): iam.PolicyStatement[] {
  const ruleArns = OWN_RULE_IDS.map((id) => ownRuleArn(responder, id));
  const statements = [
    new iam.PolicyStatement({
      sid: 'ReEnableAndCheckOwnRules',
      // EnableRule undoes DisableRule; DescribeRule and ListTargetsByRule are the sweep's check that each rule is
      // enabled and still delivers to its target.
      actions: ['events:DescribeRule', 'events:EnableRule', 'events:ListTargetsByRule'],
      resources: ruleArns,
    }),
    new iam.PolicyStatement({
      sid: 'RewireOwnRulesToOwnTargetsOnly',
      // PutTargets undoes RemoveTargets, and may set only a function of this account and Region or the alert topic
      // (events:TargetArn, one value per target of the request; the dead-letter queue is not among them). Every
      // target of the request must match (ForAllValues), and a request without one is not allowed by default
      // (Null). The function itself cannot be named: the function waits for this policy, whose statement would
      // then wait for the function.
      actions: ['events:PutTargets'],
      resources: ruleArns,
      conditions: {
        'ForAllValues:ArnLike': { 'events:TargetArn': ownTargetArns(parts.alerts) },
        Null: { 'events:TargetArn': 'false' },
      },
    }),
    new iam.PolicyStatement({
      sid: 'CheckTheTopicStillHasSubscribers',
      actions: ['sns:ListSubscriptionsByTopic'],
      resources: [parts.alerts.topic.topicArn],
    }),
  ];
  if (parts.trailArn !== undefined) {
    statements.push(
      new iam.PolicyStatement({
        sid: 'RestartLoggingOfTheTrailTheAppCreated',
        // Only the app's own trail: a trail someone else runs is reported, never touched.
        actions: ['cloudtrail:GetTrailStatus', 'cloudtrail:StartLogging'],
        resources: [parts.trailArn],
      }),
    );
  }
  return statements;
}
