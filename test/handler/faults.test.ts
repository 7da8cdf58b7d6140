/*
 * Fault matrix of the drift responder, remediate mode: a drift event for a detector whose RUNTIME_MONITORING was
 * switched off. Each AWS call fails in turn with each of five faults, named as each service names them: throttling
 * (ThrottlingException / ThrottledException / Throttling), server error 500 (InternalServerErrorException /
 * InternalErrorException / InternalServiceFault / InternalServerError), access denied (AccessDeniedException /
 * AuthorizationErrorException / AccessDenied), connection reset (ECONNRESET) and timeout (TimeoutError). The SDK
 * retries throttling, 500 and network errors itself (standard mode, 3 attempts); aws-sdk-client-mock bypasses that
 * middleware, so a row shows what happens once the SDK has given up. The responder treats all five alike, so each
 * row holds for all five (5 test cases per row).
 *
 * | Failing call | Invocation | UpdateDetector | Alert (SNS Publish) | Claim left in the state table | Metrics |
 * |---|---|---|---|---|---|
 * | GetDetector (read the state) | rejects with the SDK error → Lambda retries, then DLQ | none | none | none | none |
 * | DynamoDB Query (circuit-breaker count) | rejects with the SDK error | none | none | none | none |
 * | DynamoDB UpdateItem (claim) | rejects with the SDK error | none | none | none | none |
 * | UpdateDetector | rejects (ResponderError, cause = the error) | 1, failed | 1 critical "re-enabling FAILED" | RETRYABLE + failureAlerted | DriftDetected, RemediationFailed, compliant 0 |
 * | GetDetector (read-back) | rejects (ResponderError) | 1 | 1 critical "re-enabling FAILED" | RETRYABLE + failureAlerted, history written | DriftDetected, RemediationFailed, compliant 0 |
 * | SNS Publish | rejects (ResponderError) | 1 | attempted, failed | RETRYABLE + pendingNotification (the rendered alert), history written | DriftDetected, RemediationSucceeded, compliant 1 |
 * | CloudWatch PutMetricData | resolves (remediate, succeeded) | 1 | 1 high | COMPLETED, history written | attempted; failure only logged |
 * | DynamoDB BatchWriteItem (settle) | resolves (remediate, succeeded); failure only logged | 1 | 1 high | IN_PROGRESS until its lease ends; history lost | DriftDetected, RemediationSucceeded, compliant 1 |
 * | DynamoDB Query (owed-alert lookup; detector already compliant) | rejects with the SDK error | none | none | none | compliant 1 |
 *
 * Retries (separate tests below): after a failed Publish the retry publishes the kept alert unchanged and does not
 * call UpdateDetector again (event and sweep); after a failed remediation the retries do not page again
 * (failureAlerted) until one succeeds, which sends the success alert; if the failure alert itself could not be
 * published, the retry pages. A retried alert counts its drift (DriftDetected / DisableDenied) once.
 */
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { PutItemCommand, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { GetDetectorCommand, ListDetectorsCommand, UpdateDetectorCommand } from '@aws-sdk/client-guardduty';
import { PublishCommand } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectWellFormedAlert } from '../support/alert-assertions.js';
import {
  awsFault,
  DRIFTED,
  FAULT_KINDS,
  FakeStateTable,
  type FaultKind,
  metricPoints,
  mockAws,
  PROTECTED,
  publishedInputs,
  resetAws,
  structuredAlertOf,
} from '../support/aws-mocks.js';
import { sweepEvent, syntheticFixture } from '../support/fixtures.js';
import { ACCOUNT, coldStart, type MockedResponder, REGION } from '../support/mocked-responder.js';

const DETECTOR = '0ab12cd34ef56ab78cd90ef12ab34cd5';
const DETECTOR_KEY = `detector#${ACCOUNT}#${REGION}#${DETECTOR}`;
const EVENT_ID = '7d3f9a42-1b6c-4e0d-9a51-2f8e6c4b1a01';
const _EVENT_ID = '7d3f9a42-1b6c-4e0d-9a51-2f8e6c4b1a01';
// One drift of one detector is one case, whichever trigger sees it first: its claim is per detector.
const CLAIM_KEY = `case#${ACCOUNT}#${REGION}#${DETECTOR}`;
const DISABLE_RUNTIME = 'UpdateDetector.disable-runtime-monitoring.synthetic.json';

