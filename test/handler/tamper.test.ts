/*
 * The tamper watch through the real Lambda entry point, with aws-sdk-client-mock (EventBridge, CloudTrail, SNS...) and
 * the in-memory state table: each branch of a tamper event (repaired, reported, would-repair, denied, deploy, own
 * repair, foreign resource) and each fault (EnableRule fails, the read-back says still disabled, PutTargets reports a
 * failed entry, Publish fails and is retried without a second page), the state table deleted (paged without a
 * claim), and the sweep's wiring check (with two parts of a sweep failing: each logged).
 * Over 300 lines: every branch and fault of one trigger, with its small EventBridge model, reads best together.
 */
import { CloudTrailClient, GetTrailStatusCommand, StartLoggingCommand } from '@aws-sdk/client-cloudtrail';
import { ResourceNotFoundException as TableNotFound, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeRuleCommand,
  EnableRuleCommand,
  EventBridgeClient,
  ListTargetsByRuleCommand,
  PutTargetsCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-eventbridge';
import { GetDetectorCommand, ListDetectorsCommand, UpdateDetectorCommand } from '@aws-sdk/client-guardduty';
import { ListSubscriptionsByTopicCommand, PublishCommand } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createResponder } from '../../handlers/composition.js';
import { JsonLogger } from '../../handlers/logger.js';
import { expectNoForgery, forged } from '../alerts/hostile-text.js';
import { expectWellFormedAlert } from '../support/alert-assertions.js';
import {
  awsFault,
  DRIFTED,
  FakeStateTable,
  metricPoints,
  mockAws,
  PROTECTED,
  publishedInputs,
  resetAws,
} from '../support/aws-mocks.js';
import {
  lambdaContext,
  RESPONDER_FUNCTION_NAME,
  RESPONDER_ROLE_ARN,
  sweepEvent,
} from '../support/fixtures.js';
import {
  coldStart,
  type MockedResponder,
  REGION,
  responderEnv,
  STATE_TABLE,
  TOPIC_ARN,
} from '../support/mocked-responder.js';
import {
  CLOUDFORMATION_DEPLOY,
  FUNCTION_ARN,
  OWN,
  TRAIL_ARN,
  tamperEvent,
} from '../support/tamper-events.js';

const aws = mockAws();
const events = mockClient(EventBridgeClient);
const trails = mockClient(CloudTrailClient);
const RULE = 'guardduty-drift-events';
const DETECTOR = '0ab12cd34ef56ab78cd90ef12ab34cd5';
let responder: MockedResponder;
let messages = 0;

/** EventBridge as a small model of the responder's rules: state and targets, changed by the calls. */
const rules = new Map<string, { state: string; targets: { Id: string; Arn: string }[] }>();

function armEventBridge(): void {
  events.reset();
  rules.clear();
  rules.set(RULE, { state: 'ENABLED', targets: [{ Id: 'Target0', Arn: FUNCTION_ARN }] });
  rules.set('guardduty-drift-dead-function', {
    state: 'ENABLED',
    targets: [{ Id: 'Target0', Arn: TOPIC_ARN }],
  });
  const find = (name: string | undefined) => {
    const rule = rules.get(name ?? '');
    if (rule === undefined) {
      throw new ResourceNotFoundException({ message: `Rule ${name} does not exist.`, $metadata: {} });
    }
    return rule;
  };
  events
    .on(DescribeRuleCommand)
    .callsFake(async (input: { Name?: string }) => ({ Name: input.Name, State: find(input.Name).state }));
  events.on(EnableRuleCommand).callsFake(async (input: { Name?: string }) => {
    find(input.Name).state = 'ENABLED';
    return {};
  });
  events
    .on(ListTargetsByRuleCommand)
    .callsFake(async (input: { Rule?: string }) => ({ Targets: find(input.Rule).targets }));
  events
    .on(PutTargetsCommand)
    .callsFake(async (input: { Rule?: string; Targets?: { Id: string; Arn: string }[] }) => {
      const rule = find(input.Rule);
      for (const target of input.Targets ?? []) {
        rule.targets = [
          ...rule.targets.filter((each) => each.Id !== target.Id),
          { Id: target.Id, Arn: target.Arn },
        ];
      }
      return { FailedEntryCount: 0, FailedEntries: [] };
    });
}

