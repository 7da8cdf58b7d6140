/*
 * What on-call and auditors see, through the composition root with the mocked SDK: every decision line carries the
 * audit fields (who, account, Region, detector, change, outcome, mode, time-to-restore), a confirmed restore sends
 * the TimeToRestore metric of its Region, and its alert says how long protection was off and what to do next.
 */

import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetDetectorCommand, ListDetectorsCommand, UpdateDetectorCommand } from '@aws-sdk/client-guardduty';
import { PublishCommand } from '@aws-sdk/client-sns';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createResponder } from '../../handlers/composition.js';
import { JsonLogger } from '../../handlers/logger.js';
import {
  DRIFTED,
  FakeStateTable,
  mockAws,
  PROTECTED,
  protocolMessages,
  publishedInputs,
  resetAws,
  structuredAlertOf,
} from '../support/aws-mocks.js';
import { lambdaContext, sweepEvent, syntheticFixture } from '../support/fixtures.js';
import { REGION, responderEnv } from '../support/mocked-responder.js';

const DETECTOR = '0ab12cd34ef56ab78cd90ef12ab34cd5';
const ALICE = 'arn:aws:sts::123456789012:assumed-role/PlatformAdmin/alice@example.com';
const DISABLE = 'UpdateDetector.disable-runtime-monitoring.synthetic.json';
const DISABLED_AT = Date.parse('2026-11-20T09:14:03Z');
const EVENT_ID = '7d3f9a42-1b6c-4e0d-9a51-2f8e6c4b1a01';

const aws = mockAws();
let lines: Record<string, unknown>[];

beforeEach(() => {
  resetAws(aws);
  new FakeStateTable(aws);
  aws.guardDuty.on(UpdateDetectorCommand).resolves({});
  aws.guardDuty.on(ListDetectorsCommand).resolves({ DetectorIds: [DETECTOR] });
  aws.sns.on(PublishCommand).resolves({ MessageId: 'message-1' });
  aws.cloudWatch.on(PutMetricDataCommand).resolves({});
  lines = [];
});
afterAll(() => resetAws(aws));

/** A responder whose clock stands `offsetSeconds` after the disabling call, logging into `lines`. */
function responder(overrides: Record<string, string | undefined> = {}, offsetSeconds = 125) {
  const logger = new JsonLogger('test', 'INFO', (line) =>
    lines.push(JSON.parse(line) as Record<string, unknown>),
  );
  return createResponder({
    env: responderEnv({ ACCOUNT_NAME: 'prod-payments', ...overrides }),
    logger,
    now: () => new Date(DISABLED_AT + offsetSeconds * 1000),
  });
}

const AUDIT_FIELDS = [
  'actor',
  'accountId',
  'region',
  'detectorId',
  'change',
  'outcome',
  'mode',
  'timeToRestoreSeconds',
  'timeToRestoreFrom',
];
/** The decision lines about the detector; every decision line (the sweep's coverage one too) has every audit field. */
function decisions() {
  const all = lines.filter((line) => line.message === 'decision');
  for (const line of all) expect(Object.keys(line)).toEqual(expect.arrayContaining(AUDIT_FIELDS));
  return all.filter((line) => line.detectorId === DETECTOR);
}

function timeToRestorePoints() {
  return aws.cloudWatch
    .commandCalls(PutMetricDataCommand)
    .flatMap((call) => call.args[0].input.MetricData ?? [])
    .filter((datum) => datum.MetricName === 'TimeToRestore');
}

