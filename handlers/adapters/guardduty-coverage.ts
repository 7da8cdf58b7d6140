import {
  type CoverageFilterCriteria,
  type CoverageResource,
  GetCoverageStatisticsCommand,
  type GuardDutyClient,
  ListCoverageCommand,
} from '@aws-sdk/client-guardduty';
import { type ClusterCoverage, CoverageUnavailableError, EKS_RESOURCE_TYPE } from '../core/coverage.js';
import type { CoveragePort } from '../ports.js';

/** ListCoverage takes at most 50 per page (the `MaxResults` shape of the API model: 1–50). */
export const COVERAGE_PAGE_SIZE = 50;

/** Only EKS clusters: ECS and EC2 coverage are not this responder's business. */
const EKS_ONLY: CoverageFilterCriteria = {
  FilterCriterion: [{ CriterionKey: 'RESOURCE_TYPE', FilterCondition: { Equals: [EKS_RESOURCE_TYPE] } }],
};

/**
 * One CoverageResource (API Reference: CoverageResource, CoverageResourceDetails, CoverageEksClusterDetails,
 * AddonDetails) as a ClusterCoverage; undefined for a resource that is not an EKS cluster.
 */
export function toClusterCoverage(resource: CoverageResource): ClusterCoverage | undefined {
  const details = resource.ResourceDetails;
  const eks = details?.EksClusterDetails;
  if (eks === undefined || (details?.ResourceType ?? EKS_RESOURCE_TYPE) !== EKS_RESOURCE_TYPE)
    return undefined;
  return {
    accountId: resource.AccountId ?? 'unknown',
    clusterName: eks.ClusterName ?? resource.ResourceId ?? 'unknown',
    coverageStatus: resource.CoverageStatus,
    issue: resource.Issue,
    coveredNodes: eks.CoveredNodes,
    compatibleNodes: eks.CompatibleNodes,
    addonVersion: eks.AddonDetails?.AddonVersion,
    addonStatus: eks.AddonDetails?.AddonStatus,
    managementType: eks.ManagementType,
    detectorId: resource.DetectorId,
    updatedAt: resource.UpdatedAt,
  };
}

/**
 * Whether the endpoint lacks the operation: a 404 (moto 5.2.1 answers its HTML "Not Found" page, which the SDK reports
 * as a SyntaxError carrying `$metadata.httpStatusCode` 404) or an unknown-operation error. GuardDuty itself answers a
 * missing detector with 400 BadRequestException, which stays an error.
 */
export function isOperationUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return (
    status === 404 || /^(UnknownOperation|UnsupportedOperation|InvalidAction)(Exception)?$/.test(error.name)
  );
}

async function orUnavailable<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isOperationUnavailable(error)) {
      throw new CoverageUnavailableError(`the GuardDuty endpoint does not serve ${operation}`, {
        cause: error,
      });
    }
    throw error;
  }
}

export function guardDutyCoverageAdapter(client: GuardDutyClient): CoveragePort {
  return {
    listClusters: (detectorId) => orUnavailable('ListCoverage', () => listAll(client, detectorId)),
    statistics: (detectorId) =>
      orUnavailable('GetCoverageStatistics', async () => {
        const output = await client.send(
          new GetCoverageStatisticsCommand({
            DetectorId: detectorId,
            StatisticsType: ['COUNT_BY_COVERAGE_STATUS'],
            FilterCriteria: EKS_ONLY,
          }),
        );
        // `?.`: a stubbed client (a test double that was not told about coverage) answers with nothing at all.
        const counts = output?.CoverageStatistics?.CountByCoverageStatus ?? {};
        return { healthy: counts.HEALTHY ?? 0, unhealthy: counts.UNHEALTHY ?? 0 };
      }),
  };
}

/** Every page of ListCoverage for the EKS clusters, 50 a page, until GuardDuty returns no token. */
async function listAll(client: GuardDutyClient, detectorId: string): Promise<ClusterCoverage[]> {
  const clusters: ClusterCoverage[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new ListCoverageCommand({
        DetectorId: detectorId,
        FilterCriteria: EKS_ONLY,
        MaxResults: COVERAGE_PAGE_SIZE,
        NextToken: nextToken,
      }),
    );
    // `?.`: a stubbed client (a test double that was not told about coverage) answers with nothing at all.
    for (const resource of page?.Resources ?? []) {
      const cluster = toClusterCoverage(resource);
      if (cluster) clusters.push(cluster);
    }
    // An empty token is the end, as much as a missing one.
    nextToken = page?.NextToken || undefined;
  } while (nextToken);
  return clusters;
}