let trailLogging = true;
function armCloudTrail(): void {
  trails.reset();
  trailLogging = true;
  trails.on(StartLoggingCommand).callsFake(async () => {
    trailLogging = true;
    return {};
  });
  trails.on(GetTrailStatusCommand).callsFake(async () => ({ IsLogging: trailLogging }));
}

beforeEach(async () => {
  resetAws(aws);
  new FakeStateTable(aws);
  armEventBridge();
  armCloudTrail();
  aws.guardDuty.on(ListDetectorsCommand).resolves({ DetectorIds: [DETECTOR] });
  aws.guardDuty.on(GetDetectorCommand).resolves(PROTECTED);
  aws.sns.on(PublishCommand).callsFake(async () => ({ MessageId: `message-${++messages}` }));
  responder = await coldStart({ OWN_RESOURCES: JSON.stringify(OWN) });
});
afterAll(() => {
  resetAws(aws);
  events.restore();
  trails.restore();
});

const disableRule = (id?: string) =>
  tamperEvent('aws.events', 'DisableRule', { name: RULE }, id ? { id } : {});

describe('a tamper event on the responder’s own rule', () => {
  it('re-enables the rule, reads it back and pages critical with who, what and the consequence', async () => {
    // Prepare
    const rule = rules.get(RULE);
    if (rule) rule.state = 'DISABLED';

    // Act
    const result = await responder.invoke(disableRule());

    // Assess
    expect(result).toMatchObject({
      trigger: 'tamper',
      tamper: { outcome: 'tamper-repaired', severity: 'critical' },
    });
    expect(events.commandCalls(EnableRuleCommand).map((call) => call.args[0].input)).toEqual([
      { Name: RULE },
    ]);
    expect(rules.get(RULE)?.state).toBe('ENABLED');
    const [page] = publishedInputs(aws);
    const alert = expectWellFormedAlert(page, { outcome: 'tamper-repaired', severity: 'critical' });
    expect(alert).toMatchObject({
      kind: 'tamper',
      actor: 'arn:aws:sts::123456789012:assumed-role/Admin/mallory',
      resource: { kind: 'rule', name: RULE, ours: true },
      repairs: [
        { action: `EnableRule on rule ${RULE}`, status: 'confirmed', detail: 'DescribeRule reads ENABLED' },
      ],
      fix: `aws events enable-rule --name ${RULE}`,
      nextStep: expect.stringMatching(/^nothing to restore; find out who/),
      cloudTrailUrl: expect.stringContaining('cloudtrailv2/home?region=us-east-1#/events/'),
    });
    expect(page?.Subject).toMatch(/^\[CRITICAL\] 123456789012 us-east-1: EventBridge rule/);
    const email = JSON.parse(page?.Message ?? '{}').email as string;
    expect(email).toContain('the function no longer receives GuardDuty events');
    expect(email).toContain('done, confirmed by read-back');
    expect(email).toContain('#tamper');
    expect(metricPoints(aws)).toEqual(
      expect.arrayContaining([
        { name: 'TamperDetected', value: 1 },
        { name: 'TamperRepaired', value: 1 },
      ]),
    );
  });

  it('restores a removed target with its dead-letter queue and retry policy', async () => {
    rules.set(RULE, { state: 'ENABLED', targets: [] });

    const result = await responder.invoke(
      tamperEvent('aws.events', 'RemoveTargets', { rule: RULE, ids: ['Target0'] }),
    );

    expect(result).toMatchObject({ tamper: { outcome: 'tamper-repaired' } });
    expect(events.commandCalls(PutTargetsCommand)[0]?.args[0].input).toEqual({
      Rule: RULE,
      Targets: [
        {
          Id: 'Target0',
          Arn: FUNCTION_ARN,
          DeadLetterConfig: { Arn: OWN.rules[0]?.deadLetterQueueArn },
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
        },
      ],
    });
    expect(rules.get(RULE)?.targets).toEqual([{ Id: 'Target0', Arn: FUNCTION_ARN }]);
  });

  it('in notify mode writes nothing and says what would be repaired', async () => {
    responder = await coldStart({ OWN_RESOURCES: JSON.stringify(OWN), RESPONDER_MODE: 'notify' });

    const result = await responder.invoke(disableRule());

    expect(result).toMatchObject({ tamper: { outcome: 'tamper-would-repair' } });
    expect(events.commandCalls(EnableRuleCommand)).toHaveLength(0);
    const alert = expectWellFormedAlert(publishedInputs(aws)[0], {
      outcome: 'tamper-would-repair',
      severity: 'critical',
    });
    expect(alert).toMatchObject({ repairs: [{ status: 'would-repair' }] });
  });

  it('ignores the responder’s own PutTargets (the loop guard) and a call on another rule, touching nothing', async () => {
    const own = tamperEvent(
      'aws.events',
      'PutTargets',
      { rule: RULE, targets: [{ id: 'Target0', arn: FUNCTION_ARN }] },
      {
        record: {
          userIdentity: {
            type: 'AssumedRole',
            arn: `arn:aws:sts::123456789012:assumed-role/GuardDutyDriftResponderRole/${RESPONDER_FUNCTION_NAME}`,
            sessionContext: { sessionIssuer: { arn: RESPONDER_ROLE_ARN } },
          },
          userAgent: 'aws-sdk-js/3 guardduty-drift-responder/0.1.0',
        },
      },
    );
    const foreign = tamperEvent('aws.events', 'DisableRule', { name: 'payments-nightly' });

    expect(await responder.invoke(own)).toMatchObject({
      tamper: { outcome: 'ignored', reason: expect.stringMatching(/own repair/) },
    });
    expect(await responder.invoke(foreign)).toMatchObject({ tamper: { outcome: 'ignored' } });

    expect(events.calls()).toHaveLength(0);
    expect(aws.sns.commandCalls(PublishCommand)).toHaveLength(0);
    expect(aws.dynamoDb.calls()).toHaveLength(0);
  });

  it('reports a denied attempt and a CloudFormation deploy without repairing', async () => {
    const denied = await responder.invoke(
      tamperEvent(
        'aws.events',
        'DisableRule',
        { name: RULE },
        { record: { errorCode: 'AccessDenied', errorMessage: 'no' } },
      ),
    );
    const deploy = await responder.invoke(
      tamperEvent('aws.events', 'DisableRule', { name: RULE }, { record: CLOUDFORMATION_DEPLOY }),
    );

    expect(denied).toMatchObject({ tamper: { outcome: 'tamper-denied', severity: 'high' } });
    // A deploy that disables the responder's rule disarms it: high, and not repaired (CloudFormation would fight it).
    expect(deploy).toMatchObject({ tamper: { outcome: 'tamper-deploy', severity: 'high' } });
    expect(events.commandCalls(EnableRuleCommand)).toHaveLength(0);
    expect(publishedInputs(aws)).toHaveLength(2);
  });

  it('pages a duplicate delivery of the same event once', async () => {
    const event = disableRule();
    await responder.invoke(event);
    const again = await responder.invoke(event);

    expect(again).toMatchObject({
      tamper: { outcome: 'ignored', reason: expect.stringMatching(/duplicate/) },
    });
    expect(publishedInputs(aws)).toHaveLength(1);
  });
});