const aws = mockAws();
let table: FakeStateTable;

beforeEach(() => {
  resetAws(aws);
  table = new FakeStateTable(aws);
  aws.guardDuty.on(UpdateDetectorCommand).resolves({});
  aws.sns.on(PublishCommand).resolves({ MessageId: 'message-1' });
  aws.cloudWatch.on(PutMetricDataCommand).resolves({});
});

afterAll(() => {
  aws.guardDuty.restore();
  aws.sns.restore();
  aws.cloudWatch.restore();
  aws.dynamoDb.restore();
});

type Failing =
  | 'GetDetector'
  | 'DynamoDB Query (count)'
  | 'DynamoDB UpdateItem (claim)'
  | 'UpdateDetector'
  | 'GetDetector (read-back)'
  | 'SNS Publish'
  | 'CloudWatch PutMetricData'
  | 'DynamoDB BatchWriteItem (settle)';

/** Makes exactly one of the calls fail with `error`; the others keep their happy answers from beforeEach. */
function inject(call: Failing, kind: FaultKind): Error {
  const service = call.startsWith('DynamoDB')
    ? 'dynamodb'
    : call.startsWith('SNS')
      ? 'sns'
      : call.startsWith('CloudWatch')
        ? 'cloudwatch'
        : 'guardduty';
  const error = awsFault(service, kind);
  // The happy path: the drifted detector, then (read-back) the re-enabled one.
  if (call !== 'GetDetector' && call !== 'GetDetector (read-back)') {
    aws.guardDuty.on(GetDetectorCommand).resolvesOnce(DRIFTED).resolves(PROTECTED);
  }
  switch (call) {
    case 'GetDetector':
      aws.guardDuty.on(GetDetectorCommand).rejects(error);
      break;
    case 'GetDetector (read-back)':
      aws.guardDuty.on(GetDetectorCommand).resolvesOnce(DRIFTED).rejects(error);
      break;
    case 'UpdateDetector':
      aws.guardDuty.on(UpdateDetectorCommand).rejects(error);
      break;
    case 'SNS Publish':
      aws.sns.on(PublishCommand).rejects(error);
      break;
    case 'CloudWatch PutMetricData':
      aws.cloudWatch.on(PutMetricDataCommand).rejects(error);
      break;
    case 'DynamoDB Query (count)':
      table.faults.query = error;
      break;
    case 'DynamoDB UpdateItem (claim)':
      table.faults.claim = error;
      break;
    case 'DynamoDB BatchWriteItem (settle)':
      table.faults.settle = error;
      break;
  }
  return error;
}

interface Expected {
  /** `sdk-error`: the SDK error itself propagates; `responder-error`: a ResponderError whose cause is it. */
  readonly invocation: 'sdk-error' | 'responder-error' | 'resolves';
  readonly updateDetector: number;
  readonly published: 'none' | 'critical failure alert' | 'high success alert' | 'attempted, failed';
  readonly claim:
    | 'none'
    | 'RETRYABLE failureAlerted'
    | 'RETRYABLE pendingNotification'
    | 'COMPLETED'
    | 'IN_PROGRESS';
  readonly history: boolean;
  readonly metrics: readonly string[];
}

