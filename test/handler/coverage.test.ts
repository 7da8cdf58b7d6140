/*
 * Per-cluster runtime coverage through the real Lambda entry point, with aws-sdk-client-mock and the in-memory state
 * table: the `GuardDuty Runtime Protection Unhealthy|Healthy` events (schema of the GuardDuty user guide, see
 * test/fixtures/SOURCES.md) and the sweep's ListCoverage (every page) and GetCoverageStatistics, with responses in the
 * API model's shapes (test/adapters/guardduty-coverage.test.ts checks those against the wire format). moto implements
 * none of the coverage API.
 */
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  type CoverageResource,
  GetCoverageStatisticsCommand,
  GetDetectorCommand,
  ListCoverageCommand,
  ListDetectorsCommand,
  UpdateDetectorCommand,
  UpdateMemberDetectorsCommand,
} from '@aws-sdk/client-guardduty';
import { PublishCommand, type PublishCommandInput } from '@aws-sdk/client-sns';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createResponder } from '../../handlers/composition.js';
import { JsonLogger } from '../../handlers/logger.js';
import { expectWellFormedAlert } from '../support/alert-assertions.js';
import {
  awsFault,
  FakeStateTable,
  metricPoints,
  mockAws,
  PROTECTED,
  protocolMessages,
  publishedInputs,
  resetAws,
  structuredAlertOf,
} from '../support/aws-mocks.js';
import { ADMIN_DETECTOR, FakeOrganization } from '../support/fakes/organization.js';
import { type Json, lambdaContext, sweepEvent, syntheticFixture } from '../support/fixtures.js';
import {
  ACCOUNT,
  coldStart,
  type MockedResponder,
  REGION,
  responderEnv,
} from '../support/mocked-responder.js';

const DETECTOR = '0ab12cd34ef56ab78cd90ef12ab34cd5';
const MEMBER = '111122223333';
const UNHEALTHY = 'GuardDutyRuntimeProtection.unhealthy-eks.synthetic.json';
const HEALTHY = 'GuardDutyRuntimeProtection.healthy-eks.synthetic.json';
const CONFLICT =
  'Addon Update Failed:EKS Addon issue - ConfigurationConflict: Conflicts found when trying to apply. Will not continue due to resolve conflicts mode.';
const PROVISIONING = 'EKS Runtime Monitoring enablement resource provisioning in progress';
const HOUR_MS = 60 * 60 * 1000;

const aws = mockAws();
let table: FakeStateTable;
let responder: MockedResponder;
let sweeps = 0;
let messages = 0;

beforeEach(async () => {
  resetAws(aws);
  table = new FakeStateTable(aws);
  aws.guardDuty.on(ListDetectorsCommand).resolves({ DetectorIds: [DETECTOR] });
  aws.guardDuty.on(GetDetectorCommand).resolves(PROTECTED);
  aws.sns.on(PublishCommand).callsFake(async () => ({ MessageId: `message-${++messages}` }));
  responder = await coldStart();
});
afterEach(() => {
  vi.useRealTimers();
});
afterAll(() => resetAws(aws));

/** A coverage event of the fixture's cluster, with another id (a new event) and other details when asked. */
function coverageEvent(name: string, id: string, detail: Json = {}, eks: Json = {}): Json {
  const event = syntheticFixture(name);
  const original = event.detail as Json;
  const resourceDetails = original.resourceDetails as Json;
  return {
    ...event,
    id,
    detail: {
      ...original,
      ...detail,
      resourceDetails: {
        ...resourceDetails,
        eksClusterDetails: { ...(resourceDetails.eksClusterDetails as Json), ...eks },
      },
    },
  };
}