describe('faults', () => {
  it('EnableRule fails: one critical failure page, the invocation fails; the retry that succeeds pages the repair', async () => {
    events.on(EnableRuleCommand).rejectsOnce(awsFault('guardduty', 'access denied'));
    const event = disableRule();

    await expect(responder.invoke(event)).rejects.toThrow(/tamper repair not confirmed/);
    const failure = expectWellFormedAlert(publishedInputs(aws)[0], {
      outcome: 'tamper-repair-failed',
      severity: 'critical',
    });
    expect(failure).toMatchObject({
      repairs: [{ status: 'failed', detail: expect.stringMatching(/AccessDenied/) }],
    });
    expect(metricPoints(aws)).toEqual(expect.arrayContaining([{ name: 'TamperRepairFailed', value: 1 }]));

    const rule = rules.get(RULE);
    if (rule) rule.state = 'DISABLED';
    events.on(EnableRuleCommand).callsFake(async () => {
      if (rule) rule.state = 'ENABLED';
      return {};
    });
    await expect(responder.invoke(event)).resolves.toMatchObject({ tamper: { outcome: 'tamper-repaired' } });
    expect(
      publishedInputs(aws)
        .map((input) => JSON.parse(input.Message ?? '{}').sqs)
        .map((sqs) => JSON.parse(sqs).outcome),
    ).toEqual(['tamper-repair-failed', 'tamper-repaired']);
  });

  it('the read-back still says DISABLED: not confirmed, paged as a failure, and a retry that fails the same stays quiet', async () => {
    const rule = rules.get(RULE);
    if (rule) rule.state = 'DISABLED';
    events.on(EnableRuleCommand).resolves({});
    const event = disableRule();

    await expect(responder.invoke(event)).rejects.toThrow(/DescribeRule reads DISABLED/);
    await expect(responder.invoke(event)).rejects.toThrow(/DescribeRule reads DISABLED/);

    expect(publishedInputs(aws)).toHaveLength(1);
    const alert = expectWellFormedAlert(publishedInputs(aws)[0], {
      outcome: 'tamper-repair-failed',
      severity: 'critical',
    });
    expect(alert).toMatchObject({ repairs: [{ status: 'unconfirmed' }] });
  });

  it('PutTargets answers a failed entry: reported as a failed repair', async () => {
    events.on(PutTargetsCommand).resolves({
      FailedEntryCount: 1,
      FailedEntries: [
        { TargetId: 'Target0', ErrorCode: 'ConcurrentModificationException', ErrorMessage: 'busy' },
      ],
    });

    await expect(
      responder.invoke(tamperEvent('aws.events', 'RemoveTargets', { rule: RULE, ids: ['Target0'] })),
    ).rejects.toThrow(/ConcurrentModificationException/);
  });

  it('Publish fails: the invocation fails, the retry publishes the kept alert once and repairs nothing again', async () => {
    const rule = rules.get(RULE);
    if (rule) rule.state = 'DISABLED';
    aws.sns
      .on(PublishCommand)
      .rejectsOnce(awsFault('sns', 'throttling'))
      .resolves({ MessageId: 'after-retry' });
    const event = disableRule();

    await expect(responder.invoke(event)).rejects.toThrow(/could not be published/);
    const retry = await responder.invoke(event);

    expect(retry).toMatchObject({ tamper: { outcome: 'tamper-repaired', messageId: 'after-retry' } });
    expect(events.commandCalls(EnableRuleCommand)).toHaveLength(1);
    const [first, second] = publishedInputs(aws);
    expect(publishedInputs(aws)).toHaveLength(2);
    expect(second).toEqual(first);
    expect(metricPoints(aws).filter((point) => point.name === 'TamperDetected')).toEqual([
      { name: 'TamperDetected', value: 1 },
    ]);
  });
});

