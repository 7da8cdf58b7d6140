// The two tamper rules' patterns exactly as synthesized (intrinsics resolved as a deploy would), put into moto's
// EventBridge, then every tamper fixture sent: which rule delivers which event is moto's real matcher's answer.
// moto 5.2.1 implements every operator the patterns use ($or, prefix, suffix, wildcard, exact strings and numbers);
// the events that must not match prove each narrowing is not a matcher that lets everything through (moto treats
// an operator it does not know as a match). Over 300 lines because the case table (45 cases, one per watched call and
// its look-alikes) is kept whole, in the order of TAMPER_CALLS.
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Json } from '../support/fixtures.js';
import { createRuleUnderTest, type Entry, type RuleUnderTest } from '../support/moto-rule.js';
import { FIXTURE_OWN, OWN_NAME_PREFIX, tamperFixture, withRequest } from '../support/tamper-fixtures.js';
import { FIXTURE_DEPLOYMENT, resolveIntrinsics } from './resolve.js';
import { synthFirst } from './synth.js';

process.env.CDK_VALIDATION = 'false';

// moto keeps state per Region: this file owns eu-south-2 and its rule and queue names.
const region = 'eu-south-2';
const SENTINEL = 'sentinel: DeleteFunction of our function';

/** PutEvents entry for an EventBridge event, marked with `marker` in `detail.eventID`. */
function entryOf(event: Json, marker: string): Entry {
  return {
    Source: String(event.source),
    DetailType: String(event['detail-type']),
    Detail: JSON.stringify({ ...(event.detail as Json), eventID: marker }),
  };
}

const fixture = tamperFixture;
const rule = FIXTURE_OWN.ruleName;
const { functionName, functionArn, topicArn, keyId, keyArn, tableName, tableArn } = FIXTURE_OWN;