/** One EKS cluster in the API model's shape (ListCoverageResponse.Resources[]). */
function cluster(
  name: string,
  options: {
    status?: 'HEALTHY' | 'UNHEALTHY';
    issue?: string;
    managementType?: 'AUTO_MANAGED' | 'MANUAL' | 'DISABLED';
    accountId?: string;
    updatedAt?: Date;
  } = {},
): CoverageResource {
  const healthy = (options.status ?? 'HEALTHY') === 'HEALTHY';
  return {
    ResourceId: name,
    DetectorId: DETECTOR,
    AccountId: options.accountId ?? ACCOUNT,
    CoverageStatus: options.status ?? 'HEALTHY',
    ...(options.issue ? { Issue: options.issue } : {}),
    UpdatedAt: options.updatedAt ?? new Date(),
    ResourceDetails: {
      ResourceType: 'EKS',
      EksClusterDetails: {
        ClusterName: name,
        CoveredNodes: healthy ? 4 : 1,
        CompatibleNodes: 4,
        AddonDetails: { AddonVersion: 'v1.12.1-eksbuild.2', AddonStatus: healthy ? 'ACTIVE' : 'DEGRADED' },
        ManagementType: options.managementType ?? 'AUTO_MANAGED',
      },
    },
  };
}

/** ListCoverage answers `resources` 50 a page (tokens `1`, `2`...); GetCoverageStatistics counts them. */
function coverageOf(resources: readonly CoverageResource[]): void {
  aws.guardDuty
    .on(ListCoverageCommand)
    .callsFake(async (input: { NextToken?: string; MaxResults?: number }) => {
      const page = Number(input.NextToken ?? 0);
      const size = input.MaxResults ?? 50;
      const next = (page + 1) * size < resources.length ? String(page + 1) : undefined;
      return { Resources: resources.slice(page * size, (page + 1) * size), NextToken: next };
    });
  const count = (status: string) => resources.filter((resource) => resource.CoverageStatus === status).length;
  aws.guardDuty.on(GetCoverageStatisticsCommand).resolves({
    CoverageStatistics: {
      CountByCoverageStatus: { HEALTHY: count('HEALTHY'), UNHEALTHY: count('UNHEALTHY') },
    },
  });
}

const coveragePages = (): PublishCommandInput[] =>
  publishedInputs(aws).filter((input) =>
    String(input.MessageAttributes?.outcome?.StringValue).startsWith('coverage-'),
  );
const sweep = () => responder.invoke(sweepEvent(REGION, `coverage-sweep-${++sweeps}`));
const emailOf = (input: PublishCommandInput | undefined) => protocolMessages(input ?? {}).email ?? '';
const metric = (name: string) =>
  metricPoints(aws)
    .filter((point) => point.name === name)
    .map((point) => point.value);

