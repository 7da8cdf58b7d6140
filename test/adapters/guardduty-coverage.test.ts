/*
 * The coverage adapter against the documented shapes. The SDK-shaped responses (PascalCase) follow the GuardDuty API
 * model (botocore `guardduty/2017-11-28/service-2.json` shapes ListCoverageResponse, CoverageResource,
 * CoverageResourceDetails, CoverageEksClusterDetails, AddonDetails, GetCoverageStatisticsResponse, as typed in
 * node_modules/@aws-sdk/client-guardduty 3.1169.0 models_0/models_1); the wire tests send the API Reference's response
 * syntax (camelCase, epoch-second timestamps) through the real SDK client and a loopback stand-in.
 */
import {
  type CoverageResource,
  GetCoverageStatisticsCommand,
  GuardDutyClient,
  ListCoverageCommand,
} from '@aws-sdk/client-guardduty';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  COVERAGE_PAGE_SIZE,
  guardDutyCoverageAdapter,
  isOperationUnavailable,
  toClusterCoverage,
} from '../../handlers/adapters/guardduty-coverage.js';
import { CoverageUnavailableError } from '../../handlers/core/coverage.js';
import { awsFault } from '../support/aws-mocks.js';
import { type CoverageStandIn, eksResource, startCoverageStandIn } from '../support/coverage-stand-in.js';

const DETECTOR = '0ab12cd34ef56ab78cd90ef12ab34cd5';
const EKS_ONLY = {
  FilterCriterion: [{ CriterionKey: 'RESOURCE_TYPE', FilterCondition: { Equals: ['EKS'] } }],
};

function resource(index: number, overrides: Partial<CoverageResource> = {}): CoverageResource {
  return {
    ResourceId: `cluster-${index}`,
    DetectorId: DETECTOR,
    AccountId: '123456789012',
    CoverageStatus: index % 10 === 0 ? 'UNHEALTHY' : 'HEALTHY',
    ...(index % 10 === 0 ? { Issue: 'Addon Update Failed:EKS Addon issue - ConfigurationConflict: x' } : {}),
    UpdatedAt: new Date('2026-11-20T10:00:00Z'),
    ResourceDetails: {
      ResourceType: 'EKS',
      EksClusterDetails: {
        ClusterName: `cluster-${index}`,
        CoveredNodes: index % 10 === 0 ? 0 : 4,
        CompatibleNodes: 4,
        AddonDetails: { AddonVersion: 'v1.12.1-eksbuild.2', AddonStatus: 'ACTIVE' },
        ManagementType: 'AUTO_MANAGED',
      },
    },
    ...overrides,
  };
}

describe('Adapter: ListCoverage and GetCoverageStatistics (aws-sdk-client-mock)', () => {
  const guardDuty = mockClient(GuardDutyClient);
  const adapter = guardDutyCoverageAdapter(new GuardDutyClient({ region: 'eu-west-1' }));
  beforeEach(() => guardDuty.reset());
  afterAll(() => guardDuty.restore());

  it('reads every page, 50 at a time, EKS only, until GuardDuty returns no token', async () => {
    // Prepare: 107 clusters over three pages.
    const all = Array.from({ length: 107 }, (_, index) => resource(index));
    guardDuty
      .on(ListCoverageCommand, { NextToken: undefined })
      .resolves({ Resources: all.slice(0, 50), NextToken: 'page-2' })
      .on(ListCoverageCommand, { NextToken: 'page-2' })
      .resolves({ Resources: all.slice(50, 100), NextToken: 'page-3' })
      .on(ListCoverageCommand, { NextToken: 'page-3' })
      .resolves({ Resources: all.slice(100) });

    // Act
    const clusters = await adapter.listClusters(DETECTOR);

    // Assess
    expect(clusters).toHaveLength(107);
    expect(clusters.filter((cluster) => cluster.coverageStatus === 'UNHEALTHY')).toHaveLength(11);
    const calls = guardDuty.commandCalls(ListCoverageCommand).map((call) => call.args[0].input);
    expect(calls).toEqual([
      {
        DetectorId: DETECTOR,
        FilterCriteria: EKS_ONLY,
        MaxResults: COVERAGE_PAGE_SIZE,
        NextToken: undefined,
      },
      { DetectorId: DETECTOR, FilterCriteria: EKS_ONLY, MaxResults: 50, NextToken: 'page-2' },
      { DetectorId: DETECTOR, FilterCriteria: EKS_ONLY, MaxResults: 50, NextToken: 'page-3' },
    ]);
    expect(clusters[0]).toEqual({
      accountId: '123456789012',
      clusterName: 'cluster-0',
      coverageStatus: 'UNHEALTHY',
      issue: 'Addon Update Failed:EKS Addon issue - ConfigurationConflict: x',
      coveredNodes: 0,
      compatibleNodes: 4,
      addonVersion: 'v1.12.1-eksbuild.2',
      addonStatus: 'ACTIVE',
      managementType: 'AUTO_MANAGED',
      detectorId: DETECTOR,
      updatedAt: new Date('2026-11-20T10:00:00Z'),
    });
  });

  it('stops at an empty token as much as at a missing one', async () => {
    guardDuty.on(ListCoverageCommand).resolves({ Resources: [resource(1)], NextToken: '' });
    expect(await adapter.listClusters(DETECTOR)).toHaveLength(1);
    expect(guardDuty.commandCalls(ListCoverageCommand)).toHaveLength(1);
  });

  it('leaves out resources that are not EKS clusters, and names a cluster by its id when the details lack a name', () => {
    expect(
      toClusterCoverage(resource(1, { ResourceDetails: { ResourceType: 'ECS', EcsClusterDetails: {} } })),
    ).toBeUndefined();
    expect(toClusterCoverage(resource(2, { ResourceDetails: { ResourceType: 'EKS' } }))).toBeUndefined();
    const unnamed = toClusterCoverage(
      resource(3, { ResourceDetails: { ResourceType: 'EKS', EksClusterDetails: { CoveredNodes: 1 } } }),
    );
    expect(unnamed).toMatchObject({ clusterName: 'cluster-3', coveredNodes: 1, compatibleNodes: undefined });
  });

  it('asks GetCoverageStatistics for the EKS count by coverage status', async () => {
    // Prepare
    guardDuty.on(GetCoverageStatisticsCommand).resolves({
      CoverageStatistics: { CountByCoverageStatus: { HEALTHY: 96, UNHEALTHY: 11 } },
    });

    // Act
    const statistics = await adapter.statistics(DETECTOR);

    // Assess
    expect(statistics).toEqual({ healthy: 96, unhealthy: 11 });
    expect(guardDuty.commandCalls(GetCoverageStatisticsCommand)[0]?.args[0].input).toEqual({
      DetectorId: DETECTOR,
      StatisticsType: ['COUNT_BY_COVERAGE_STATUS'],
      FilterCriteria: EKS_ONLY,
    });
  });

  it('says coverage is unavailable for an endpoint without the API, and keeps every other failure an error', async () => {
    // Prepare: moto answers unknown routes with an HTML 404, which the SDK reports as a SyntaxError.
    const notFound = Object.assign(new SyntaxError("Unexpected token '<'"), {
      $metadata: { httpStatusCode: 404 },
    });
    guardDuty
      .on(ListCoverageCommand)
      .rejects(notFound)
      .on(GetCoverageStatisticsCommand)
      .rejects(awsFault('guardduty', 'access denied'));

    // Act + Assess
    await expect(adapter.listClusters(DETECTOR)).rejects.toBeInstanceOf(CoverageUnavailableError);
    await expect(adapter.statistics(DETECTOR)).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect(isOperationUnavailable(Object.assign(new Error('x'), { name: 'UnknownOperationException' }))).toBe(
      true,
    );
    expect(isOperationUnavailable(awsFault('guardduty', 'throttling'))).toBe(false);
  });
});