/** [case, event, delivered by the tamper rule, delivered by the dead-function rule] */
const CASES: readonly [string, () => Json, boolean, boolean][] = [
  // CloudTrail: any trail, ours or not (the responder cannot know which one feeds EventBridge).
  [
    'StopLogging of another trail',
    () => fixture('aws.cloudtrail.StopLogging.any-trail.synthetic.json'),
    true,
    false,
  ],
  [
    'DeleteTrail of another trail',
    () => fixture('aws.cloudtrail.DeleteTrail.any-trail.synthetic.json'),
    true,
    false,
  ],
  [
    'UpdateTrail (real record)',
    () => fixture('aws.cloudtrail.UpdateTrail.elastic-integrations.json'),
    true,
    false,
  ],
  [
    'UpdateTrail that failed (real record, errorCode kept)',
    () => fixture('aws.cloudtrail.UpdateTrail.failed.elastic-integrations.json'),
    true,
    false,
  ],
  [
    'PutEventSelectors dropping management events',
    () => fixture('aws.cloudtrail.PutEventSelectors.drop-management-events.synthetic.json'),
    true,
    false,
  ],
  // EventBridge: our rules by name, both tamper rules included (each sees the other disabled).
  [
    'DisableRule of our GuardDuty rule',
    () => fixture('aws.events.DisableRule.own-rule.synthetic.json'),
    true,
    true,
  ],
  [
    'DisableRule of the tamper rule, denied (errorCode kept)',
    () => fixture('aws.events.DisableRule.denied.synthetic.json'),
    true,
    true,
  ],
  [
    'DisableRule of the dead-function rule',
    () =>
      withRequest(fixture('aws.events.DisableRule.own-rule.synthetic.json'), {
        name: rule('DeadFunctionRule'),
      }),
    true,
    true,
  ],
  [
    'DisableRule of the sweep schedule',
    () =>
      withRequest(fixture('aws.events.DisableRule.own-rule.synthetic.json'), { name: rule('SweepSchedule') }),
    true,
    true,
  ],
  [
    'DeleteRule of another rule (real record)',
    () => fixture('aws.events.DeleteRule.elastic-integrations.json'),
    false,
    false,
  ],
  [
    'DeleteRule of the tamper rule (the real record pointed at ours)',
    () =>
      withRequest(fixture('aws.events.DeleteRule.elastic-integrations.json'), {
        name: rule('TamperEventRule'),
      }),
    true,
    true,
  ],
  [
    "DeleteRule of another stack's responder rule",
    () =>
      withRequest(fixture('aws.events.DeleteRule.elastic-integrations.json'), {
        name: 'GuardDutyDriftResponder0F1E2D3C-TamperEventRule',
      }),
    false,
    false,
  ],
  [
    'RemoveTargets of the dead-function rule',
    () => fixture('aws.events.RemoveTargets.own-rule.synthetic.json'),
    true,
    true,
  ],
  [
    'PutRule of our rule by CloudFormation',
    () => fixture('aws.events.PutRule.own-rule.cloudformation.synthetic.json'),
    true,
    false,
  ],
  [
    'PutTargets on the tamper rule',
    () => fixture('aws.events.PutTargets.own-rule.synthetic.json'),
    true,
    true,
  ],
  [
    'PutRule replacing the tamper rule pattern, not by CloudFormation (it would miss its own event)',
    () => {
      const event = withRequest(fixture('aws.events.PutRule.own-rule.cloudformation.synthetic.json'), {
        name: rule('TamperEventRule'),
        eventPattern: '{"source":["none"]}',
      });
      return { ...event, detail: { ...(event.detail as object), sourceIPAddress: '203.0.113.7' } };
    },
    true,
    true,
  ],
  // Lambda: our function by name, ARN or partial ARN, with or without a qualifier.
  [
    'UpdateFunctionConfiguration of our function',
    () => fixture('aws.lambda.UpdateFunctionConfiguration20150331v2.mode-notify.synthetic.json'),
    true,
    true,
  ],
  [
    'UpdateFunctionConfiguration of a function named ours plus "-canary"',
    () =>
      withRequest(fixture('aws.lambda.UpdateFunctionConfiguration20150331v2.mode-notify.synthetic.json'), {
        functionName: `${functionName}-canary`,
      }),
    false,
    false,
  ],
  [
    'UpdateFunctionCode of our function by ARN',
    () => fixture('aws.lambda.UpdateFunctionCode20150331v2.own-function-arn.synthetic.json'),
    true,
    true,
  ],
  [
    'PutFunctionConcurrency 0 on our function',
    () => fixture('aws.lambda.PutFunctionConcurrency20171031.zero.synthetic.json'),
    true,
    true,
  ],
  [
    'PutFunctionConcurrency 5 on our function (it still runs)',
    () =>
      withRequest(fixture('aws.lambda.PutFunctionConcurrency20171031.zero.synthetic.json'), {
        reservedConcurrentExecutions: 5,
      }),
    true,
    false,
  ],
  [
    'DeleteFunction of our function',
    () => fixture('aws.lambda.DeleteFunction20150331.own-function.synthetic.json'),
    true,
    true,
  ],
  [
    'DeleteFunction of our function by qualified ARN',
    () =>
      withRequest(fixture('aws.lambda.DeleteFunction20150331.own-function.synthetic.json'), {
        functionName: `${functionArn}:live`,
      }),
    true,
    true,
  ],
  [
    'DeleteFunction of a function whose ARN ends like ours plus "-canary"',
    () => fixture('aws.lambda.DeleteFunction20150331.foreign-function.synthetic.json'),
    false,
    false,
  ],
  [
    'DeleteFunction of a function named ours plus "-canary"',
    () =>
      withRequest(fixture('aws.lambda.DeleteFunction20150331.own-function.synthetic.json'), {
        functionName: `${functionName}-canary`,
      }),
    false,
    false,
  ],
  [
    'DeleteFunction of a function named "x" plus ours',
    () =>
      withRequest(fixture('aws.lambda.DeleteFunction20150331.own-function.synthetic.json'), {
        functionName: `x${functionName}`,
      }),
    false,
    false,
  ],
  [
    'RemovePermission (v2) of our function by partial ARN',
    () => fixture('aws.lambda.RemovePermission20150331v2.own-function-partial-arn.synthetic.json'),
    true,
    true,
  ],
  [
    'RemovePermission of our function with a qualifier',
    () => fixture('aws.lambda.RemovePermission20150331.own-function-qualified.synthetic.json'),
    true,
    true,
  ],
  // SNS: our topic and its subscriptions.
  ['DeleteTopic of our topic', () => fixture('aws.sns.DeleteTopic.own-topic.synthetic.json'), true, false],
  [
    'DeleteTopic of a topic named ours plus "-old"',
    () =>
      withRequest(fixture('aws.sns.DeleteTopic.own-topic.synthetic.json'), { topicArn: `${topicArn}-old` }),
    false,
    false,
  ],
  ['Unsubscribe from our topic', () => fixture('aws.sns.Unsubscribe.own-topic.synthetic.json'), true, false],
  [
    'Unsubscribe from a topic named ours plus "-old"',
    () =>
      withRequest(fixture('aws.sns.Unsubscribe.own-topic.synthetic.json'), {
        subscriptionArn: `${topicArn}-old:5f0e8c1a-3b2d-4e6f-9a7b-1c2d3e4f5a6b`,
      }),
    false,
    false,
  ],
  [
    'SetTopicAttributes of our topic',
    () => fixture('aws.sns.SetTopicAttributes.own-topic.synthetic.json'),
    true,
    false,
  ],
  [
    'RemovePermission of our topic',
    () => fixture('aws.sns.RemovePermission.own-topic.synthetic.json'),
    true,
    false,
  ],
  [
    'SetSubscriptionAttributes (a filter policy) on a subscription of our topic',
    () => fixture('aws.sns.SetSubscriptionAttributes.own-topic.synthetic.json'),
    true,
    false,
  ],
  [
    'SetSubscriptionAttributes on a subscription of a topic named ours plus "-staging"',
    () => fixture('aws.sns.SetSubscriptionAttributes.foreign-topic.synthetic.json'),
    false,
    false,
  ],
  // KMS: our key by id or ARN.
  [
    'DisableKey of another key (real record)',
    () => fixture('aws.kms.DisableKey.elastic-integrations.json'),
    false,
    false,
  ],
  [
    'DisableKey of our key by ARN',
    () => withRequest(fixture('aws.kms.DisableKey.elastic-integrations.json'), { keyId: keyArn }),
    true,
    false,
  ],
  [
    'ScheduleKeyDeletion of another key (real record)',
    () => fixture('aws.kms.ScheduleKeyDeletion.elastic-integrations.json'),
    false,
    false,
  ],
  [
    'ScheduleKeyDeletion of our key by id',
    () => withRequest(fixture('aws.kms.ScheduleKeyDeletion.elastic-integrations.json'), { keyId }),
    true,
    false,
  ],
  // CloudWatch: one of our alarms among others.
  [
    'DisableAlarmActions naming our heartbeat alarm among others',
    () => fixture('aws.monitoring.DisableAlarmActions.own-alarm.synthetic.json'),
    true,
    false,
  ],
  [
    'DeleteAlarms of another alarm (real record)',
    () => fixture('aws.monitoring.DeleteAlarms.elastic-integrations.json'),
    false,
    false,
  ],
  [
    'DeleteAlarms of our non-compliance alarm',
    () =>
      withRequest(fixture('aws.monitoring.DeleteAlarms.elastic-integrations.json'), {
        alarmNames: [FIXTURE_OWN.alarmName('NonComplianceAlarm')],
      }),
    true,
    false,
  ],
  // DynamoDB: our table by name or ARN.
  [
    'DeleteTable of our table',
    () => fixture('aws.dynamodb.DeleteTable.own-table.synthetic.json'),
    true,
    true,
  ],
  [
    'DeleteTable of our table by ARN',
    () => withRequest(fixture('aws.dynamodb.DeleteTable.own-table.synthetic.json'), { tableName: tableArn }),
    true,
    true,
  ],
  [
    'DeleteTable of another table',
    () =>
      withRequest(fixture('aws.dynamodb.DeleteTable.own-table.synthetic.json'), {
        tableName: `${tableName}-copy`,
      }),
    false,
    false,
  ],
];