const EXPECTED: Record<Failing, Expected> = {
  GetDetector: {
    invocation: 'sdk-error',
    updateDetector: 0,
    published: 'none',
    claim: 'none',
    history: false,
    metrics: [],
  },
  'DynamoDB Query (count)': {
    invocation: 'sdk-error',
    updateDetector: 0,
    published: 'none',
    claim: 'none',
    history: false,
    metrics: [],
  },
  'DynamoDB UpdateItem (claim)': {
    invocation: 'sdk-error',
    updateDetector: 0,
    published: 'none',
    claim: 'none',
    history: false,
    metrics: [],
  },
  UpdateDetector: {
    invocation: 'responder-error',
    updateDetector: 1,
    published: 'critical failure alert',
    claim: 'RETRYABLE failureAlerted',
    history: false,
    metrics: ['DriftDetected=1', 'RemediationFailed=1', 'EksRuntimeMonitoringCompliant=0'],
  },
  'GetDetector (read-back)': {
    invocation: 'responder-error',
    updateDetector: 1,
    published: 'critical failure alert',
    claim: 'RETRYABLE failureAlerted',
    history: true,
    metrics: ['DriftDetected=1', 'RemediationFailed=1', 'EksRuntimeMonitoringCompliant=0'],
  },
  'SNS Publish': {
    invocation: 'responder-error',
    updateDetector: 1,
    published: 'attempted, failed',
    claim: 'RETRYABLE pendingNotification',
    history: true,
    metrics: ['DriftDetected=1', 'RemediationSucceeded=1', 'EksRuntimeMonitoringCompliant=1'],
  },
  'CloudWatch PutMetricData': {
    invocation: 'resolves',
    updateDetector: 1,
    published: 'high success alert',
    claim: 'COMPLETED',
    history: true,
    metrics: ['DriftDetected=1', 'RemediationSucceeded=1', 'EksRuntimeMonitoringCompliant=1'],
  },
  'DynamoDB BatchWriteItem (settle)': {
    invocation: 'resolves',
    updateDetector: 1,
    published: 'high success alert',
    claim: 'IN_PROGRESS',
    history: false,
    // The restore was confirmed and its decision line written: its time-to-restore counts, whatever the settle did.
    metrics: [
      'DriftDetected=1',
      'RemediationSucceeded=1',
      'EksRuntimeMonitoringCompliant=1',
      'TimeToRestore',
    ],
  },
};

const ROWS = (Object.keys(EXPECTED) as Failing[]).flatMap((call) =>
  FAULT_KINDS.map((kind) => ({ call, kind, expected: EXPECTED[call] })),
);

function claimState(): Expected['claim'] {
  const claim = table.claimOf(CLAIM_KEY);
  const status = claim?.status?.S;
  if (status === undefined) return 'none';
  if (status === 'RETRYABLE' && claim?.pendingNotification?.S) return 'RETRYABLE pendingNotification';
  if (status === 'RETRYABLE' && claim?.failureAlerted?.BOOL) return 'RETRYABLE failureAlerted';
  return status as Expected['claim'];
}

function metricsSent(): string[] {
  // Seconds since the fixture's eventTime depend on the clock: only whether the point was sent is compared.
  return metricPoints(aws).map((point) =>
    point.name === 'TimeToRestore' ? point.name : `${point.name}=${point.value}`,
  );
}

