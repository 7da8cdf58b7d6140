import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  BatchWriteItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  type DetectorFeatureConfigurationResult,
  GetDetectorCommand,
  ListDetectorsCommand,
  UpdateDetectorCommand,
} from '@aws-sdk/client-guardduty';
import { PublishCommand } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectWellFormedAlert } from '../support/alert-assertions.js';
import {
  DRIFTED,
  detectorNotOwned,
  detectorResponse,
  FakeStateTable,
  fromCliGetDetector,
  type GetDetectorResponse,
  metricPoints,
  mockAws,
  PROTECTED,
  protocolMessages,
  publishedInputs,
  resetAws,
  runtimeFeature,
} from '../support/aws-mocks.js';
import {
  inEnvelope,
  type Json,
  realFixture,
  retarget,
  sweepEvent,
  syntheticFixture,
} from '../support/fixtures.js';
import { ACCOUNT, coldStart, type MockedResponder, REGION } from '../support/mocked-responder.js';

/** An exemption within MAX_EXEMPTION_DAYS (30 by default) of the test's run. */
const IN_TEN_DAYS = new Date(Date.now() + 10 * 24 * 60 * 60 * 1000).toISOString().slice(0, 10);
const DETECTOR = '0ab12cd34ef56ab78cd90ef12ab34cd5';
const DETECTOR_KEY = `detector#${ACCOUNT}#${REGION}#${DETECTOR}`;
const HOUR_MS = 60 * 60 * 1000;

const DISABLE_RUNTIME = 'UpdateDetector.disable-runtime-monitoring.synthetic.json';
const DISABLE_LEGACY = 'UpdateDetector.disable-eks-runtime-monitoring.synthetic.json';
const SUSPEND = 'UpdateDetector.suspend-detector.synthetic.json';
const DENIED = 'UpdateDetector.denied-disable.synthetic.json';
const OWN_ENABLE = 'UpdateDetector.responder-own-enable.synthetic.json';
const REAL_GET_DETECTOR = 'guardduty/GetDetector.response.MrRedhu-aws-cloud-security-baseline.json';

const aws = mockAws();
let table: FakeStateTable;

beforeEach(() => {
  resetAws(aws);
  table = new FakeStateTable(aws);
  aws.sns.on(PublishCommand).resolves({ MessageId: 'message-1' });
  aws.cloudWatch.on(PutMetricDataCommand).resolves({});
});

afterAll(() => {
  aws.guardDuty.restore();
  aws.sns.restore();
  aws.cloudWatch.restore();
  aws.dynamoDb.restore();
});

/** GetDetector answers `before` first, then `after` (the read-back after a remediation). */
function detectorReads(before: GetDetectorResponse, after: GetDetectorResponse = PROTECTED): void {
  aws.guardDuty.on(GetDetectorCommand).resolvesOnce(before).resolves(after);
  aws.guardDuty.on(UpdateDetectorCommand).resolves({});
}

function updateInputs() {
  return aws.guardDuty.commandCalls(UpdateDetectorCommand).map((call) => call.args[0].input);
}

function callCounts() {
  return {
    getDetector: aws.guardDuty.commandCalls(GetDetectorCommand).length,
    updateDetector: aws.guardDuty.commandCalls(UpdateDetectorCommand).length,
    publish: aws.sns.commandCalls(PublishCommand).length,
    putMetricData: aws.cloudWatch.commandCalls(PutMetricDataCommand).length,
    dynamoDbWrites:
      aws.dynamoDb.commandCalls(PutItemCommand).length +
      aws.dynamoDb.commandCalls(BatchWriteItemCommand).length,
  };
}

function anyAwsCall(): number {
  return (
    aws.guardDuty.calls().length +
    aws.sns.calls().length +
    aws.cloudWatch.calls().length +
    aws.dynamoDb.calls().length
  );
}

/** The real GetDetector sample with one runtime feature switched on (what a successful re-enable reads back). */
function withFeatureEnabled(response: GetDetectorResponse, name: string): GetDetectorResponse {
  return {
    ...response,
    Features: (response.Features ?? []).map(
      (feature): DetectorFeatureConfigurationResult =>
        feature.Name === name
          ? {
              ...feature,
              Status: 'ENABLED',
              AdditionalConfiguration: (feature.AdditionalConfiguration ?? []).map((config) =>
                config.Name === 'EKS_ADDON_MANAGEMENT' ? { ...config, Status: 'ENABLED' } : config,
              ),
            }
          : feature,
    ),
  };
}

/** A synthetic variant of a synthetic fixture: the same CloudTrail record with other fields in `detail`. */
function variantOf(fixture: string, detail: Json): Json {
  const event = syntheticFixture(fixture);
  return { ...event, detail: { ...(event.detail as Json), ...detail } };
}