describe('Coverage events: one alert per transition of a cluster', () => {
  it('pages once when a cluster becomes unhealthy, with the issue, nodes, add-on, management and the next step', async () => {
    // Act
    const result = await responder.invoke(syntheticFixture(UNHEALTHY));

    // Assess
    expect(result).toMatchObject({ trigger: 'coverage', coverage: { outcome: 'coverage-unhealthy' } });
    expect(coveragePages()).toHaveLength(1);
    const alert = expectWellFormedAlert(coveragePages()[0], {
      outcome: 'coverage-unhealthy',
      severity: 'high',
    });
    expect(alert).toMatchObject({
      kind: 'coverage',
      trigger: 'coverage',
      actor: 'GuardDuty coverage event',
      eventName: 'GuardDuty Runtime Protection Unhealthy',
      before: null,
      after: { coverageStatus: 'UNHEALTHY', nodes: '0 of 6 covered' },
      clusters: [
        {
          accountId: ACCOUNT,
          clusterName: 'payments-prod',
          change: 'unhealthy',
          coverageStatus: 'UNHEALTHY',
          coveredNodes: 0,
          compatibleNodes: 6,
          addonVersion: 'v1.9.0-eksbuild.1',
          managementType: null,
          nextStep: {
            kind: 'configuration-conflict',
            commands: [
              `aws eks update-addon --region ${REGION} --cluster-name payments-prod --addon-name aws-guardduty-agent --resolve-conflicts OVERWRITE`,
            ],
          },
        },
      ],
    });
    const email = emailOf(coveragePages()[0]);
    expect(email).toContain('Cluster:   payments-prod (account 123456789012)');
    expect(email).toContain('  Nodes:      0 of 6 covered');
    expect(email).toContain('  Add-on:     aws-guardduty-agent v1.9.0-eksbuild.1');
    expect(email).toContain('$ aws eks update-addon');
    // Reported, never repaired: no GuardDuty write, and the function has no EKS client at all.
    expect(aws.guardDuty.commandCalls(UpdateDetectorCommand)).toHaveLength(0);
    expect(table.claimOf(`coverage#${ACCOUNT}#${REGION}#payments-prod`)).toMatchObject({
      status: { S: 'COMPLETED' },
      fingerprint: { S: 'unhealthy' },
    });
  });

  it('pages once for a cluster, however many Unhealthy events GuardDuty sends or EventBridge redelivers', async () => {
    // Act
    await responder.invoke(syntheticFixture(UNHEALTHY));
    const redelivered = await responder.invoke(syntheticFixture(UNHEALTHY));
    const another = await responder.invoke(
      coverageEvent(UNHEALTHY, 'another-unhealthy-event', { issue: PROVISIONING }, { availableNodes: '2' }),
    );

    // Assess
    expect(coveragePages()).toHaveLength(1);
    for (const result of [redelivered, another]) {
      expect(result).toMatchObject({
        coverage: {
          outcome: 'ignored',
          reason: expect.stringMatching(/^duplicate: unhealthy of this cluster is already reported/),
        },
      });
    }
  });

  it('sends a short recovery message when the cluster is healthy again, and pages anew when it falls back', async () => {
    // Act
    await responder.invoke(syntheticFixture(UNHEALTHY));
    const recovered = await responder.invoke(syntheticFixture(HEALTHY));
    await responder.invoke(syntheticFixture(HEALTHY)); // redelivered
    const again = await responder.invoke(coverageEvent(UNHEALTHY, 'unhealthy-again'));

    // Assess
    expect(recovered).toMatchObject({ coverage: { outcome: 'coverage-recovered' } });
    expect(again).toMatchObject({ coverage: { outcome: 'coverage-unhealthy' } });
    expect(coveragePages()).toHaveLength(3);
    const recovery = expectWellFormedAlert(coveragePages()[1], {
      outcome: 'coverage-recovered',
      severity: 'medium',
    });
    expect(recovery).toMatchObject({
      before: { coverageStatus: 'UNHEALTHY' },
      after: { coverageStatus: 'HEALTHY', nodes: '6 of 6 covered' },
      clusters: [{ change: 'recovered', previous: 'UNHEALTHY' }],
    });
    const email = emailOf(coveragePages()[1]);
    expect(email).toContain('EKS cluster payments-prod protected again (coverage HEALTHY)');
    expect(email).toContain('HEALTHY again (was UNHEALTHY), nodes 6 of 6 covered');
    expect(email).not.toContain('Next step');
  });

  it('says nothing about a Healthy event for a cluster that was never reported, and writes nothing', async () => {
    // Act
    const result = await responder.invoke(syntheticFixture(HEALTHY));

    // Assess
    expect(result).toMatchObject({ coverage: { outcome: 'compliant' } });
    expect(publishedInputs(aws)).toHaveLength(0);
    expect(table.items.size).toBe(0);
  });

  it('reports a cluster that stays unhealthy again after a day, not before', async () => {
    // Prepare
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-20T10:05:00Z'));
    await responder.invoke(syntheticFixture(UNHEALTHY));

    // Act
    vi.setSystemTime(new Date('2026-11-20T20:05:00Z'));
    const early = await responder.invoke(coverageEvent(UNHEALTHY, 'ten-hours-later'));
    vi.setSystemTime(new Date('2026-11-21T10:06:00Z'));
    const late = await responder.invoke(coverageEvent(UNHEALTHY, 'a-day-later'));

    // Assess
    expect(early).toMatchObject({ coverage: { outcome: 'ignored' } });
    expect(late).toMatchObject({ coverage: { outcome: 'coverage-unhealthy' } });
    expect(coveragePages()).toHaveLength(2);
    expect(structuredAlertOf(coveragePages()[1] ?? {})).toMatchObject({
      clusters: [{ change: 'still-unhealthy', previous: 'UNHEALTHY' }],
    });
    expect(emailOf(coveragePages()[1])).toContain('still not protected');
  });

  it('ignores a coverage event of another Region or account, without reading anything', async () => {
    // Act
    const result = await responder.invoke({ ...syntheticFixture(UNHEALTHY), region: 'eu-west-1' });
    const foreign = await responder.invoke({ ...syntheticFixture(UNHEALTHY), account: '999999999999' });

    // Assess
    expect(result).toMatchObject({
      coverage: { outcome: 'ignored', reason: expect.stringContaining('eu-west-1') },
    });
    expect(foreign).toMatchObject({
      coverage: { outcome: 'ignored', reason: expect.stringContaining('999999999999') },
    });
    expect(aws.dynamoDb.calls()).toHaveLength(0);
  });

  it('keeps the alert when Publish fails, and the retry sends it once', async () => {
    // Prepare
    aws.sns.on(PublishCommand).rejectsOnce(awsFault('sns', 'throttling')).resolves({ MessageId: 'retry-1' });

    // Act
    await expect(responder.invoke(syntheticFixture(UNHEALTHY))).rejects.toThrow(/could not be published/);
    const retry = await responder.invoke(syntheticFixture(UNHEALTHY));
    await responder.invoke(syntheticFixture(UNHEALTHY));

    // Assess
    expect(retry).toMatchObject({ coverage: { outcome: 'coverage-unhealthy', messageId: 'retry-1' } });
    const calls = aws.sns.commandCalls(PublishCommand).map((call) => call.args[0].input.Message);
    expect(calls).toHaveLength(2);
    expect(calls[1]).toBe(calls[0]);
  });
});