/** What is left in the rule's queue (a wrong delivery behind the last expected one), removed from it. */
async function rest(rule: RuleUnderTest): Promise<string[]> {
  const markers: string[] = [];
  for (;;) {
    const { Messages = [] } = await rule.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: rule.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    if (Messages.length === 0) return markers;
    for (const message of Messages) {
      markers.push(String((JSON.parse(message.Body ?? '{}') as { detail?: Json }).detail?.eventID));
    }
    await rule.ack(Messages);
  }
}

/** The synthesized pattern of the rule whose logical id starts with `prefix`, resolved for the fixtures' deploy. */
function patternOf(prefix: string): unknown {
  const { template } = synthFirst();
  const rules = Object.entries(template.findResources('AWS::Events::Rule')).filter(([id]) =>
    id.startsWith(prefix),
  );
  expect(rules).toHaveLength(1);
  const [[, resource]] = rules as [[string, { Properties: { EventPattern: unknown } }]];
  return resolveIntrinsics(resource.Properties.EventPattern, template, FIXTURE_DEPLOYMENT);
}

describe('Tamper rule patterns (as synthesized), run by moto EventBridge', () => {
  let tamperRule: RuleUnderTest;
  let deadFunctionRule: RuleUnderTest;
  let toTamper: string[];
  let toDeadFunction: string[];

  beforeAll(async () => {
    const endpoint = inject('motoEndpoint');
    tamperRule = await createRuleUnderTest({
      endpoint,
      region,
      name: 'tamper-rule-under-test',
      pattern: patternOf('ResponderTamperEventRule'),
    });
    deadFunctionRule = await createRuleUnderTest({
      endpoint,
      region,
      name: 'dead-function-rule-under-test',
      pattern: patternOf('ResponderDeadFunctionRule'),
    });
    // Both rules sit on the same default bus: one PutEvents reaches both. The sentinel, sent last, matches both.
    const entries = [
      ...CASES.map(([name, event]) => entryOf(event(), name)),
      entryOf(fixture('aws.lambda.DeleteFunction20150331.own-function.synthetic.json'), SENTINEL),
    ];
    expect(await tamperRule.send(entries)).toBe(0);
    const marker = (delivered: { detail?: Record<string, unknown> }) => delivered.detail?.eventID;
    const expected = (index: 2 | 3) => [...CASES.filter((c) => c[index]).map(([name]) => name), SENTINEL];
    toTamper = [...(await tamperRule.poll(expected(2), marker)), ...(await rest(tamperRule))];
    toDeadFunction = [
      ...(await deadFunctionRule.poll(expected(3), marker)),
      ...(await rest(deadFunctionRule)),
    ];
  });

  afterAll(async () => {
    await tamperRule.close();
    await deadFunctionRule.close();
  });

  it('resolves the fixtures against the default stack, whose rule names carry the prefix the fixtures use', () => {
    expect(JSON.stringify(patternOf('ResponderTamperEventRule'))).toContain(
      `${OWN_NAME_PREFIX}-TamperEventRule`,
    );
    expect(JSON.stringify(patternOf('ResponderDeadFunctionRule'))).toContain(
      `${OWN_NAME_PREFIX}-TamperEventRule`,
    );
  });

  const expectations = CASES.map(([name, , tamper, deadFunction]) => [name, tamper, deadFunction] as const);
  it.each(expectations)('%s: to the function %s, to the topic %s', (name, tamper, deadFunction) => {
    expect(toTamper.filter((marker) => marker === name)).toEqual(tamper ? [name] : []);
    expect(toDeadFunction.filter((marker) => marker === name)).toEqual(deadFunction ? [name] : []);
  });

  it('delivers the sentinel to both rules once, and nothing beyond the cases', () => {
    expect(toTamper.filter((marker) => marker === SENTINEL)).toEqual([SENTINEL]);
    expect(toDeadFunction.filter((marker) => marker === SENTINEL)).toEqual([SENTINEL]);
    const names = new Set([...CASES.map(([name]) => name), SENTINEL]);
    expect([...toTamper, ...toDeadFunction].every((marker) => names.has(marker))).toBe(true);
  });

  it('covers every matching and non-matching kind: own, foreign, denied, CloudFormation-driven', () => {
    expect(CASES.filter((c) => c[2]).length).toBeGreaterThan(20);
    expect(CASES.filter((c) => !c[2]).length).toBeGreaterThan(8);
    expect(CASES.filter((c) => c[3]).length).toBeGreaterThan(8);
  });
});