describe('Function: handler, remediate mode', () => {
  let responder: MockedResponder;
  beforeAll(async () => {
    responder = await coldStart({ RESPONDER_MODE: 'remediate' });
  });

  it('only reads the detector and records compliance when runtime monitoring is on', async () => {
    // Prepare
    detectorReads(PROTECTED);

    // Act
    const result = await responder.invoke(syntheticFixture(DISABLE_RUNTIME));

    // Assess
    expect(result).toEqual({
      eventId: '7d3f9a42-1b6c-4e0d-9a51-2f8e6c4b1a01',
      trigger: 'api-call',
      reports: [{ outcome: 'compliant', detectorId: DETECTOR }],
    });
    expect(callCounts()).toEqual({
      getDetector: 1,
      updateDetector: 0,
      publish: 0,
      putMetricData: 1,
      dynamoDbWrites: 0,
    });
    expect(aws.guardDuty.commandCalls(GetDetectorCommand)[0]?.args[0].input).toEqual({
      DetectorId: DETECTOR,
    });
    // Two reads, no write: the recent re-enables, asked for while the detector was read (a disabling call usually
    // leaves a drift, and the count is then on the way to the write), and a consistent read for an alert a previous
    // attempt may still owe.
    expect(aws.dynamoDb.calls().map((call) => call.args[0].input)).toEqual([
      expect.objectContaining({
        Select: 'COUNT',
        ExpressionAttributeValues: expect.objectContaining({ ':pk': { S: DETECTOR_KEY } }),
      }),
      expect.objectContaining({
        KeyConditionExpression: 'pk = :pk AND sk = :sk',
        ConsistentRead: true,
        ExpressionAttributeValues: {
          ':pk': { S: `claim#case#${ACCOUNT}#${REGION}#${DETECTOR}` },
          ':sk': { S: 'claim' },
        },
      }),
    ]);
    expect(metricPoints(aws)).toEqual([{ name: 'EksRuntimeMonitoringCompliant', value: 1 }]);
    expect(aws.cloudWatch.commandCalls(PutMetricDataCommand)[0]?.args[0].input).toMatchObject({
      Namespace: 'GuardDutyDriftResponder',
      MetricData: [{ Dimensions: [{ Name: 'Region', Value: REGION }] }],
    });
  });

  it('re-enables exactly the feature that was turned off, with its full additional configuration, then reads back and alerts', async () => {
    // Prepare
    detectorReads(DRIFTED);

    // Act
    const result = await responder.invoke(syntheticFixture(DISABLE_RUNTIME));

    // Assess
    expect(result).toMatchObject({
      reports: [
        { outcome: 'remediate', remediation: 'succeeded', detectorId: DETECTOR, messageId: 'message-1' },
      ],
    });
    expect(updateInputs()).toEqual([
      {
        DetectorId: DETECTOR,
        Features: [
          {
            Name: 'RUNTIME_MONITORING',
            Status: 'ENABLED',
            AdditionalConfiguration: [
              { Name: 'EKS_ADDON_MANAGEMENT', Status: 'ENABLED' },
              { Name: 'ECS_FARGATE_AGENT_MANAGEMENT', Status: 'ENABLED' },
              { Name: 'EC2_AGENT_MANAGEMENT', Status: 'DISABLED' },
            ],
          },
        ],
      },
    ]);
    expect(aws.guardDuty.commandCalls(GetDetectorCommand)).toHaveLength(2); // the read-back
    const published = publishedInputs(aws);
    expect(published).toHaveLength(1);
    const alert = expectWellFormedAlert(published[0], { outcome: 'remediate', severity: 'high' });
    expect(alert).toMatchObject({
      remediation: 'succeeded',
      detectorId: DETECTOR,
      mode: 'remediate',
      actor: 'arn:aws:sts::123456789012:assumed-role/PlatformAdmin/alice@example.com',
      eventId: '7d3f9a42-1b6c-4e0d-9a51-2f8e6c4b1a01',
      eventTime: '2026-11-20T09:14:03Z',
      before: { status: 'ENABLED', compliant: false },
      after: { status: 'ENABLED', compliant: true, generationInUse: 'RUNTIME_MONITORING' },
    });
    expect(metricPoints(aws)).toEqual(
      expect.arrayContaining([
        { name: 'DriftDetected', value: 1 },
        { name: 'RemediationSucceeded', value: 1 },
        { name: 'EksRuntimeMonitoringCompliant', value: 1 },
      ]),
    );
    expect(table.claimOf(`case#${ACCOUNT}#${REGION}#${DETECTOR}`)?.status?.S).toBe('COMPLETED');
    const history = [...table.items.values()].filter((item) => item.pk?.S === DETECTOR_KEY);
    expect(history).toHaveLength(1);
    expect(history[0]?.generation?.S).toBe('RUNTIME_MONITORING');
  });

  it('resumes a suspended detector whose runtime feature is still on, with Enable only', async () => {
    // Prepare
    detectorReads(
      detectorResponse([runtimeFeature('RUNTIME_MONITORING', 'ENABLED', 'ENABLED')], { status: 'DISABLED' }),
    );

    // Act
    const result = await responder.invoke(syntheticFixture(SUSPEND));

    // Assess
    expect(result).toMatchObject({ reports: [{ outcome: 'remediate', remediation: 'succeeded' }] });
    expect(updateInputs()).toEqual([{ DetectorId: DETECTOR, Enable: true }]);
    expectWellFormedAlert(publishedInputs(aws)[0], { outcome: 'remediate', severity: 'high' });
  });

  it('resumes a suspended detector and re-enables its feature in one request when both are off', async () => {
    // Prepare
    detectorReads(
      detectorResponse([runtimeFeature('RUNTIME_MONITORING', 'DISABLED', 'ENABLED')], { status: 'DISABLED' }),
    );

    // Act
    await responder.invoke(syntheticFixture(SUSPEND));

    // Assess
    expect(updateInputs()).toEqual([
      {
        DetectorId: DETECTOR,
        Enable: true,
        Features: [
          {
            Name: 'RUNTIME_MONITORING',
            Status: 'ENABLED',
            AdditionalConfiguration: [{ Name: 'EKS_ADDON_MANAGEMENT', Status: 'ENABLED' }],
          },
        ],
      },
    ]);
  });

  it('re-enables EKS_RUNTIME_MONITORING when the drift turned off the legacy generation', async () => {
    // Prepare
    detectorReads(
      detectorResponse([runtimeFeature('EKS_RUNTIME_MONITORING', 'DISABLED', 'ENABLED')]),
      detectorResponse([runtimeFeature('EKS_RUNTIME_MONITORING', 'ENABLED', 'ENABLED')]),
    );

    // Act
    const result = await responder.invoke(syntheticFixture(DISABLE_LEGACY));

    // Assess
    expect(result).toMatchObject({ reports: [{ outcome: 'remediate', remediation: 'succeeded' }] });
    expect(updateInputs()).toEqual([
      {
        DetectorId: DETECTOR,
        Features: [
          {
            Name: 'EKS_RUNTIME_MONITORING',
            Status: 'ENABLED',
            AdditionalConfiguration: [{ Name: 'EKS_ADDON_MANAGEMENT', Status: 'ENABLED' }],
          },
        ],
      },
    ]);
  });

  describe('a detector listing both runtime features (real GetDetector sample, both DISABLED)', () => {
    const realState = fromCliGetDetector(realFixture(REAL_GET_DETECTOR));

    it.each([
      {
        trigger: 'an event that turned off RUNTIME_MONITORING',
        event: () => syntheticFixture(DISABLE_RUNTIME),
        generation: 'RUNTIME_MONITORING',
        additional: [
          { Name: 'EKS_ADDON_MANAGEMENT', Status: 'ENABLED' },
          { Name: 'ECS_FARGATE_AGENT_MANAGEMENT', Status: 'DISABLED' },
          { Name: 'EC2_AGENT_MANAGEMENT', Status: 'DISABLED' },
        ],
      },
      {
        trigger: 'an event that turned off EKS_RUNTIME_MONITORING',
        event: () => syntheticFixture(DISABLE_LEGACY),
        generation: 'EKS_RUNTIME_MONITORING',
        additional: [{ Name: 'EKS_ADDON_MANAGEMENT', Status: 'ENABLED' }],
      },
      {
        trigger: 'the scheduled sweep (no drift event: RUNTIME_MONITORING is preferred)',
        event: () => sweepEvent(REGION, 'sweep-both-listed'),
        generation: 'RUNTIME_MONITORING',
        additional: [
          { Name: 'EKS_ADDON_MANAGEMENT', Status: 'ENABLED' },
          { Name: 'ECS_FARGATE_AGENT_MANAGEMENT', Status: 'DISABLED' },
          { Name: 'EC2_AGENT_MANAGEMENT', Status: 'DISABLED' },
        ],
      },
    ])('re-enables $generation alone after $trigger', async ({ event, generation, additional }) => {
      // Prepare
      aws.guardDuty.on(ListDetectorsCommand).resolves({ DetectorIds: [DETECTOR] });
      detectorReads(realState, withFeatureEnabled(realState, generation));

      // Act
      const result = await responder.invoke(event());

      // Assess
      expect(result).toMatchObject({ reports: [{ outcome: 'remediate', remediation: 'succeeded' }] });
      expect(updateInputs()).toEqual([
        {
          DetectorId: DETECTOR,
          Features: [{ Name: generation, Status: 'ENABLED', AdditionalConfiguration: additional }],
        },
      ]);
      const alert = expectWellFormedAlert(publishedInputs(aws)[0], {
        outcome: 'remediate',
        severity: 'high',
      });
      expect(alert).toMatchObject({ after: { compliant: true, generationInUse: generation } });
    });
  });

  it('remediates a detector whose exemption has expired, and says so', async () => {
    // Prepare
    detectorReads(
      detectorResponse([runtimeFeature('RUNTIME_MONITORING', 'DISABLED', 'DISABLED')], {
        tags: { 'drift-responder:exempt-until': '2020-01-01', 'drift-responder:exempt-reason': 'old change' },
      }),
    );

    // Act
    const result = await responder.invoke(syntheticFixture(DISABLE_RUNTIME));

    // Assess
    expect(result).toMatchObject({ reports: [{ outcome: 'remediate', remediation: 'succeeded' }] });
    const alert = expectWellFormedAlert(publishedInputs(aws)[0], { outcome: 'remediate', severity: 'high' });
    expect(alert).toMatchObject({ exemption: { status: 'expired', until: '2020-01-01' } });
  });

  it('reports an exempt detector without touching it', async () => {
    // Prepare
    detectorReads(
      detectorResponse([runtimeFeature('RUNTIME_MONITORING', 'DISABLED', 'DISABLED')], {
        tags: {
          'drift-responder:exempt-until': IN_TEN_DAYS,
          'drift-responder:exempt-reason': 'CHG-1234 agent conflicts with a kernel module',
        },
      }),
    );

    // Act
    const result = await responder.invoke(syntheticFixture(DISABLE_RUNTIME));

    // Assess
    expect(result).toMatchObject({ reports: [{ outcome: 'exempt', detectorId: DETECTOR }] });
    expect(callCounts()).toMatchObject({ getDetector: 1, updateDetector: 0, publish: 1 });
    const alert = expectWellFormedAlert(publishedInputs(aws)[0], { outcome: 'exempt', severity: 'medium' });
    expect(alert).toMatchObject({
      exemption: {
        status: 'active',
        until: IN_TEN_DAYS,
        reason: 'CHG-1234 agent conflicts with a kernel module',
      },
    });
    expect(metricPoints(aws)).toEqual(
      expect.arrayContaining([
        { name: 'EksRuntimeMonitoringCompliant', value: 0 },
        { name: 'DriftDetected', value: 1 },
      ]),
    );
  });

  it('keeps restoring a detector that keeps being turned off: one critical fight page an hour, the rest folded', async () => {
    // Prepare: re-enabled three times in the last hour (the limit), then turned off twice more.
    aws.guardDuty
      .on(GetDetectorCommand)
      .resolvesOnce(DRIFTED)
      .resolvesOnce(PROTECTED)
      .resolvesOnce(DRIFTED)
      .resolves(PROTECTED);
    const now = Date.now();
    table.seedRemediations(DETECTOR_KEY, [
      new Date(now - 50 * 60 * 1000),
      new Date(now - 20 * 60 * 1000),
      new Date(now - 5 * 60 * 1000),
    ]);

    // Act
    const first = await responder.invoke(syntheticFixture(DISABLE_RUNTIME));
    const second = await responder.invoke(
      retarget(syntheticFixture(DISABLE_RUNTIME), { eventId: 'second-disable' }),
    );

    // Assess: protection is restored both times (a security control never fails open)...
    expect(first).toMatchObject({ reports: [{ outcome: 'circuit-open', remediation: 'succeeded' }] });
    expect(second).toMatchObject({
      reports: [
        { outcome: 'circuit-open', remediation: 'succeeded', reason: expect.stringMatching(/folded/) },
      ],
    });
    expect(aws.dynamoDb.commandCalls(QueryCommand)[0]?.args[0].input).toMatchObject({
      TableName: 'drift-state',
      Select: 'COUNT',
      ExpressionAttributeValues: { ':pk': { S: DETECTOR_KEY } },
    });
    expect(updateInputs()).toHaveLength(2);
    // ...and on-call gets one critical page for the fight, naming who, not one page per re-enable.
    expect(publishedInputs(aws)).toHaveLength(1);
    const alert = expectWellFormedAlert(publishedInputs(aws)[0], {
      outcome: 'circuit-open',
      severity: 'critical',
    });
    expect(String(alert.action)).toMatch(/turned off 4 times in the last hour \(latest by arn:aws:/);
    expect(metricPoints(aws).filter((point) => point.name === 'RemediationSucceeded')).toHaveLength(2);
    expect([...table.items.values()].filter((item) => item.pk?.S === DETECTOR_KEY)).toHaveLength(5);
  });

  it('never lets a fight page dated in the future fold the next fight page', async () => {
    // Prepare: a fight (three re-enables in the hour) and a case whose last fight page someone dated 2099.
    detectorReads(DRIFTED);
    const now = Date.now();
    table.seedRemediations(
      DETECTOR_KEY,
      [10, 20, 30].map((minutes) => new Date(now - minutes * 60_000)),
    );
    table.seedClaim(`case#${ACCOUNT}#${REGION}#${DETECTOR}`, {
      status: { S: 'COMPLETED' },
      owner: { S: 'event#forged' },
      fingerprint: { S: 'forged' },
      claimableAt: { N: String(now - HOUR_MS) },
      fightPagedAt: { N: String(Date.parse('2099-01-01T00:00:00Z')) },
      expiresAt: { N: String(Math.floor(now / 1000) + 3600) },
    });

    // Act
    const result = await responder.invoke(syntheticFixture(DISABLE_RUNTIME));

    // Assess: restored, and paged critical, not folded into a page that never went out.
    expect(result).toMatchObject({ reports: [{ outcome: 'circuit-open', remediation: 'succeeded' }] });
    expect(result).not.toMatchObject({ reports: [{ reason: expect.stringMatching(/folded/) }] });
    expectWellFormedAlert(publishedInputs(aws)[0], { outcome: 'circuit-open', severity: 'critical' });
  });

  it('never lets history entries dated in the future keep a fight going', async () => {
    // Prepare: someone who can write the table adds "remediations" in 2099.
    detectorReads(DRIFTED);
    table.seedRemediations(
      DETECTOR_KEY,
      [1, 2, 3].map(() => new Date('2099-01-01T00:00:00Z')),
    );

    // Act
    const result = await responder.invoke(syntheticFixture(DISABLE_RUNTIME));

    // Assess
    expect(result).toMatchObject({ reports: [{ outcome: 'remediate', remediation: 'succeeded' }] });
    expect(
      expectWellFormedAlert(publishedInputs(aws)[0], { outcome: 'remediate', severity: 'high' }),
    ).toBeDefined();
  });

  it('refuses an exemption that ends later than MAX_EXEMPTION_DAYS and restores protection', async () => {
    // Prepare: one TagResource with a date in the year 9999.
    detectorReads(
      detectorResponse([runtimeFeature('RUNTIME_MONITORING', 'DISABLED', 'DISABLED')], {
        tags: { 'drift-responder:exempt-until': '9999-12-31', 'drift-responder:exempt-reason': 'forever' },
      }),
      PROTECTED,
    );

    // Act
    const result = await responder.invoke(syntheticFixture(DISABLE_RUNTIME));

    // Assess
    expect(result).toMatchObject({ reports: [{ outcome: 'remediate', remediation: 'succeeded' }] });
    expect(updateInputs()).toHaveLength(1);
    const alert = expectWellFormedAlert(publishedInputs(aws)[0], { outcome: 'remediate', severity: 'high' });
    expect(alert).toMatchObject({ exemption: { status: 'refused', until: '9999-12-31' } });
    expect(protocolMessages(publishedInputs(aws)[0] ?? {}).email).toMatch(/Exemption: refused/);
  });

  it('keeps remediating when the earlier remediations are older than an hour', async () => {
    // Prepare
    detectorReads(DRIFTED);
    const now = Date.now();
    table.seedRemediations(
      DETECTOR_KEY,
      [2, 3, 4, 5].map((hours) => new Date(now - hours * HOUR_MS)),
    );

    // Act
    const result = await responder.invoke(syntheticFixture(DISABLE_RUNTIME));

    // Assess
    expect(result).toMatchObject({ reports: [{ outcome: 'remediate', remediation: 'succeeded' }] });
    expect(updateInputs()).toHaveLength(1);
  });

  it('reports a deleted detector (GetDetector: not owned by the current account) without writing to GuardDuty', async () => {
    // Prepare
    aws.guardDuty.on(GetDetectorCommand).rejects(detectorNotOwned());

    // Act
    const result = await responder.invoke(syntheticFixture(DISABLE_RUNTIME));

    // Assess
    expect(result).toMatchObject({ reports: [{ outcome: 'detector-deleted', detectorId: DETECTOR }] });
    expect(updateInputs()).toEqual([]);
    const alert = expectWellFormedAlert(publishedInputs(aws)[0], {
      outcome: 'detector-deleted',
      severity: 'critical',
    });
    expect(alert).toMatchObject({ detectorId: DETECTOR, before: null, after: null });
    expect(metricPoints(aws)).toContainEqual({ name: 'EksRuntimeMonitoringCompliant', value: 0 });
  });

  it('reports the real DeleteDetector record, wrapped in its EventBridge envelope, as detector-deleted', async () => {
    // Prepare
    const record = realFixture('cloudtrail/DeleteDetector.cloudtrail.elastic-integrations.json');
    const event = retarget(inEnvelope(record), { account: ACCOUNT, region: REGION });
    aws.guardDuty.on(GetDetectorCommand).rejects(detectorNotOwned());

    // Act
    const result = await responder.invoke(event);

    // Assess
    expect(result).toMatchObject({
      eventId: '3468e5a5-fdab-4c86-a43e-bc8e1d9bd4f8',
      reports: [{ outcome: 'detector-deleted', detectorId: '82c919daa523bc69d203c24868c06849' }],
    });
    expect(aws.guardDuty.commandCalls(GetDetectorCommand)[0]?.args[0].input).toEqual({
      DetectorId: '82c919daa523bc69d203c24868c06849',
    });
    expect(updateInputs()).toEqual([]);
    const alert = expectWellFormedAlert(publishedInputs(aws)[0], {
      outcome: 'detector-deleted',
      severity: 'critical',
    });
    expect(alert).toMatchObject({
      actor: 'arn:aws:iam::000000000:user/test@elastic.co',
      eventName: 'DeleteDetector',
    });
  });

  it('resumes the detector of the real CreateDetector record (created with enable: false)', async () => {
    // Prepare
    const record = realFixture('cloudtrail/CreateDetector.cloudtrail.elastic-integrations.json');
    const event = retarget(inEnvelope(record), { account: ACCOUNT, region: REGION });
    detectorReads(
      detectorResponse([], { status: 'DISABLED' }),
      detectorResponse([runtimeFeature('RUNTIME_MONITORING', 'ENABLED', 'ENABLED')]),
    );

    // Act
    const result = await responder.invoke(event);

    // Assess
    expect(result).toMatchObject({
      reports: [
        { outcome: 'remediate', remediation: 'succeeded', detectorId: '82c919daa523bc69d203c24868c06849' },
      ],
    });
    expect(updateInputs()).toEqual([
      {
        DetectorId: '82c919daa523bc69d203c24868c06849',
        Enable: true,
        Features: [
          {
            Name: 'RUNTIME_MONITORING',
            Status: 'ENABLED',
            AdditionalConfiguration: [{ Name: 'EKS_ADDON_MANAGEMENT', Status: 'ENABLED' }],
          },
        ],
      },
    ]);
  });

  it('neutralises attacker-controlled principal and user agent text in the email and chat renderings', async () => {
    // Prepare
    detectorReads(DRIFTED);
    const hostileAgent = `curl\`<!channel>\nWho:       someone-else${'x'.repeat(1000)}`;
    const event = variantOf(DISABLE_RUNTIME, { userAgent: hostileAgent });

    // Act
    await responder.invoke(event);

    // Assess
    const published = publishedInputs(aws)[0];
    expectWellFormedAlert(published, { outcome: 'remediate', severity: 'high' });
    const messages = protocolMessages(published ?? {});
    const email = messages.email ?? '';
    expect(email.split('\n').filter((line) => line.startsWith('Who:'))).toHaveLength(1);
    expect(email).not.toContain('x'.repeat(300));
    const chat = JSON.parse(messages.https ?? '{}') as { content: { description: string } };
    expect(chat.content.description).not.toContain('<!channel>');
    expect(chat.content.description).toContain('&lt;!channel&gt;');
  });

  it('reports a denied attempt to disable protection without reading or writing the detector', async () => {
    // Act
    const result = await responder.invoke(syntheticFixture(DENIED));

    // Assess
    expect(result).toMatchObject({ reports: [{ outcome: 'disable-denied', detectorId: DETECTOR }] });
    expect(callCounts()).toMatchObject({ getDetector: 0, updateDetector: 0, publish: 1 });
    const alert = expectWellFormedAlert(publishedInputs(aws)[0], {
      outcome: 'disable-denied',
      severity: 'high',
    });
    expect(String(alert.action)).toContain('AccessDenied');
    expect(metricPoints(aws)).toEqual([{ name: 'DisableDenied', value: 1 }]);
  });

  describe('ignores, with a reason and without any AWS call,', () => {
    it.each([
      {
        what: "the responder's own re-enable",
        event: () => syntheticFixture(OWN_ENABLE),
        where: {},
        reason: /^the responder's own re-enable$/,
      },
      {
        what: 'an UpdateMemberDetectors call (synthetic, organization level)',
        event: () => variantOf(DISABLE_RUNTIME, { eventName: 'UpdateMemberDetectors' }),
        where: {},
        reason: /UpdateMemberDetectors is an organization-level call/,
      },
      {
        what: 'an UpdateOrganizationConfiguration call (synthetic, organization level)',
        event: () => variantOf(DISABLE_RUNTIME, { eventName: 'UpdateOrganizationConfiguration' }),
        where: {},
        reason: /UpdateOrganizationConfiguration is an organization-level call/,
      },
      {
        what: 'the real CreateSampleFindings event (envelope without awsRegion/recipientAccountId)',
        event: () => realFixture('cloudtrail/CreateSampleFindings.eventbridge-envelope.o7conseils.json'),
        where: { region: 'ca-central-1', account: '303697492861' },
        reason: /^CreateSampleFindings does not change EKS runtime monitoring$/,
      },
      {
        what: 'an event for another Region',
        event: () => retarget(syntheticFixture(DISABLE_RUNTIME), { region: 'eu-west-1' }),
        where: {},
        reason: /^event is for Region eu-west-1; this responder serves us-east-1$/,
      },
      {
        what: 'an event for another account',
        event: () => retarget(syntheticFixture(DISABLE_RUNTIME), { account: '210987654321' }),
        where: {},
        reason: /^event is for account 210987654321; this responder serves 123456789012$/,
      },
      {
        what: 'a failed call that would not have reduced protection',
        event: () =>
          variantOf(DISABLE_RUNTIME, {
            requestParameters: {
              detectorId: DETECTOR,
              features: [{ name: 'RUNTIME_MONITORING', status: 'ENABLED' }],
            },
            errorCode: 'AccessDenied',
            errorMessage: 'not authorized',
          }),
        where: {},
        reason: /^the call failed with AccessDenied and changed nothing$/,
      },
    ])('$what', async ({ event, where, reason }) => {
      // Act
      const result = await responder.invoke(event(), where);

      // Assess
      expect(result).toMatchObject({
        reports: [{ outcome: 'ignored', reason: expect.stringMatching(reason) }],
      });
      expect(anyAwsCall()).toBe(0);
    });

    it('an EventBridge event that is neither a GuardDuty API call nor the sweep', async () => {
      // Prepare
      const event = {
        ...syntheticFixture(DISABLE_RUNTIME),
        source: 'aws.s3',
        'detail-type': 'Object Created',
      };

      // Act
      const result = await responder.invoke(event);

      // Assess
      expect(result).toEqual({
        eventId: 'c1b2a3d4-0001-4e5f-8a9b-000000000001',
        ignored: expect.stringContaining('is not a GuardDuty API call or the sweep schedule'),
      });
      expect(anyAwsCall()).toBe(0);
    });
  });

  describe('a duplicate delivery', () => {
    it('of an event already completed is ignored: no UpdateDetector, no Publish', async () => {
      // Prepare
      detectorReads(DRIFTED);
      table.seedClaim(`case#${ACCOUNT}#${REGION}#${DETECTOR}`, {
        status: { S: 'COMPLETED' },
        owner: { S: 'event#7d3f9a42-1b6c-4e0d-9a51-2f8e6c4b1a01' },
      });

      // Act
      const result = await responder.invoke(syntheticFixture(DISABLE_RUNTIME));

      // Assess
      expect(result).toMatchObject({
        reports: [{ outcome: 'ignored', reason: expect.stringMatching(/already handled/) }],
      });
      expect(callCounts()).toMatchObject({ updateDetector: 0, publish: 0 });
    });

    it('of an event still in progress in another invocation asks Lambda to retry after its lease, and writes nothing', async () => {
      // Prepare: the other invocation may be a crashed attempt of this event, dead before its write.
      detectorReads(DRIFTED);
      table.seedClaim(`case#${ACCOUNT}#${REGION}#${DETECTOR}`, {
        status: { S: 'IN_PROGRESS' },
        // A real lease: the invocation's remaining time, at most Lambda's 15 minutes.
        leaseUntil: { N: String(Date.now() + 5 * 60 * 1000) },
        owner: { S: 'event#7d3f9a42-1b6c-4e0d-9a51-2f8e6c4b1a01' },
      });

      // Act + Assess
      await expect(responder.invoke(syntheticFixture(DISABLE_RUNTIME))).rejects.toThrow(
        /still held by an earlier attempt of this trigger; retrying after its lease/,
      );
      expect(callCounts()).toMatchObject({ updateDetector: 0, publish: 0 });
    });

    it('is ignored when the claim is refused with ConditionalCheckFailedException and no old item', async () => {
      // Prepare
      detectorReads(DRIFTED);
      aws.dynamoDb.on(UpdateItemCommand).rejects(
        Object.assign(new Error('The conditional request failed'), {
          name: 'ConditionalCheckFailedException',
        }),
      );

      // Act
      const result = await responder.invoke(syntheticFixture(DISABLE_RUNTIME));

      // Assess
      expect(result).toMatchObject({
        reports: [
          {
            outcome: 'ignored',
            reason: expect.stringMatching(/^duplicate: this drift is already being handled/),
          },
        ],
      });
      expect(callCounts()).toMatchObject({ updateDetector: 0, publish: 0 });
    });

    it('of the same event, twice in a row, writes once and pages once', async () => {
      // Prepare
      aws.guardDuty.on(GetDetectorCommand).resolvesOnce(DRIFTED).resolves(PROTECTED);
      aws.guardDuty.on(UpdateDetectorCommand).resolves({});
      const event = syntheticFixture(DISABLE_RUNTIME);

      // Act
      const first = await responder.invoke(event);
      const second = await responder.invoke(event);

      // Assess
      expect(first).toMatchObject({ reports: [{ outcome: 'remediate', remediation: 'succeeded' }] });
      expect(second).toMatchObject({ reports: [{ outcome: 'compliant' }] });
      expect(callCounts()).toMatchObject({ updateDetector: 1, publish: 1 });
    });
  });

  describe('rejects an invalid event with InvalidEventError and makes no AWS call', () => {
    const valid = () => syntheticFixture(DISABLE_RUNTIME);
    const withDetail = (detail: Json) => ({ ...valid(), detail: { ...(valid().detail as Json), ...detail } });
    it.each([
      { what: 'a string', event: () => 'UpdateDetector' },
      { what: 'null', event: () => null },
      { what: 'an envelope without an id', event: () => ({ ...valid(), id: undefined }) },
      { what: 'a Region that is not a Region name', event: () => ({ ...valid(), region: 'US East' }) },
      { what: 'a GuardDuty API call without detail', event: () => ({ ...valid(), detail: null }) },
      {
        what: 'a record from another event source',
        event: () => withDetail({ eventSource: 'ec2.amazonaws.com' }),
      },
      { what: 'a record without eventID', event: () => withDetail({ eventID: undefined }) },
      {
        what: 'a detector id that is a number',
        event: () => withDetail({ requestParameters: { detectorId: 42 } }),
      },
      {
        what: 'features that are not a list',
        event: () =>
          withDetail({ requestParameters: { detectorId: DETECTOR, features: 'RUNTIME_MONITORING' } }),
      },
    ])('$what', async ({ event }) => {
      // Act
      const outcome = responder.invoke(event());

      // Assess
      await expect(outcome).rejects.toMatchObject({
        name: 'InvalidEventError',
        message: expect.stringMatching(/^event failed validation: /),
      });
      expect(anyAwsCall()).toBe(0);
    });
  });
});

describe('Function: handler, notify mode', () => {
  let responder: MockedResponder;
  beforeAll(async () => {
    responder = await coldStart({ RESPONDER_MODE: 'notify' });
  });

  it('reports would-remediate with the request it would send, and never calls UpdateDetector', async () => {
    // Prepare
    detectorReads(DRIFTED);

    // Act
    const result = await responder.invoke(syntheticFixture(DISABLE_RUNTIME));

    // Assess
    expect(result).toMatchObject({ reports: [{ outcome: 'would-remediate', detectorId: DETECTOR }] });
    expect(callCounts()).toMatchObject({ getDetector: 1, updateDetector: 0, publish: 1 });
    const alert = expectWellFormedAlert(publishedInputs(aws)[0], {
      outcome: 'would-remediate',
      severity: 'high',
    });
    expect(alert).toMatchObject({ mode: 'notify', before: { compliant: false } });
    expect(String(alert.action)).toContain('RUNTIME_MONITORING → ENABLED (EKS_ADDON_MANAGEMENT=ENABLED');
    expect(metricPoints(aws)).toEqual(
      expect.arrayContaining([
        { name: 'EksRuntimeMonitoringCompliant', value: 0 },
        { name: 'DriftDetected', value: 1 },
      ]),
    );
    expect(table.claimOf(`case#${ACCOUNT}#${REGION}#${DETECTOR}`)?.status?.S).toBe('COMPLETED');
  });
});