describe('Function: handler, fault matrix', () => {
  let responder: MockedResponder;
  beforeAll(async () => {
    responder = await coldStart({ RESPONDER_MODE: 'remediate' });
  });

  it.each(ROWS)(
    '$call × $kind → $expected.invocation, alert: $expected.published, claim: $expected.claim',
    async ({ call, kind, expected }) => {
      // Prepare
      const fault = inject(call, kind);

      // Act
      const outcome = responder.invoke(syntheticFixture(DISABLE_RUNTIME));

      // Assess
      switch (expected.invocation) {
        case 'sdk-error':
          await expect(outcome).rejects.toBe(fault);
          break;
        case 'responder-error':
          await expect(outcome).rejects.toMatchObject({ name: 'ResponderError' });
          await outcome.catch((error: unknown) => {
            const cause = error instanceof Error ? error.cause : undefined;
            // A read-back that fails leaves the remediation unconfirmed; a failed Publish is the cause itself.
            expect(cause).toBe(fault);
          });
          break;
        case 'resolves':
          await expect(outcome).resolves.toMatchObject({
            reports: [{ outcome: 'remediate', remediation: 'succeeded', messageId: 'message-1' }],
          });
          break;
      }
      expect(aws.guardDuty.commandCalls(UpdateDetectorCommand)).toHaveLength(expected.updateDetector);

      const published = publishedInputs(aws);
      switch (expected.published) {
        case 'none':
          expect(published).toEqual([]);
          break;
        case 'attempted, failed':
          expect(published).toHaveLength(1);
          break;
        case 'critical failure alert': {
          expect(published).toHaveLength(1);
          const alert = expectWellFormedAlert(published[0], { outcome: 'remediate', severity: 'critical' });
          expect(alert.remediation).toBe('failed');
          break;
        }
        case 'high success alert': {
          expect(published).toHaveLength(1);
          const alert = expectWellFormedAlert(published[0], { outcome: 'remediate', severity: 'high' });
          expect(alert.remediation).toBe('succeeded');
          break;
        }
      }

      expect(claimState()).toBe(expected.claim);
      const history = [...table.items.values()].filter((item) => item.pk?.S === DETECTOR_KEY);
      expect(history).toHaveLength(expected.history ? 1 : 0);
      if (call === 'CloudWatch PutMetricData') {
        expect(aws.cloudWatch.commandCalls(PutMetricDataCommand)).toHaveLength(1);
      } else {
        expect(metricsSent().sort()).toEqual([...expected.metrics].sort());
      }
    },
  );

  it.each(FAULT_KINDS)(
    'a compliant detector whose owed-alert lookup fails (%s) rejects so the retry can look again',
    async (kind) => {
      // Prepare
      aws.guardDuty.on(GetDetectorCommand).resolves(PROTECTED);
      const fault = awsFault('dynamodb', kind);
      table.faults.query = fault;

      // Act
      const outcome = responder.invoke(syntheticFixture(DISABLE_RUNTIME));

      // Assess
      await expect(outcome).rejects.toBe(fault);
      expect(aws.guardDuty.commandCalls(UpdateDetectorCommand)).toHaveLength(0);
      expect(publishedInputs(aws)).toEqual([]);
      expect(metricsSent()).toEqual(['EksRuntimeMonitoringCompliant=1']);
    },
  );

  it.each(FAULT_KINDS)(
    'a metrics failure (%s) on a compliant detector never fails the invocation',
    async (kind) => {
      // Prepare
      aws.guardDuty.on(GetDetectorCommand).resolves(PROTECTED);
      aws.cloudWatch.on(PutMetricDataCommand).rejects(awsFault('cloudwatch', kind));

      // Act
      const result = await responder.invoke(syntheticFixture(DISABLE_RUNTIME));

      // Assess
      expect(result).toMatchObject({ reports: [{ outcome: 'compliant' }] });
    },
  );
});

