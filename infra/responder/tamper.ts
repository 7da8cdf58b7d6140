/**
 * The tamper watch (docs/tamper.md): a rule on the CloudTrail records of the calls that blind or disarm the
 * responder, to the function; and a second rule on the calls that stop the function itself, straight to the topic,
 * so that page arrives when the function never runs again. Both patterns are built from the handler's own call
 * lists (handlers/contract.ts), so neither can drift from what the handler parses.
 */
import { Aws } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import {
  CLOUDTRAIL_DETAIL_TYPE,
  DEAD_FUNCTION_CALLS,
  TAMPER_CALLS,
  type TamperSource,
} from '../../handlers/contract.js';
import type { AlertTopic } from './alert-topic.js';
import {
  alarmIds,
  DEAD_FUNCTION_RULE_ID,
  OWN_RULE_IDS,
  ownResourceName,
  ownRuleArn,
  RULE_TARGET_RETRY_ATTEMPTS,
} from './own-resources.js';
import type { ResponderSettings } from './props.js';

/** The responder's own resources as the tamper patterns match them (tokens resolve at deploy time). */
export interface TamperWatchTargets {
  /** Every own rule, both tamper rules included: disabling one rule is seen by the other. */
  readonly ruleNames: readonly string[];
  readonly functionName: string;
  readonly topicArn: string;
  readonly keyId: string;
  readonly keyArn: string;
  readonly alarmNames: readonly string[];
  readonly tableName: string;
  readonly tableArn: string;
}

/** One `$or` branch of `detail`: one service's calls, and how their request names the resource. */
type Branch = Record<string, unknown>;
type Matcher = string | Record<string, unknown>;

/** The EventBridge calls whose request names the rule `Rule` (the others name it `Name`). */
const TARGET_CALLS: readonly string[] = ['PutTargets', 'RemoveTargets'];
/** The SNS calls whose request names a subscription (`SubscriptionArn`), not the topic. */
const SUBSCRIPTION_CALLS: readonly string[] = ['Unsubscribe', 'SetSubscriptionAttributes'];
/** The Lambda call that can throttle the function to nothing: the second rule pages only for 0. */
const CONCURRENCY_CALL = 'PutFunctionConcurrency20171031';

function branch(source: TamperSource, eventNames: readonly string[], requestParameters?: Branch): Branch {
  return {
    eventSource: [TAMPER_CALLS[source].eventSource],
    eventName: [...eventNames],
    ...(requestParameters === undefined ? {} : { requestParameters }),
  };
}

/**
 * A Lambda `FunctionName` as callers may write it: the name, the name with a version or alias (`name:1`), the ARN
 * or the partial ARN (`123456789012:function:name`), each with or without a qualifier. Function names hold only
 * letters, digits, `-` and `_`, so `name:` and `:function:name` cannot match another function.
 */
export function functionNameMatchers(name: string): Matcher[] {
  return [
    name,
    { prefix: `${name}:` },
    { suffix: `:function:${name}` },
    { wildcard: `*:function:${name}:*` },
  ];
}

/** EventBridge calls on our rules: `Name` for the rule calls, `Rule` for the target calls. */
function ruleBranches(eventNames: readonly string[], ruleNames: readonly string[]): Branch[] {
  const byName = eventNames.filter((name) => !TARGET_CALLS.includes(name));
  const byRule = eventNames.filter((name) => TARGET_CALLS.includes(name));
  return [
    ...(byName.length > 0 ? [branch('aws.events', byName, { name: [...ruleNames] })] : []),
    ...(byRule.length > 0 ? [branch('aws.events', byRule, { rule: [...ruleNames] })] : []),
  ];
}

/**
 * How each watched service's calls name the resource, narrowed to ours. A mapped type over every source of
 * TAMPER_CALLS: a source added there does not compile here until it says what it narrows to.
 */
