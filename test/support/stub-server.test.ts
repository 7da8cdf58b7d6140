import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetDetectorCommand, GuardDutyClient } from '@aws-sdk/client-guardduty';
import { SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { organizationAdapter } from '../../handlers/adapters/guardduty-organization.js';
import { createResponder } from '../../handlers/composition.js';
import { JsonLogger } from '../../handlers/logger.js';
import { ADMIN_DETECTOR } from './fakes/organization.js';
import { lambdaContext, retarget, sweepEvent, syntheticFixture } from './fixtures.js';
import { responderEnv } from './mocked-responder.js';
import { type StubServer, startStubServer } from './stub-server.js';

const REGION = 'eu-west-3';
let stub: StubServer;

const clientsFor = (endpoint: string, region = REGION) => {
  const options = {
    endpoint,
    region,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 5,
  };
  return {
    guardDuty: new GuardDutyClient(options),
    sns: new SNSClient(options),
    cloudWatch: new CloudWatchClient(options),
    dynamoDb: new DynamoDBClient(options),
  };
};

const responder = (mode: 'remediate' | 'notify' = 'remediate', scope?: 'organization') =>
  createResponder({
    env: responderEnv({ AWS_REGION: REGION, RESPONDER_MODE: mode, RESPONDER_SCOPE: scope }),
    clients: clientsFor(stub.endpoint),
    logger: new JsonLogger('stub-test', 'SILENT'),
  });

const disableEvent = (detectorId: string, eventId: string) =>
  retarget(syntheticFixture('UpdateDetector.disable-runtime-monitoring.synthetic.json'), {
    detectorId,
    region: REGION,
    eventId,
  });

beforeAll(async () => {
  stub = await startStubServer({ maxLifetimeMs: 60_000 });
});
afterAll(async () => {
  await stub.stop();
});
beforeEach(() => {
  stub.settings = { latencyMs: 0 };
  stub.reset();
});

describe('the loopback stub server, through the real SDK', () => {
  it('serves a remediation end to end: GuardDuty restJson, DynamoDB and CloudWatch awsJson, SNS awsQuery', async () => {
    // Prepare
    const [detectorId = ''] = stub.reset({ detectors: [{ region: REGION, drifted: true }] }).detectorIds;

    // Act
    const result = await responder().handle(disableEvent(detectorId, 'stub-event-1'), lambdaContext(REGION));

    // Assess
    expect(result).toMatchObject({ reports: [{ outcome: 'remediate' }] });
    const runtime = stub.world.detectors
      .getDetector(REGION, detectorId)
      .Features?.find((feature) => feature.Name === 'RUNTIME_MONITORING');
    expect(runtime).toMatchObject({
      Status: 'ENABLED',
      AdditionalConfiguration: expect.arrayContaining([{ Name: 'EKS_ADDON_MANAGEMENT', Status: 'ENABLED' }]),
    });
    expect(stub.world.published).toHaveLength(1);
    expect(JSON.parse(stub.world.published[0]?.message ?? '{}')).toHaveProperty('email');
    const claims = [...stub.world.table.items.values()].filter((item) => item.sk?.S === 'claim');
    expect(claims.length).toBeGreaterThan(0);
    expect(claims.every((item) => item.status?.S === 'COMPLETED')).toBe(true);
    expect(stub.world.metricPoints).toBeGreaterThan(0);
    // Every protocol served: restJson reads and writes, awsJson on DynamoDB and CloudWatch, awsQuery on SNS.
    expect(new Set(stub.calls.map((call) => `${call.service}:${call.operation}`))).toEqual(
      new Set([
        'guardduty:GetDetector',
        'guardduty:UpdateDetector',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
        'dynamodb:BatchWriteItem',
        'sns:Publish',
        'monitoring:PutMetricData',
      ]),
    );
    expect(stub.calls.every((call) => call.status === 200)).toBe(true);
  });

  it('answers a held claim with ConditionalCheckFailedException and its item: a duplicate delivery pages once', async () => {
    // Prepare
    const [detectorId = ''] = stub.reset({ detectors: [{ region: REGION, drifted: true }] }).detectorIds;
    const event = disableEvent(detectorId, 'stub-event-2');
    await responder('notify').handle(event, lambdaContext(REGION));

    // Act
    const again = await responder('notify').handle(event, lambdaContext(REGION));

    // Assess
    expect(again).toMatchObject({ reports: [{ outcome: 'ignored' }] });
    expect(stub.world.published).toHaveLength(1);
  });

  it('says a detector of another Region is not owned, as GuardDuty does', async () => {
    // Prepare
    const [detectorId = ''] = stub.reset({ detectors: [{ region: 'us-east-1' }] }).detectorIds;

    // Act
    const read = clientsFor(stub.endpoint).guardDuty.send(new GetDetectorCommand({ DetectorId: detectorId }));

    // Assess
    await expect(read).rejects.toMatchObject({
      name: 'BadRequestException',
      message: expect.stringContaining('not owned by the current account'),
    });
  });

  it('throttles over its rate with HTTP 400 ThrottlingException, which the SDK retries', async () => {
    // Prepare
    const [detectorId = ''] = stub.reset({ detectors: [{ region: REGION }] }).detectorIds;
    stub.settings = { latencyMs: 0, rateLimit: { perSecond: 20, burst: 1 } };
    const client = clientsFor(stub.endpoint).guardDuty;

    // Act
    const reads = await Promise.all(
      [1, 2, 3].map(() => client.send(new GetDetectorCommand({ DetectorId: detectorId }))),
    );

    // Assess
    expect(reads.map((read) => read.Status)).toEqual(['ENABLED', 'ENABLED', 'ENABLED']);
    const throttled = stub.calls.filter((call) => call.throttled);
    expect(throttled.length).toBeGreaterThan(0);
    expect(throttled.every((call) => call.status === 400)).toBe(true);
    expect(stub.calls.filter((call) => !call.throttled)).toHaveLength(3);
  });

  it('serves the delegated administrator: ListMembers pages and GetMemberDetectors batches', async () => {
    // Prepare
    stub.reset({
      organization: { region: REGION, scale: { members: 120, driftedEvery: 40, detail: 'as-aws' } },
    });
    const organization = organizationAdapter(clientsFor(stub.endpoint).guardDuty);

    // Act
    const members = await organization.listMembers(ADMIN_DETECTOR);
    const read = await organization.getMemberDetectors(
      ADMIN_DETECTOR,
      members.slice(0, 50).map((member) => member.accountId),
    );

    // Assess
    expect(members).toHaveLength(120);
    expect(stub.calls.filter((call) => call.operation === 'ListMembers')).toHaveLength(3);
    expect(read.members).toHaveLength(50);
    expect(read.members[0]?.features.find((feature) => feature.name === 'RUNTIME_MONITORING')).toMatchObject({
      status: 'DISABLED',
    });
  });

  it('serves the loss paths through the real SDK: GetMembers, StartMonitoringMembers, CreateMembers, statistics', async () => {
    // Prepare: 120 members, every 40th drifted; two stopped, one disassociated.
    stub.reset({ organization: { region: REGION, scale: { members: 120, driftedEvery: 40 } } });
    const fake = stub.world.organization;
    fake?.stopMonitoring(['300000000001', '300000000002']);
    fake?.disassociate(['300000000003']);
    const organization = organizationAdapter(clientsFor(stub.endpoint).guardDuty);

    // Act
    const before = await organization.getMembers(ADMIN_DETECTOR, [
      '300000000001',
      '300000000003',
      '999999999999',
    ]);
    const started = await organization.startMonitoringMembers(ADMIN_DETECTOR, [
      '300000000001',
      '300000000002',
    ]);
    const created = await organization.createMembers(ADMIN_DETECTOR, [
      { accountId: '300000000003', email: 'aws+300000000003@example.com' },
    ]);
    const after = await organization.getMembers(ADMIN_DETECTOR, ['300000000001', '300000000003']);
    const statistics = await organization.statistics();

    // Assess
    expect(before).toEqual({
      members: [
        { accountId: '300000000001', relationshipStatus: 'Disabled', email: 'aws+300000000001@example.com' },
        { accountId: '300000000003', relationshipStatus: 'Removed', email: 'aws+300000000003@example.com' },
      ],
      unprocessed: [
        { accountId: '999999999999', reason: 'The request is rejected because the account is not a member.' },
      ],
    });
    expect([started, created]).toEqual([[], []]);
    expect(after.members.map((member) => member.relationshipStatus)).toEqual(['Enabled', 'Enabled']);
    expect(statistics).toEqual({
      totalAccounts: 121,
      memberAccounts: 120,
      activeAccounts: 120,
      enabledAccounts: 120,
      enabledByFeature: { RUNTIME_MONITORING: 117, 'RUNTIME_MONITORING.EKS_ADDON_MANAGEMENT': 117 },
      updatedAt: '2026-11-01T00:00:00.000Z',
    });
    expect(stub.calls.map((call) => call.operation)).toEqual([
      'GetMembers',
      'StartMonitoringMembers',
      'CreateMembers',
      'GetMembers',
      'GetOrganizationStatistics',
    ]);
  });

  it('runs an organization sweep to the end and leaves no member drifted', async () => {
    // Prepare
    stub.reset({ organization: { region: REGION, scale: { members: 230, driftedEvery: 50 } } });

    // Act
    const result = await responder('remediate', 'organization').handle(
      sweepEvent(REGION, 'stub-org-sweep'),
      lambdaContext(REGION),
    );

    // Assess
    expect(result).toMatchObject({ organization: { outcome: 'remediate', remediatedAccounts: 5 } });
    expect(stub.world.organization?.driftedCount()).toBe(0);
    // GuardDuty's own count, once per sweep, and the member count recorded as the baseline.
    expect(stub.calls.filter((call) => call.operation === 'GetOrganizationStatistics')).toHaveLength(1);
    expect(result).toMatchObject({ organization: { membership: { outcome: 'baseline', accounts: 230 } } });
  });
});