describe('Function: handler, retries after a failure', () => {
  let responder: MockedResponder;
  beforeAll(async () => {
    responder = await coldStart({ RESPONDER_MODE: 'remediate' });
  });

  it('publishes the kept alert on the retry after a failed Publish, without calling UpdateDetector again', async () => {
    // Prepare
    aws.guardDuty.on(GetDetectorCommand).resolvesOnce(DRIFTED).resolves(PROTECTED);
    aws.sns
      .on(PublishCommand)
      .rejectsOnce(awsFault('sns', 'throttling'))
      .resolves({ MessageId: 'message-2' });
    const event = syntheticFixture(DISABLE_RUNTIME);
    await expect(responder.invoke(event)).rejects.toMatchObject({ name: 'ResponderError' });
    const failedPublish = publishedInputs(aws)[0];
    const kept = table.claimOf(CLAIM_KEY)?.pendingNotification?.S;

    // Act
    const retry = await responder.invoke(event);

    // Assess
    expect(kept).toBeDefined();
    expect(JSON.parse(kept ?? '{}')).toEqual({
      subject: failedPublish?.Subject,
      message: failedPublish?.Message,
      attributes: {
        severity: 'high',
        outcome: 'remediate',
        accountId: ACCOUNT,
        region: REGION,
      },
    });
    expect(retry).toMatchObject({
      reports: [
        {
          outcome: 'remediate',
          messageId: 'message-2',
          reason: 'delivered the alert a previous attempt could not publish',
        },
      ],
    });
    const published = publishedInputs(aws);
    expect(published).toHaveLength(2);
    expect(published[1]).toEqual(failedPublish);
    expect(structuredAlertOf(published[1] ?? {})).toMatchObject({ remediation: 'succeeded' });
    expect(aws.guardDuty.commandCalls(UpdateDetectorCommand)).toHaveLength(1);
    expect(table.claimOf(CLAIM_KEY)?.status?.S).toBe('COMPLETED');
  });

  it('publishes the kept alert when the scheduled sweep that remediated is retried', async () => {
    // Prepare
    aws.guardDuty.on(ListDetectorsCommand).resolves({ DetectorIds: [DETECTOR] });
    aws.guardDuty.on(GetDetectorCommand).resolvesOnce(DRIFTED).resolves(PROTECTED);
    aws.sns.on(PublishCommand).rejectsOnce(awsFault('sns', 'timeout')).resolves({ MessageId: 'message-2' });
    const sweep = sweepEvent(REGION, 'sweep-retried');
    await expect(responder.invoke(sweep)).rejects.toMatchObject({ name: 'ResponderError' });

    // Act
    const retry = await responder.invoke(sweep);

    // Assess
    expect(retry).toMatchObject({
      trigger: 'sweep',
      reports: [{ outcome: 'remediate', detectorId: DETECTOR, messageId: 'message-2' }],
    });
    const published = publishedInputs(aws);
    expect(published).toHaveLength(2);
    expect(published[1]).toEqual(published[0]);
    expect(structuredAlertOf(published[1] ?? {})).toMatchObject({ actor: 'scheduled sweep' });
    expect(aws.guardDuty.commandCalls(UpdateDetectorCommand)).toHaveLength(1);
  });

  it('pages once about a failed remediation: the retry that fails again stays quiet, the one that succeeds says so', async () => {
    // Prepare
    // Three invocations read the drifted detector; only the third one's read-back finds it re-enabled.
    aws.guardDuty
      .on(GetDetectorCommand)
      .resolvesOnce(DRIFTED)
      .resolvesOnce(DRIFTED)
      .resolvesOnce(DRIFTED)
      .resolves(PROTECTED);
    aws.guardDuty
      .on(UpdateDetectorCommand)
      .rejectsOnce(awsFault('guardduty', 'server error (500)'))
      .rejectsOnce(awsFault('guardduty', 'server error (500)'))
      .resolves({});
    const event = syntheticFixture(DISABLE_RUNTIME);

    // Act
    const first = responder.invoke(event);
    await expect(first).rejects.toMatchObject({ name: 'ResponderError' });
    const second = responder.invoke(event);
    await expect(second).rejects.toMatchObject({ name: 'ResponderError' });
    const afterTwoFailures = publishedInputs(aws).length;
    const third = await responder.invoke(event);

    // Assess
    expect(afterTwoFailures).toBe(1);
    expect(third).toMatchObject({ reports: [{ outcome: 'remediate', remediation: 'succeeded' }] });
    const published = publishedInputs(aws);
    expect(published).toHaveLength(2);
    expect(published.map((input) => input.MessageAttributes?.severity?.StringValue)).toEqual([
      'critical',
      'high',
    ]);
    expect(aws.guardDuty.commandCalls(UpdateDetectorCommand)).toHaveLength(3);
  });

  it('pages on the retry when neither the remediation nor its failure alert went through', async () => {
    // Prepare
    aws.guardDuty.on(GetDetectorCommand).resolves(DRIFTED);
    aws.guardDuty.on(UpdateDetectorCommand).rejects(awsFault('guardduty', 'access denied'));
    aws.sns.on(PublishCommand).rejectsOnce(awsFault('sns', 'timeout')).resolves({ MessageId: 'message-2' });
    const event = syntheticFixture(DISABLE_RUNTIME);
    await expect(responder.invoke(event)).rejects.toMatchObject({ name: 'ResponderError' });

    // Act
    const retry = responder.invoke(event);

    // Assess
    await expect(retry).rejects.toMatchObject({ name: 'ResponderError' });
    const published = publishedInputs(aws);
    expect(published).toHaveLength(2);
    expectWellFormedAlert(published[1], { outcome: 'remediate', severity: 'critical' });
    expect(table.claimOf(CLAIM_KEY)?.failureAlerted?.BOOL).toBe(true);
  });

  it('says protection is back when the retry finds compliant a detector whose re-enable could not be confirmed', async () => {
    // Prepare: UpdateDetector goes through, the read-back and the failure alert both fail.
    aws.guardDuty
      .on(GetDetectorCommand)
      .resolvesOnce(DRIFTED)
      .rejectsOnce(awsFault('guardduty', 'throttling'))
      .resolves(PROTECTED);
    aws.sns
      .on(PublishCommand)
      .rejectsOnce(awsFault('sns', 'server error (500)'))
      .resolves({ MessageId: 'message-2' });
    const event = syntheticFixture(DISABLE_RUNTIME);
    await expect(responder.invoke(event)).rejects.toMatchObject({ name: 'ResponderError' });

    // Act
    const retry = await responder.invoke(event);

    // Assess: one alert reaches on-call, and it says the detector is protected again.
    expect(retry).toMatchObject({ reports: [{ outcome: 'remediate', remediation: 'succeeded' }] });
    const published = publishedInputs(aws);
    expect(published).toHaveLength(2);
    expectWellFormedAlert(published[1], { outcome: 'remediate', severity: 'high' });
    expect(structuredAlertOf(published[1] ?? {})).toMatchObject({
      remediation: 'succeeded',
      after: { compliant: true },
    });
    expect(aws.guardDuty.commandCalls(UpdateDetectorCommand)).toHaveLength(1);
    expect(table.claimOf(CLAIM_KEY)?.status?.S).toBe('COMPLETED');
  });

  it('follows a paged failure with the news when a later retry finds the detector protected', async () => {
    // Prepare: the first attempt fails and pages; someone (or GuardDuty, late) restores protection before the retry.
    aws.guardDuty.on(GetDetectorCommand).resolvesOnce(DRIFTED).resolves(PROTECTED);
    aws.guardDuty.on(UpdateDetectorCommand).rejects(awsFault('guardduty', 'access denied'));
    const event = syntheticFixture(DISABLE_RUNTIME);
    await expect(responder.invoke(event)).rejects.toMatchObject({ name: 'ResponderError' });

    // Act
    await responder.invoke(event);
    await responder.invoke(event);

    // Assess: the failure page, then one "protection is back", and no third message for a further redelivery.
    expect(publishedInputs(aws).map((input) => input.MessageAttributes?.severity?.StringValue)).toEqual([
      'critical',
      'high',
    ]);
  });

  it('counts a drift once when its alert needed a retry', async () => {
    // Prepare
    const notify = await coldStart({ RESPONDER_MODE: 'notify' });
    aws.guardDuty.on(GetDetectorCommand).resolves(DRIFTED);
    aws.sns
      .on(PublishCommand)
      .rejectsOnce(awsFault('sns', 'connection reset'))
      .resolves({ MessageId: 'message-2' });
    const event = syntheticFixture(DISABLE_RUNTIME);
    await expect(notify.invoke(event)).rejects.toMatchObject({ name: 'ResponderError' });

    // Act
    const retry = await notify.invoke(event);

    // Assess
    expect(retry).toMatchObject({ reports: [{ outcome: 'would-remediate', messageId: 'message-2' }] });
    const published = publishedInputs(aws);
    expect(published[1]).toEqual(published[0]);
    expect(metricsSent().filter((point) => point.startsWith('DriftDetected'))).toEqual(['DriftDetected=1']);
  });

  it('publishes a kept disable-denied alert on the retry and counts the denied attempt once', async () => {
    // Prepare
    aws.sns
      .on(PublishCommand)
      .rejectsOnce(awsFault('sns', 'server error (500)'))
      .resolves({ MessageId: 'message-2' });
    const event = syntheticFixture('UpdateDetector.denied-disable.synthetic.json');
    await expect(responder.invoke(event)).rejects.toMatchObject({ name: 'ResponderError' });

    // Act
    const retry = await responder.invoke(event);

    // Assess
    expect(retry).toMatchObject({ reports: [{ outcome: 'disable-denied', messageId: 'message-2' }] });
    const published = publishedInputs(aws);
    expect(published).toHaveLength(2);
    expect(published[1]).toEqual(published[0]);
    expect(aws.guardDuty.calls()).toHaveLength(0);
    expect(metricsSent().filter((point) => point.startsWith('DisableDenied'))).toEqual(['DisableDenied=1']);
  });
});