const NARROWED_BRANCHES: {
  readonly [Source in TamperSource]: (own: TamperWatchTargets, eventNames: readonly string[]) => Branch[];
} = {
  // Any trail: the responder cannot know which trail feeds EventBridge, so a stop on every one is reported.
  'aws.cloudtrail': (_own, eventNames) => [branch('aws.cloudtrail', eventNames)],
  'aws.events': (own, eventNames) => ruleBranches(eventNames, own.ruleNames),
  'aws.lambda': (own, eventNames) => [
    branch('aws.lambda', eventNames, { functionName: functionNameMatchers(own.functionName) }),
  ],
  'aws.sns': (own, eventNames) => {
    const onTopic = eventNames.filter((name) => !SUBSCRIPTION_CALLS.includes(name));
    const onSubscription = eventNames.filter((name) => SUBSCRIPTION_CALLS.includes(name));
    return [
      ...(onTopic.length > 0 ? [branch('aws.sns', onTopic, { topicArn: [own.topicArn] })] : []),
      // A subscription ARN is the topic ARN, a colon and the subscription id.
      ...(onSubscription.length > 0
        ? [branch('aws.sns', onSubscription, { subscriptionArn: [{ prefix: `${own.topicArn}:` }] })]
        : []),
    ];
  },
  // DisableKey and ScheduleKeyDeletion take the key id or the key ARN (no alias).
  'aws.kms': (own, eventNames) => [branch('aws.kms', eventNames, { keyId: [own.keyId, own.keyArn] })],
  // AlarmNames is a list: one of ours among others matches.
  'aws.monitoring': (own, eventNames) => [
    branch('aws.monitoring', eventNames, { alarmNames: [...own.alarmNames] }),
  ],
  // DeleteTable takes the table name or its ARN.
  'aws.dynamodb': (own, eventNames) => [
    branch('aws.dynamodb', eventNames, { tableName: [own.tableName, own.tableArn] }),
  ],
};

/** Every call of TAMPER_CALLS on our resources (any trail), denied calls included (no errorCode filter). */
export function tamperEventPattern(own: TamperWatchTargets): events.EventPattern {
  const sources = Object.keys(TAMPER_CALLS) as TamperSource[];
  return {
    source: sources,
    detailType: [CLOUDTRAIL_DETAIL_TYPE],
    detail: {
      $or: sources.flatMap((source) => NARROWED_BRANCHES[source](own, TAMPER_CALLS[source].eventNames)),
    },
  };
}

/**
 * The DEAD_FUNCTION_CALLS, each narrowed to our resources exactly as the tamper rule narrows it (NARROWED_BRANCHES:
 * our rules, our function, our table by name or ARN); PutFunctionConcurrency only when it reserves 0 (any other
 * value leaves the function running, and the tamper rule reports it through the function); PutRule and PutTargets
 * only when CloudFormation did not send them.
 */
export function deadFunctionPattern(own: TamperWatchTargets): events.EventPattern {
  const sources = Object.keys(DEAD_FUNCTION_CALLS) as DeadFunctionSource[];
  return {
    source: sources,
    detailType: [CLOUDTRAIL_DETAIL_TYPE],
    detail: {
      $or: sources.flatMap((source) => deadFunctionBranches(own, source, DEAD_FUNCTION_CALLS[source])),
    },
  };
}

type DeadFunctionSource = keyof typeof DEAD_FUNCTION_CALLS;

/**
 * The EventBridge calls that replace a rule's pattern or target: straight to the topic only when CloudFormation did
 * not make them (a deploy of the stack replaces its own rules; the function reports those through the tamper rule).
 */
const REPLACE_CALLS: readonly string[] = ['PutRule', 'PutTargets'];
const NOT_CLOUDFORMATION = { sourceIPAddress: [{ 'anything-but': ['cloudformation.amazonaws.com'] }] };

function deadFunctionBranches(
  own: TamperWatchTargets,
  source: DeadFunctionSource,
  eventNames: readonly string[],
): Branch[] {
  const always = eventNames.filter((name) => name !== CONCURRENCY_CALL && !REPLACE_CALLS.includes(name));
  const replacing = eventNames.filter((name) => REPLACE_CALLS.includes(name));
  return [
    ...(always.length > 0 ? NARROWED_BRANCHES[source](own, always) : []),
    ...(replacing.length > 0
      ? NARROWED_BRANCHES[source](own, replacing).map((narrowed) => ({ ...narrowed, ...NOT_CLOUDFORMATION }))
      : []),
    ...(eventNames.includes(CONCURRENCY_CALL)
      ? [
          branch('aws.lambda', [CONCURRENCY_CALL], {
            functionName: functionNameMatchers(own.functionName),
            reservedConcurrentExecutions: [0],
          }),
        ]
      : []),
  ];
}

/** The two tamper rules. */
export interface TamperRules {
  /** The tamper calls, to the function (reported with who/what/where, repaired where ours). */
  readonly tamperRule: events.Rule;
  /** The calls that stop the function, to the topic directly (the raw CloudTrail event). */
  readonly deadFunctionRule: events.Rule;
}