describe('the state table deleted', () => {
  const tableGone = () =>
    aws.dynamoDb
      .on(UpdateItemCommand)
      .rejects(new TableNotFound({ message: 'Requested resource not found', $metadata: {} }));
  const deleteTable = (tableName: string) => tamperEvent('aws.dynamodb', 'DeleteTable', { tableName });

  it('pages critical without a claim when the claim fails because the table is gone (name or ARN)', async () => {
    tableGone();

    const byName = await responder.invoke(deleteTable(STATE_TABLE));
    const byArn = await responder.invoke(
      deleteTable(`arn:aws:dynamodb:${REGION}:123456789012:table/${STATE_TABLE}`),
    );

    for (const result of [byName, byArn]) {
      expect(result).toMatchObject({
        tamper: {
          outcome: 'tamper-reported',
          severity: 'critical',
          reason: expect.stringMatching(/paged without a claim: the state table is gone/),
        },
      });
    }
    const pages = publishedInputs(aws);
    expect(pages).toHaveLength(2);
    expect(
      expectWellFormedAlert(pages[0], { outcome: 'tamper-reported', severity: 'critical' }),
    ).toMatchObject({
      resource: { kind: 'table', name: STATE_TABLE, ours: true },
    });
  });

  it('still fails (and does not page unclaimed) for another claim fault, or for another call', async () => {
    aws.dynamoDb.on(UpdateItemCommand).rejects(awsFault('dynamodb', 'throttling'));
    await expect(responder.invoke(deleteTable(STATE_TABLE))).rejects.toThrow();
    tableGone();
    await expect(responder.invoke(disableRule())).rejects.toThrow(/Requested resource not found/);
    await expect(
      responder.invoke(
        tamperEvent(
          'aws.dynamodb',
          'DeleteTable',
          { tableName: STATE_TABLE },
          { record: { errorCode: 'AccessDenied' } },
        ),
      ),
    ).rejects.toThrow(/Requested resource not found/);
    expect(publishedInputs(aws)).toHaveLength(0);
  });
});