describe('Function: handler, a failing Publish in the other outcomes', () => {
  let responder: MockedResponder;
  beforeAll(async () => {
    responder = await coldStart({ RESPONDER_MODE: 'notify' });
  });

  it.each(FAULT_KINDS)(
    'rejects a would-remediate alert that cannot be published (%s) and keeps it for the retry',
    async (kind) => {
      // Prepare
      aws.guardDuty.on(GetDetectorCommand).resolves(DRIFTED);
      aws.sns.on(PublishCommand).rejects(awsFault('sns', kind));

      // Act
      const outcome = responder.invoke(syntheticFixture(DISABLE_RUNTIME));

      // Assess
      await expect(outcome).rejects.toMatchObject({ name: 'ResponderError' });
      expect(table.claimOf(CLAIM_KEY)?.status?.S).toBe('RETRYABLE');
      expect(table.claimOf(CLAIM_KEY)?.pendingNotification?.S).toBe(
        JSON.stringify({
          subject: publishedInputs(aws)[0]?.Subject,
          message: publishedInputs(aws)[0]?.Message,
          attributes: { severity: 'high', outcome: 'would-remediate', accountId: ACCOUNT, region: REGION },
        }),
      );
      expect(aws.guardDuty.commandCalls(UpdateDetectorCommand)).toHaveLength(0);
    },
  );

  it('does not count a failed settle against the alert: the invocation resolves', async () => {
    // Prepare
    aws.guardDuty.on(GetDetectorCommand).resolves(DRIFTED);
    aws.dynamoDb.on(UpdateItemCommand).resolves({});
    // The settle of a standing drift writes its case alone: one PutItem (no history to write with it).
    aws.dynamoDb.on(PutItemCommand).rejects(awsFault('dynamodb', 'throttling'));

    // Act
    const result = await responder.invoke(syntheticFixture(DISABLE_RUNTIME));

    // Assess
    expect(result).toMatchObject({ reports: [{ outcome: 'would-remediate', messageId: 'message-1' }] });
    expect(aws.dynamoDb.commandCalls(UpdateItemCommand)).toHaveLength(1);
    expect(aws.dynamoDb.commandCalls(PutItemCommand)).toHaveLength(1);
    expect(aws.dynamoDb.commandCalls(QueryCommand)).toHaveLength(0);
  });
});