describe('Decision lines: the audit trail', () => {
  it('a restore logs who, where, what, the outcome, the mode and the seconds from the disabling call to the read-back', async () => {
    aws.guardDuty.on(GetDetectorCommand).resolvesOnce(DRIFTED).resolves(PROTECTED);

    await responder().handle(syntheticFixture(DISABLE), lambdaContext(REGION));

    const [decision, ...more] = decisions();
    expect(more).toEqual([]);
    expect(decision).toMatchObject({
      level: 'WARN',
      eventId: EVENT_ID,
      trigger: 'api-call',
      eventName: 'UpdateDetector',
      eventTime: '2026-11-20T09:14:03Z',
      actor: ALICE,
      actorType: 'AssumedRole',
      sourceIp: '203.0.113.24',
      accountId: '123456789012',
      accountName: 'prod-payments',
      region: REGION,
      detectorId: DETECTOR,
      outcome: 'remediate',
      remediation: 'succeeded',
      mode: 'remediate',
      timeToRestoreSeconds: 125,
      timeToRestoreFrom: 'disabling-call',
      timeOffSince: '2026-11-20T09:14:03.000Z',
      timeOffUntil: '2026-11-20T09:16:08.000Z',
    });
    expect(decision?.change).toEqual(expect.stringContaining('RUNTIME_MONITORING'));
    // The metric: the same seconds, in seconds, per Region.
    expect(timeToRestorePoints()).toEqual([
      expect.objectContaining({
        Value: 125,
        Unit: 'Seconds',
        Dimensions: [{ Name: 'Region', Value: REGION }],
      }),
    ]);
  });

  it('the restore alert says how long protection was off, names the account and gives the next step and links', async () => {
    aws.guardDuty.on(GetDetectorCommand).resolvesOnce(DRIFTED).resolves(PROTECTED);

    await responder().handle(syntheticFixture(DISABLE), lambdaContext(REGION));

    const [input] = publishedInputs(aws);
    const messages = protocolMessages(input ?? {});
    expect(input?.Subject?.startsWith('[HIGH] ')).toBe(true);
    expect(messages.email).toContain('Account:   123456789012 (prod-payments)');
    expect(messages.email).toContain(
      'Time off:  protection was off for 2m 05s (from the disabling call at 2026-11-20T09:14:03.000Z to the read-back at 2026-11-20T09:16:08.000Z)',
    );
    expect(messages.email).toContain(`Next step: guardduty-drift check --region ${REGION}`);
    expect(messages.email).toContain(
      `CloudTrail: https://${REGION}.console.aws.amazon.com/cloudtrailv2/home?region=${REGION}#/events/${EVENT_ID}`,
    );
    const structured = structuredAlertOf(input ?? {});
    expect(structured.timeOff).toEqual({
      since: '2026-11-20T09:14:03.000Z',
      until: '2026-11-20T09:16:08.000Z',
      seconds: 125,
      from: 'disabling-call',
    });
    expect(structured.accountName).toBe('prod-payments');
  });

  it('a restore the sweep found counts from the sweep, and says so in the line, the metric and the alert', async () => {
    aws.guardDuty.on(GetDetectorCommand).resolvesOnce(DRIFTED).resolves(PROTECTED);
    let tick = 0;
    const logger = new JsonLogger('test', 'INFO', (line) =>
      lines.push(JSON.parse(line) as Record<string, unknown>),
    );
    // Each reading of the clock is 10 s after the previous one: the read-back comes after the sweep's read.
    const sweeping = createResponder({
      env: responderEnv(),
      logger,
      now: () => new Date(DISABLED_AT + 10_000 * tick++),
    });

    await sweeping.handle(sweepEvent(REGION), lambdaContext(REGION));

    const [decision] = decisions();
    expect(decision).toMatchObject({
      trigger: 'sweep',
      actor: 'scheduled sweep',
      outcome: 'remediate',
      timeToRestoreFrom: 'sweep-detection',
      accountName: null,
      change: null,
    });
    const seconds = decision?.timeToRestoreSeconds;
    expect(typeof seconds === 'number' && seconds > 0).toBe(true);
    expect(timeToRestorePoints().map((point) => point.Value)).toEqual([seconds]);
    const email = protocolMessages(publishedInputs(aws)[0] ?? {}).email;
    expect(email).toContain('protection was off for at least');
    expect(email).toContain('measured from the sweep');
    expect(email).toContain('CloudTrail: no event: the scheduled sweep found it');
  });

  it('a compliant read logs the same fields, with no time-to-restore, and sends no TimeToRestore', async () => {
    aws.guardDuty.on(GetDetectorCommand).resolves(PROTECTED);

    await responder().handle(sweepEvent(REGION), lambdaContext(REGION));

    expect(decisions()).toEqual([
      expect.objectContaining({
        level: 'INFO',
        outcome: 'compliant',
        accountId: '123456789012',
        region: REGION,
        detectorId: DETECTOR,
        mode: 'remediate',
        actor: 'scheduled sweep',
        timeToRestoreSeconds: null,
        timeToRestoreFrom: null,
      }),
    ]);
    expect(timeToRestorePoints()).toEqual([]);
  });

  it('a denied attempt logs who tried, and its alert checks rather than fixes', async () => {
    aws.guardDuty.on(GetDetectorCommand).resolves(PROTECTED);

    await responder().handle(
      syntheticFixture('UpdateDetector.denied-disable.synthetic.json'),
      lambdaContext(REGION),
    );

    const [decision] = decisions();
    expect(decision).toMatchObject({
      outcome: 'disable-denied',
      timeToRestoreSeconds: null,
      mode: 'remediate',
    });
    expect(typeof decision?.actor).toBe('string');
    expect(decision?.actor).not.toBe('unknown');
    const email = protocolMessages(publishedInputs(aws)[0] ?? {}).email;
    expect(email).toContain(`Next step: guardduty-drift check --region ${REGION}`);
    expect(email).toContain('docs/runbook.md#1-test-plan-is-eks-runtime-monitoring-on (1. Test plan)');
  });
});