describe('trails', () => {
  it('restarts the responder’s own trail and confirms it with GetTrailStatus', async () => {
    trailLogging = false;
    const result = await responder.invoke(tamperEvent('aws.cloudtrail', 'StopLogging', { name: TRAIL_ARN }));

    expect(result).toMatchObject({ tamper: { outcome: 'tamper-repaired', severity: 'critical' } });
    expect(trails.commandCalls(StartLoggingCommand).map((call) => call.args[0].input)).toEqual([
      { Name: 'guardduty-drift-trail' },
    ]);
    expect(
      expectWellFormedAlert(publishedInputs(aws)[0], { outcome: 'tamper-repaired', severity: 'critical' }),
    ).toMatchObject({
      repairs: [{ status: 'confirmed', detail: 'GetTrailStatus reads IsLogging true' }],
    });
  });

  it('reports a trail it did not create, high, and leaves it alone', async () => {
    const result = await responder.invoke(
      tamperEvent('aws.cloudtrail', 'StopLogging', { name: 'org-trail' }),
    );

    expect(result).toMatchObject({ tamper: { outcome: 'tamper-reported', severity: 'high' } });
    expect(trails.calls()).toHaveLength(0);
    expect(
      expectWellFormedAlert(publishedInputs(aws)[0], { outcome: 'tamper-reported', severity: 'high' }),
    ).toMatchObject({
      resource: { kind: 'trail', name: 'org-trail', ours: false },
      nextStep: 'aws cloudtrail start-logging --name org-trail',
    });
  });
});

describe('hostile text', () => {
  it('no forged line reaches any protocol from the rule name, the principal, the user agent or the error', async () => {
    const name = `${forged('\n', RULE)}<!channel><https://evil.example|click>`;
    responder = await coldStart({
      OWN_RESOURCES: JSON.stringify({ ...OWN, rules: [...OWN.rules] }),
    });
    await responder.invoke(
      tamperEvent(
        'aws.cloudtrail',
        'StopLogging',
        { name },
        {
          record: {
            userAgent: forged('\u2028'),
            userIdentity: { type: 'IAMUser', arn: forged('\r\n', 'arn:aws:iam::123456789012:user/x') },
          },
        },
      ),
    );
    const [page] = publishedInputs(aws);
    const { chat } = expectNoForgery(page?.Message ?? '', 'tamper alert');
    expect(page?.Subject).not.toMatch(/[\r\n]/);
    expect(JSON.stringify(chat)).not.toMatch(/<!channel>|<https?:/);
  });
});