describe('Function: handler, a corrupt stored alert', () => {
  it('restores first, and never publishes nonsense, when a kept alert of the case cannot be read', async () => {
    // Prepare: another trigger's attempt left a RETRYABLE case whose kept alert is damaged; the detector is off.
    aws.guardDuty.on(GetDetectorCommand).resolvesOnce(DRIFTED).resolves(PROTECTED);
    table.seedClaim(CLAIM_KEY, {
      status: { S: 'RETRYABLE' },
      outcome: { S: 'remediate' },
      owner: { S: 'sweep#an-earlier-sweep' },
      pendingNotification: { S: '{"subject": 42}' },
    });
    const responder = await coldStart({ RESPONDER_MODE: 'remediate' });

    // Act
    const result = await responder.invoke(syntheticFixture(DISABLE_RUNTIME));

    // Assess: protection is restored, the damaged alert is dropped (logged), the new alert is well formed.
    expect(result).toMatchObject({ reports: [{ outcome: 'remediate', remediation: 'succeeded' }] });
    expect(aws.guardDuty.commandCalls(UpdateDetectorCommand)).toHaveLength(1);
    expect(publishedInputs(aws)).toHaveLength(1);
    expectWellFormedAlert(publishedInputs(aws)[0], { outcome: 'remediate', severity: 'high' });
  });

  it('fails loudly instead of publishing nonsense when its own kept alert cannot be read', async () => {
    // Prepare: this event's own earlier attempt left the damaged alert (its retry only owes the alert).
    aws.guardDuty.on(GetDetectorCommand).resolves(DRIFTED);
    table.seedClaim(CLAIM_KEY, {
      status: { S: 'RETRYABLE' },
      outcome: { S: 'remediate' },
      owner: { S: `event#${EVENT_ID}` },
      pendingNotification: { S: '{"subject": 42}' },
    });
    const responder = await coldStart({ RESPONDER_MODE: 'remediate' });

    // Act
    const result = responder.invoke(syntheticFixture(DISABLE_RUNTIME));

    // Assess
    await expect(result).rejects.toThrow(/kept by a previous attempt has no subject/);
    expect(publishedInputs(aws)).toEqual([]);
  });
});