describe('Coverage sweep: ListCoverage, metrics and one digest', () => {
  const mixed = () => [
    ...Array.from({ length: 117 }, (_, index) => cluster(`ok-${index}`)),
    cluster('payments-prod', { status: 'UNHEALTHY', issue: CONFLICT }),
    cluster('new-cluster', { status: 'UNHEALTHY', issue: PROVISIONING }),
    cluster('sandbox', { status: 'UNHEALTHY', managementType: 'DISABLED' }),
  ];

  it('reads every page, measures covered, unhealthy and excluded per Region, and sends one digest', async () => {
    // Prepare: 120 clusters, three pages.
    coverageOf(mixed());

    // Act
    const result = await sweep();

    // Assess
    expect(aws.guardDuty.commandCalls(ListCoverageCommand)).toHaveLength(3);
    expect(aws.guardDuty.commandCalls(GetCoverageStatisticsCommand)).toHaveLength(1);
    expect(metric('EksClustersCovered')).toEqual([117]);
    expect(metric('EksClustersUnhealthy')).toEqual([2]);
    expect(metric('EksClustersExcluded')).toEqual([1]);
    const data = aws.cloudWatch
      .commandCalls(PutMetricDataCommand)
      .flatMap((call) => call.args[0].input.MetricData ?? []);
    for (const datum of data.filter((point) => point.MetricName?.startsWith('EksCluster'))) {
      expect(datum.Dimensions).toEqual([{ Name: 'Region', Value: REGION }]);
    }
    expect(result).toMatchObject({
      reports: [{ outcome: 'compliant' }],
      coverage: { outcome: 'coverage-unhealthy', counts: { covered: 117, unhealthy: 2, excluded: 1 } },
    });
    expect(coveragePages()).toHaveLength(1);
    const digest = expectWellFormedAlert(coveragePages()[0], {
      outcome: 'coverage-unhealthy',
      severity: 'high',
    });
    expect(digest).toMatchObject({
      trigger: 'sweep',
      actor: 'scheduled sweep',
      detectorId: DETECTOR,
      counts: { covered: 117, unhealthy: 2, excluded: 1 },
      listingShortfall: null,
    });
    const clusters = digest.clusters as { clusterName: string; change: string; nextStep: { kind: string } }[];
    expect(clusters.map(({ clusterName, change, nextStep }) => [clusterName, change, nextStep.kind])).toEqual(
      [
        ['payments-prod', 'unhealthy', 'configuration-conflict'],
        ['new-cluster', 'unhealthy', 'provisioning'],
        ['sandbox', 'excluded', 'excluded'],
      ],
    );
    expect(emailOf(coveragePages()[0])).toContain(
      'Clusters:  117 covered, 2 unhealthy, 1 excluded (EKS, this Region)',
    );
  });

  it('pages nothing at the next sweep, nor for an Unhealthy event of a cluster the digest reported', async () => {
    // Prepare
    coverageOf(mixed());
    await sweep();

    // Act
    const second = await sweep();
    const event = await responder.invoke(syntheticFixture(UNHEALTHY));

    // Assess
    expect(coveragePages()).toHaveLength(1);
    expect(second).toMatchObject({
      coverage: { outcome: 'ignored', reason: '2 unhealthy EKS cluster(s), each already reported' },
    });
    expect(event).toMatchObject({ coverage: { outcome: 'ignored' } });
    expect(metric('EksClustersUnhealthy')).toEqual([2, 2]);
  });

  it('finds what no event said: an unhealthy cluster, then its recovery', async () => {
    // Prepare
    coverageOf([cluster('ok'), cluster('payments-prod', { status: 'UNHEALTHY', issue: CONFLICT })]);
    await sweep();
    coverageOf([cluster('ok'), cluster('payments-prod')]);

    // Act
    const result = await sweep();

    // Assess
    expect(result).toMatchObject({ coverage: { outcome: 'coverage-recovered' } });
    expect(coveragePages()).toHaveLength(2);
    const recovery = expectWellFormedAlert(coveragePages()[1], {
      outcome: 'coverage-recovered',
      severity: 'medium',
    });
    expect(recovery).toMatchObject({ clusters: [{ clusterName: 'payments-prod', change: 'recovered' }] });
    // The healthy cluster that was never reported pages nothing and keeps no record.
    expect(table.claimOf(`coverage#${ACCOUNT}#${REGION}#ok`)).toBeUndefined();
  });

  it('does not look up clusters whose coverage has not changed for longer than a record lives', async () => {
    // Prepare
    const old = new Date(Date.now() - 9 * 24 * HOUR_MS);
    coverageOf(Array.from({ length: 60 }, (_, index) => cluster(`quiet-${index}`, { updatedAt: old })));

    // Act
    await sweep();

    // Assess: the only state-table reads are the detector part's.
    const coverageReads = aws.dynamoDb
      .calls()
      .map((call) => JSON.stringify(call.args[0].input))
      .filter((input) => input.includes('coverage#'));
    expect(coverageReads).toEqual([]);
  });

  it("puts the members' clusters in the administrator's digest in organization scope", async () => {
    // Prepare
    resetAws(aws);
    table = new FakeStateTable(aws);
    const organization = new FakeOrganization(aws);
    organization.addMembers(3, 'ENABLED');
    aws.sns.on(PublishCommand).callsFake(async () => ({ MessageId: `message-${++messages}` }));
    coverageOf([
      cluster('admin-cluster'),
      cluster('member-cluster', { accountId: MEMBER, status: 'UNHEALTHY', issue: PROVISIONING }),
      cluster('member-batch', {
        accountId: MEMBER,
        status: 'UNHEALTHY',
        issue: 'EKS Runtime Monitoring enablement permission not granted',
      }),
    ]);
    responder = await coldStart({ RESPONDER_SCOPE: 'organization' });

    // Act
    const result = await sweep();

    // Assess
    expect(result).toMatchObject({
      organization: { outcome: 'compliant' },
      coverage: { outcome: 'coverage-unhealthy' },
    });
    expect(aws.guardDuty.commandCalls(ListCoverageCommand)[0]?.args[0].input.DetectorId).toBe(ADMIN_DETECTOR);
    expect(coveragePages()).toHaveLength(1);
    const digest = expectWellFormedAlert(coveragePages()[0], {
      outcome: 'coverage-unhealthy',
      severity: 'high',
    });
    expect(digest).toMatchObject({
      scope: 'organization',
      counts: { covered: 1, unhealthy: 2, excluded: 0 },
    });
    const [, batch] = digest.clusters as { accountId: string; nextStep: { commands: string[] } }[];
    expect(batch?.accountId).toBe(MEMBER);
    // A member's runtime monitoring is toggled by the administrator, never written by the responder here.
    expect(batch?.nextStep.commands[0]).toBe(
      `aws guardduty update-member-detectors --region ${REGION} --detector-id ${ADMIN_DETECTOR} --account-ids ${MEMBER} --features 'Name=RUNTIME_MONITORING,Status=DISABLED'`,
    );
    expect(aws.guardDuty.commandCalls(UpdateMemberDetectorsCommand)).toHaveLength(0);
    expect(emailOf(coveragePages()[0])).toContain('(delegated administrator: member clusters included)');
    expect(table.claimOf(`coverage#${MEMBER}#${REGION}#member-batch`)?.status?.S).toBe('COMPLETED');
  });

  it('logs one line per unhealthy cluster at every sweep, which the dashboard table reads', async () => {
    // Prepare
    coverageOf(mixed());
    const lines: Record<string, unknown>[] = [];
    const logged = createResponder({
      env: responderEnv(),
      logger: new JsonLogger('test', 'INFO', (line) =>
        lines.push(JSON.parse(line) as Record<string, unknown>),
      ),
    });

    // Act
    await logged.handle(sweepEvent(REGION, 'logged-sweep-1'), lambdaContext(REGION));
    await logged.handle(sweepEvent(REGION, 'logged-sweep-2'), lambdaContext(REGION));

    // Assess: the excluded cluster is not among them; each sweep logs the unhealthy ones again.
    const unhealthy = lines.filter((line) => line.message === 'coverage-unhealthy-cluster');
    expect(unhealthy.map((line) => [line.eventId, line.clusterName, line.issueKind])).toEqual([
      ['logged-sweep-1', 'payments-prod', 'configuration-conflict'],
      ['logged-sweep-1', 'new-cluster', 'provisioning'],
      ['logged-sweep-2', 'payments-prod', 'configuration-conflict'],
      ['logged-sweep-2', 'new-cluster', 'provisioning'],
    ]);
    expect(unhealthy[0]).toMatchObject({
      level: 'WARN',
      accountId: ACCOUNT,
      region: REGION,
      coveredNodes: 1,
      compatibleNodes: 4,
      addonVersion: 'v1.12.1-eksbuild.2',
      managementType: 'AUTO_MANAGED',
      issue: CONFLICT,
    });
  });

  it('publishes per-cluster metrics only when COVERAGE_CLUSTER_METRICS is true', async () => {
    // Prepare
    coverageOf([cluster('ok'), cluster('payments-prod', { status: 'UNHEALTHY', issue: CONFLICT })]);
    responder = await coldStart({ COVERAGE_CLUSTER_METRICS: 'true' });

    // Act
    await sweep();

    // Assess
    const data = aws.cloudWatch
      .commandCalls(PutMetricDataCommand)
      .flatMap((call) => call.args[0].input.MetricData ?? []);
    const perCluster = data.filter((point) => point.MetricName === 'EksClusterCoverageHealthy');
    expect(perCluster.map((point) => [point.Value, point.Dimensions])).toEqual([
      [
        1,
        [
          { Name: 'Region', Value: REGION },
          { Name: 'AccountId', Value: ACCOUNT },
          { Name: 'ClusterName', Value: 'ok' },
        ],
      ],
      [
        0,
        [
          { Name: 'Region', Value: REGION },
          { Name: 'AccountId', Value: ACCOUNT },
          { Name: 'ClusterName', Value: 'payments-prod' },
        ],
      ],
    ]);
    expect(metric('EksClusterNodesCoveredRatio')).toEqual([1, 0.25]);
  });

  it('reads coverage as unknown, not unhealthy, where the endpoint has no coverage API; the sweep goes on', async () => {
    // Prepare: what moto answers.
    const notFound = Object.assign(new SyntaxError("Unexpected token '<'"), {
      $metadata: { httpStatusCode: 404 },
    });
    aws.guardDuty
      .on(ListCoverageCommand)
      .rejects(notFound)
      .on(GetCoverageStatisticsCommand)
      .rejects(notFound);

    // Act
    const result = await sweep();

    // Assess
    expect(result).toMatchObject({
      reports: [{ outcome: 'compliant' }],
      coverage: { outcome: 'ignored', reason: expect.stringMatching(/^coverage unknown: .*ListCoverage/) },
    });
    expect(metric('EksClustersUnhealthy')).toEqual([]);
    expect(metric('EksRuntimeMonitoringCompliant')).toEqual([1]);
  });

  it('fails the sweep when ListCoverage is denied, after the detector part has done its work', async () => {
    // Prepare
    aws.guardDuty.on(ListCoverageCommand).rejects(awsFault('guardduty', 'access denied'));

    // Act + Assess
    await expect(sweep()).rejects.toThrow(/ListCoverage failed/);
    expect(metric('EksRuntimeMonitoringCompliant')).toEqual([1]);
  });

  it('still reports from the listing when GetCoverageStatistics fails, and says when the listing came back short', async () => {
    // Prepare
    coverageOf([cluster('payments-prod', { status: 'UNHEALTHY', issue: CONFLICT })]);
    aws.guardDuty
      .on(GetCoverageStatisticsCommand)
      .rejectsOnce(awsFault('guardduty', 'throttling'))
      .resolves({
        CoverageStatistics: { CountByCoverageStatus: { HEALTHY: 5, UNHEALTHY: 1 } },
      });

    // Act
    await sweep();
    coverageOf([
      cluster('payments-prod', { status: 'UNHEALTHY', issue: PROVISIONING }),
      cluster('new', { status: 'UNHEALTHY' }),
    ]);
    aws.guardDuty.on(GetCoverageStatisticsCommand).resolves({
      CoverageStatistics: { CountByCoverageStatus: { HEALTHY: 5, UNHEALTHY: 2 } },
    });
    await sweep();

    // Assess
    expect(coveragePages()).toHaveLength(2);
    expect(structuredAlertOf(coveragePages()[1] ?? {})).toMatchObject({
      listingShortfall:
        'GuardDuty counts 2 unhealthy and 5 healthy EKS cluster(s), ListCoverage returned 2 and 0',
      clusters: [{ clusterName: 'new' }],
    });
  });

  it('sends the digest a failed Publish kept exactly once, and the next sweep knows what it reported', async () => {
    // Prepare
    coverageOf([cluster('payments-prod', { status: 'UNHEALTHY', issue: CONFLICT })]);
    aws.sns
      .on(PublishCommand)
      .rejectsOnce(awsFault('sns', 'server error (500)'))
      .resolves({ MessageId: 'digest' });
    const event = sweepEvent(REGION, 'coverage-sweep-retried');

    // Act
    await expect(responder.invoke(event)).rejects.toThrow(/could not be published/);
    const retry = await responder.invoke(event);
    const next = await sweep();

    // Assess
    expect(retry).toMatchObject({ coverage: { outcome: 'coverage-unhealthy', messageId: 'digest' } });
    expect(next).toMatchObject({ coverage: { outcome: 'ignored' } });
    const calls = aws.sns.commandCalls(PublishCommand).map((call) => call.args[0].input.Message);
    expect(calls).toHaveLength(2);
    expect(calls[1]).toBe(calls[0]);
    expect(table.claimOf(`coverage#${ACCOUNT}#${REGION}#payments-prod`)?.status?.S).toBe('COMPLETED');
  });
});