describe('a tamper call whose request could not be read', () => {
  // RemoveTargets with `ids` a string, not a list: CloudTrail's record in a shape the watch does not know.
  const unreadable = (region = REGION) =>
    tamperEvent('aws.events', 'RemoveTargets', { rule: RULE, ids: 'Target0' }, { region });

  it('pages high that it may be about the responder’s own, then checks the wiring at once and restores the gap', async () => {
    const rule = rules.get(RULE);
    if (rule) rule.targets = [];

    const result = await responder.invoke(unreadable());

    expect(result).toMatchObject({
      tamper: { outcome: 'tamper-reported', severity: 'high' },
      wiring: { outcome: 'wiring-gaps', gaps: [`rule#${RULE}: wiring-repaired`] },
    });
    expect(rules.get(RULE)?.targets).toEqual([{ Id: 'Target0', Arn: FUNCTION_ARN }]);
    // The page and the wiring check run side by side: found by what each says, not by their order.
    const pages = publishedInputs(aws);
    expect(pages).toHaveLength(2);
    const byOutcome = (outcome: string) =>
      pages.find((page) => page?.MessageAttributes?.outcome?.StringValue === outcome);
    const report = byOutcome('tamper-reported');
    const repair = byOutcome('wiring-repaired');
    expect(expectWellFormedAlert(report, { outcome: 'tamper-reported', severity: 'high' })).toMatchObject({
      eventName: 'RemoveTargets',
      resource: { kind: 'rule', ours: 'unknown' },
      repairs: [],
    });
    expect(report?.Message).toMatch(/requestParameters\.ids/);
    // The gap is the sweep's case, named after nobody: it may be older than the call.
    expect(expectWellFormedAlert(repair, { outcome: 'wiring-repaired', severity: 'critical' })).toMatchObject(
      {
        actor: 'scheduled sweep',
        repairs: [{ status: 'confirmed' }],
      },
    );
  });

  it('a gap it finds is the same case as the sweep’s: the next sweep does not page it again', async () => {
    const rule = rules.get(RULE);
    if (rule) rule.state = 'DISABLED';
    aws.sns.on(ListSubscriptionsByTopicCommand).resolves({
      Subscriptions: [{ SubscriptionArn: 'PendingConfirmation', Protocol: 'email', TopicArn: TOPIC_ARN }],
    });

    const first = await responder.invoke(unreadable());
    const sweep = await responder.invoke(sweepEvent('us-east-1', 'sweep-after-unreadable'));

    // The topic's standing gap (no confirmed subscription) pages once; the rule was repaired by the first check.
    expect(first).toMatchObject({ wiring: { outcome: 'wiring-gaps' } });
    expect(sweep).toMatchObject({ wiring: { outcome: 'wiring-gaps' } });
    const outcomes = publishedInputs(aws).map((page) => page?.MessageAttributes?.outcome?.StringValue);
    expect(outcomes.filter((outcome) => outcome === 'wiring-gap')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome === 'wiring-repaired')).toHaveLength(1);
  });

  it('a page that cannot be published does not hold up the wiring repair; the retry pages once', async () => {
    const rule = rules.get(RULE);
    if (rule) rule.state = 'DISABLED';
    aws.sns
      .on(PublishCommand)
      .rejectsOnce(awsFault('sns', 'throttling'))
      .callsFake(async () => ({ MessageId: `message-${++messages}` }));
    const event = unreadable();

    await expect(responder.invoke(event)).rejects.toThrow();
    expect(rules.get(RULE)?.state).toBe('ENABLED');
    const retry = await responder.invoke(event);

    expect(retry).toMatchObject({ tamper: { outcome: 'tamper-reported' } });
    expect(events.commandCalls(EnableRuleCommand)).toHaveLength(1);
    const outcomes = publishedInputs(aws).map((page) => page?.MessageAttributes?.outcome?.StringValue);
    // Every Publish sent: the tamper page refused, the repair's page delivered meanwhile, the retry's tamper page.
    expect(outcomes).toEqual(['tamper-reported', 'wiring-repaired', 'tamper-reported']);
  });

  it('a denied call changed nothing: reported one step lower, the wiring left to the sweep', async () => {
    const rule = rules.get(RULE);
    if (rule) rule.state = 'DISABLED';
    const denied = tamperEvent(
      'aws.events',
      'RemoveTargets',
      { rule: RULE, ids: 'Target0' },
      { record: { errorCode: 'AccessDenied', errorMessage: 'not authorized' } },
    );

    const result = await responder.invoke(denied);

    expect(result).toMatchObject({ tamper: { outcome: 'tamper-denied', severity: 'medium' } });
    expect(result).not.toHaveProperty('wiring');
    expect(events.commandCalls(DescribeRuleCommand)).toHaveLength(0);
    expect(events.commandCalls(EnableRuleCommand)).toHaveLength(0);
  });

  it('with the wiring intact pages once and writes nothing', async () => {
    const result = await responder.invoke(unreadable());

    expect(result).toMatchObject({
      tamper: { outcome: 'tamper-reported' },
      wiring: { outcome: 'compliant' },
    });
    expect(publishedInputs(aws)).toHaveLength(1);
    expect(events.commandCalls(PutTargetsCommand)).toHaveLength(0);
    expect(events.commandCalls(EnableRuleCommand)).toHaveLength(0);
  });

  it('for another Region is ignored and checks nothing', async () => {
    const result = await responder.invoke(unreadable('eu-west-1'));

    expect(result).toMatchObject({ tamper: { outcome: 'ignored' } });
    expect(result).not.toHaveProperty('wiring');
    expect(publishedInputs(aws)).toHaveLength(0);
    expect(events.commandCalls(DescribeRuleCommand)).toHaveLength(0);
  });
});