/**
 * Adds `TamperEventRule` (to the function) and `DeadFunctionRule` (to the topic) directly on `responder`, with the
 * same dead-letter queue and retries as the other rules, and lets the second rule publish to the encrypted topic.
 */
export function addTamperRules(
  responder: Construct,
  settings: ResponderSettings,
  parts: { readonly fn: lambda.IFunction; readonly alerts: AlertTopic; readonly stateTable: dynamodb.ITable },
): TamperRules {
  const { fn, alerts, stateTable } = parts;
  const own: TamperWatchTargets = {
    ruleNames: OWN_RULE_IDS.map((id) => ownResourceName(responder, id)),
    functionName: fn.functionName,
    topicArn: alerts.topic.topicArn,
    keyId: alerts.topicKey.keyId,
    keyArn: alerts.topicKey.keyArn,
    alarmNames: alarmIds(settings.scope).map((id) => ownResourceName(responder, id)),
    tableName: stateTable.tableName,
    tableArn: stateTable.tableArn,
  };
  const targetOptions = {
    deadLetterQueue: alerts.deadLetterQueue,
    retryAttempts: RULE_TARGET_RETRY_ATTEMPTS,
    maxEventAge: settings.maxEventAge,
  };
  const tamperRule = new events.Rule(responder, 'TamperEventRule', {
    ruleName: ownResourceName(responder, 'TamperEventRule'),
    description:
      'Calls that blind or disarm the GuardDuty drift responder (its trail, rules, function, alerts)',
    eventPattern: tamperEventPattern(own),
    targets: [new targets.LambdaFunction(fn, targetOptions)],
  });
  const deadFunctionRule = new events.Rule(responder, DEAD_FUNCTION_RULE_ID, {
    ruleName: ownResourceName(responder, DEAD_FUNCTION_RULE_ID),
    description:
      'Calls that stop the GuardDuty drift responder function, sent to its alert topic without the function',
    eventPattern: deadFunctionPattern(own),
    // The raw event, no input transformer: the only rendering with no function to scrub what the caller wrote
    // (docs/tamper.md, "When the function is gone").
    targets: [topicTarget(alerts.topic, targetOptions)],
  });
  allowRuleToPublish(responder, alerts);
  return { tamperRule, deadFunctionRule };
}

/**
 * The topic as a rule target without the CDK's SnsTopic grant (an unconditioned topic policy statement and key
 * grant for every EventBridge rule of every account): the statements of {@link allowRuleToPublish} instead.
 */
function topicTarget(topic: sns.ITopic, options: targets.TargetBaseProps & { deadLetterQueue: sqs.IQueue }) {
  return {
    bind: (rule: events.IRule): events.RuleTargetConfig => {
      targets.addToDeadLetterQueueResourcePolicy(rule, options.deadLetterQueue);
      return { ...targets.bindBaseTargetConfig(options), arn: topic.topicArn, targetResource: topic };
    },
  };
}

/**
 * The topic policy and key policy statements that let the dead-function rule, and nothing else of EventBridge,
 * publish to the encrypted topic (SNS needs the publisher to be allowed kms:GenerateDataKey* and kms:Decrypt).
 */
function allowRuleToPublish(responder: Construct, alerts: AlertTopic): void {
  const events = new iam.ServicePrincipal('events.amazonaws.com');
  const conditions = {
    StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
    ArnEquals: { 'aws:SourceArn': ownRuleArn(responder, DEAD_FUNCTION_RULE_ID) },
  };
  alerts.topic.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowTheDeadFunctionRuleToPublish',
      principals: [events],
      actions: ['sns:Publish'],
      resources: [alerts.topic.topicArn],
      conditions,
    }),
  );
  // The key use is bound to this account's topics by the encryption context SNS always sends (`aws:sns:topicArn`;
  // naming the topic itself would be a cycle, the topic names its key), not by aws:SourceArn: the KMS request comes
  // from SNS on EventBridge's behalf, and a condition key the request might not carry would make KMS refuse the one
  // page that must arrive when the function is gone.
  alerts.topicKey.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowTheDeadFunctionRuleToPublish',
      principals: [events],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: {
        StringLike: {
          'kms:EncryptionContext:aws:sns:topicArn': `arn:${Aws.PARTITION}:sns:${Aws.REGION}:${Aws.ACCOUNT_ID}:*`,
        },
      },
    }),
  );
}