describe('Adapter: the documented wire format through the real SDK client', () => {
  let standIn: CoverageStandIn;
  let client: GuardDutyClient;
  beforeAll(async () => {
    standIn = await startCoverageStandIn();
    client = new GuardDutyClient({
      region: 'eu-west-1',
      endpoint: standIn.endpoint,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
  });
  afterAll(() => standIn.close());

  it('deserialises camelCase resources and epoch-second timestamps, over three pages', async () => {
    // Prepare: 120 EKS clusters and one ECS cluster, which the EKS filter leaves out.
    standIn.setResources([
      ...Array.from({ length: 120 }, (_, index) =>
        eksResource(`eks-${index}`, {
          coverageStatus: index === 7 ? 'UNHEALTHY' : 'HEALTHY',
          updatedAt: 1_795_000_000,
          ...(index === 7
            ? { issue: 'EKS Runtime Monitoring enablement resource provisioning in progress' }
            : {}),
        }),
      ),
      {
        ...eksResource('ecs-1'),
        resourceDetails: { resourceType: 'ECS', ecsClusterDetails: { clusterName: 'ecs-1' } },
      },
    ]);
    standIn.requests.length = 0;

    // Act
    const clusters = await guardDutyCoverageAdapter(client).listClusters(DETECTOR);
    const statistics = await guardDutyCoverageAdapter(client).statistics(DETECTOR);

    // Assess
    expect(clusters).toHaveLength(120);
    expect(clusters[7]).toEqual({
      accountId: '123456789012',
      clusterName: 'eks-7',
      coverageStatus: 'UNHEALTHY',
      issue: 'EKS Runtime Monitoring enablement resource provisioning in progress',
      coveredNodes: 0,
      compatibleNodes: 3,
      addonVersion: 'v1.12.1-eksbuild.2',
      addonStatus: 'DEGRADED',
      managementType: 'AUTO_MANAGED',
      detectorId: DETECTOR,
      updatedAt: new Date(1_795_000_000 * 1000),
    });
    expect(statistics).toEqual({ healthy: 119, unhealthy: 1 });
    // The request bodies as the API Reference names them: camelCase, maxResults 50, the token of the previous page.
    const pages = standIn.requests.filter((request) => request.operation === 'ListCoverage');
    expect(pages.map((request) => request.body.nextToken)).toEqual([undefined, '50', '100']);
    expect(pages[0]?.body).toEqual({
      filterCriteria: {
        filterCriterion: [{ criterionKey: 'RESOURCE_TYPE', filterCondition: { equals: ['EKS'] } }],
      },
      maxResults: 50,
    });
    expect(standIn.requests.at(-1)?.body).toMatchObject({ statisticsType: ['COUNT_BY_COVERAGE_STATUS'] });
  });
});