describe('the sweep’s wiring check', () => {
  it('finds a disabled rule, re-enables it and pages once; the next sweep finds nothing', async () => {
    const rule = rules.get(RULE);
    if (rule) rule.state = 'DISABLED';

    const first = await responder.invoke(sweepEvent('us-east-1', 'sweep-wiring-1'));
    const second = await responder.invoke(sweepEvent('us-east-1', 'sweep-wiring-2'));

    expect(first).toMatchObject({
      wiring: { outcome: 'wiring-gaps', gaps: [`rule#${RULE}: wiring-repaired`] },
    });
    expect(second).toMatchObject({ wiring: { outcome: 'compliant' } });
    const pages = publishedInputs(aws);
    expect(pages).toHaveLength(1);
    expect(
      expectWellFormedAlert(pages[0], { outcome: 'wiring-repaired', severity: 'critical' }),
    ).toMatchObject({
      trigger: 'sweep',
      actor: 'scheduled sweep',
      repairs: [{ status: 'confirmed' }],
    });
  });

  it('a topic with only a pending subscription pages once per case, not at every sweep', async () => {
    aws.sns.on(ListSubscriptionsByTopicCommand).resolves({
      Subscriptions: [{ SubscriptionArn: 'PendingConfirmation', Protocol: 'email', TopicArn: TOPIC_ARN }],
    });

    await responder.invoke(sweepEvent('us-east-1', 'sweep-topic-1'));
    const second = await responder.invoke(sweepEvent('us-east-1', 'sweep-topic-2'));

    expect(second).toMatchObject({ wiring: { gaps: ['topic: ignored'] } });
    const pages = publishedInputs(aws);
    expect(pages).toHaveLength(1);
    const alert = expectWellFormedAlert(pages[0], { outcome: 'wiring-gap', severity: 'critical' });
    expect(alert.consequence).toMatch(/1 subscription\(s\) still pending confirmation/);
  });

  it('a rule that cannot be read is reported (high) and does not fail the sweep', async () => {
    events.on(DescribeRuleCommand).rejects(awsFault('guardduty', 'access denied'));

    const result = await responder.invoke(sweepEvent('us-east-1', 'sweep-unreadable'));

    expect(result).toMatchObject({ wiring: { outcome: 'wiring-gaps' } });
    const pages = publishedInputs(aws);
    expect(pages).toHaveLength(2);
    expect(expectWellFormedAlert(pages[0], { outcome: 'wiring-gap', severity: 'high' }).headline).toMatch(
      /could not check/,
    );
  });

  it('a sweep whose detector part and wiring part both fail logs each failure, then fails with the first', async () => {
    // Prepare: the detector drifted and a rule is disabled; both are restored, and every Publish fails.
    aws.guardDuty.on(GetDetectorCommand).resolvesOnce(DRIFTED).resolves(PROTECTED);
    aws.guardDuty.on(UpdateDetectorCommand).resolves({});
    aws.sns.on(PublishCommand).rejects(awsFault('sns', 'throttling'));
    const rule = rules.get(RULE);
    if (rule) rule.state = 'DISABLED';
    const lines: Record<string, unknown>[] = [];
    const handler = createResponder({
      env: responderEnv({ OWN_RESOURCES: JSON.stringify(OWN) }),
      logger: new JsonLogger('test', 'INFO', (line) =>
        lines.push(JSON.parse(line) as Record<string, unknown>),
      ),
    });

    // Act
    const failed = handler.handle(sweepEvent('us-east-1', 'sweep-two-parts'), lambdaContext('us-east-1'));

    // Assess: the first part's error is thrown, and neither is lost from the log.
    await expect(failed).rejects.toThrow(/sweep failed for 1 of 1 detector/);
    const parts = lines.filter((line) => line.message === 'part-failed');
    expect(parts.map((line) => line.part)).toEqual(['detectors', 'wiring']);
    expect(parts[1]).toMatchObject({
      eventId: 'sweep-two-parts',
      failedParts: 2,
      error: expect.arrayContaining([expect.stringMatching(/wiring check: 1 gap\(s\) not handled/)]),
    });
  });

  it('without OWN_RESOURCES checks only the topic, and says so', async () => {
    responder = await coldStart({ OWN_RESOURCES: undefined });

    const result = await responder.invoke(sweepEvent('us-east-1', 'sweep-bare'));

    expect(result).toMatchObject({
      wiring: { outcome: 'compliant', reason: 'OWN_RESOURCES is not set: only the topic was checked' },
    });
    expect(events.calls()).toHaveLength(0);
    expect(trails.calls()).toHaveLength(0);
    expect(aws.sns.commandCalls(ListSubscriptionsByTopicCommand)).toHaveLength(1);
  });
});
