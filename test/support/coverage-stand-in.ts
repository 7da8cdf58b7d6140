import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback stand-in for GuardDuty's coverage API, which moto 5.2.1 does not implement (its docs mark
 * `list_coverage` and `get_coverage_statistics` unimplemented). It answers `ListCoverage`
 * (`POST /detector/{detectorId}/coverage`) and `GetCoverageStatistics` (`POST /detector/{detectorId}/coverage/statistics`)
 * on the wire exactly as the GuardDuty API Reference documents them (restJson1: camelCase members, `updatedAt` in
 * epoch seconds, `nextToken` paging, `maxResults` 1–50, `filterCriteria.filterCriterion[]` with `equals`), so the real
 * SDK client deserialises them; every other request is forwarded untouched to `upstream` (moto_server), or answered
 * 404 when there is none. It listens on 127.0.0.1 only and records the coverage requests it answered.
 *
 * Sources: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_ListCoverage.html (request and response
 * syntax), API_GetCoverageStatistics.html, API_CoverageResource.html, API_CoverageEksClusterDetails.html.
 */

/** One resource as the ListCoverage response carries it on the wire (API Reference, CoverageResource). */
export interface WireCoverageResource {
  readonly resourceId: string;
  readonly detectorId: string;
  readonly accountId: string;
  readonly coverageStatus: 'HEALTHY' | 'UNHEALTHY';
  readonly issue?: string;
  /** Epoch seconds (restJson1's default timestamp format). */
  readonly updatedAt: number;
  readonly resourceDetails: {
    readonly resourceType: 'EKS' | 'ECS' | 'EC2';
    readonly eksClusterDetails?: {
      readonly clusterName: string;
      readonly coveredNodes: number;
      readonly compatibleNodes: number;
      readonly addonDetails?: { readonly addonVersion: string; readonly addonStatus: string };
      readonly managementType: 'AUTO_MANAGED' | 'MANUAL' | 'DISABLED';
    };
    readonly ecsClusterDetails?: { readonly clusterName: string };
  };
}

export interface CoverageRequest {
  readonly operation: 'ListCoverage' | 'GetCoverageStatistics';
  readonly detectorId: string;
  readonly body: Record<string, unknown>;
}

export interface CoverageStandIn {
  readonly endpoint: string;
  readonly requests: CoverageRequest[];
  /** What ListCoverage lists from now on (every detector id gets the same resources). */
  setResources(resources: readonly WireCoverageResource[]): void;
  close(): Promise<void>;
}

/** A wire EKS resource with the given name, status and issue; the rest as an auto-managed cluster of 3 nodes. */
export function eksResource(
  clusterName: string,
  options: Partial<{
    accountId: string;
    detectorId: string;
    coverageStatus: 'HEALTHY' | 'UNHEALTHY';
    issue: string;
    coveredNodes: number;
    compatibleNodes: number;
    managementType: 'AUTO_MANAGED' | 'MANUAL' | 'DISABLED';
    addonVersion: string;
    addonStatus: string;
    updatedAt: number;
  }> = {},
): WireCoverageResource {
  const healthy = (options.coverageStatus ?? 'HEALTHY') === 'HEALTHY';
  return {
    resourceId: clusterName,
    detectorId: options.detectorId ?? '0ab12cd34ef56ab78cd90ef12ab34cd5',
    accountId: options.accountId ?? '123456789012',
    coverageStatus: options.coverageStatus ?? 'HEALTHY',
    ...(options.issue ? { issue: options.issue } : {}),
    updatedAt: options.updatedAt ?? Math.floor(Date.now() / 1000),
    resourceDetails: {
      resourceType: 'EKS',
      eksClusterDetails: {
        clusterName,
        coveredNodes: options.coveredNodes ?? (healthy ? 3 : 0),
        compatibleNodes: options.compatibleNodes ?? 3,
        addonDetails: {
          addonVersion: options.addonVersion ?? 'v1.12.1-eksbuild.2',
          addonStatus: options.addonStatus ?? (healthy ? 'ACTIVE' : 'DEGRADED'),
        },
        managementType: options.managementType ?? 'AUTO_MANAGED',
      },
    },
  };
}

const COVERAGE_PATH = /^\/detector\/([^/]+)\/coverage(\/statistics)?$/;

export async function startCoverageStandIn(options: { upstream?: string } = {}): Promise<CoverageStandIn> {
  let resources: readonly WireCoverageResource[] = [];
  const requests: CoverageRequest[] = [];

  const answer = (response: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    response
      .writeHead(status, {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(text)),
        'x-amzn-requestid': `stand-in-${requests.length}`,
        ...(status >= 400
          ? { 'x-amzn-errortype': (body as { __type?: string }).__type ?? 'BadRequestException' }
          : {}),
      })
      .end(text);
  };

  const coverage = (match: RegExpExecArray, raw: string, response: ServerResponse) => {
    const detectorId = decodeURIComponent(match[1] ?? '');
    const body = (raw === '' ? {} : JSON.parse(raw)) as Record<string, unknown>;
    const criteria = ((body.filterCriteria as { filterCriterion?: unknown[] } | undefined)?.filterCriterion ??
      []) as { criterionKey?: string; filterCondition?: { equals?: string[] } }[];
    const types = criteria.find((criterion) => criterion.criterionKey === 'RESOURCE_TYPE')?.filterCondition
      ?.equals;
    const matching = resources.filter(
      (resource) => types === undefined || types.includes(resource.resourceDetails.resourceType),
    );
    if (match[2]) {
      requests.push({ operation: 'GetCoverageStatistics', detectorId, body });
      const count = (status: string) =>
        matching.filter((resource) => resource.coverageStatus === status).length;
      answer(response, 200, {
        coverageStatistics: {
          countByCoverageStatus: { HEALTHY: count('HEALTHY'), UNHEALTHY: count('UNHEALTHY') },
        },
      });
      return;
    }
    requests.push({ operation: 'ListCoverage', detectorId, body });
    const maxResults = typeof body.maxResults === 'number' ? body.maxResults : 50;
    if (maxResults < 1 || maxResults > 50) {
      answer(response, 400, {
        __type: 'BadRequestException',
        message: 'maxResults must be between 1 and 50',
      });
      return;
    }
    const start = typeof body.nextToken === 'string' ? Number(body.nextToken) : 0;
    const page = matching.slice(start, start + maxResults);
    const next = start + maxResults < matching.length ? String(start + maxResults) : undefined;
    answer(response, 200, { resources: page, ...(next ? { nextToken: next } : {}) });
  };

  const forward = (request: IncomingMessage, raw: Buffer, response: ServerResponse) => {
    if (options.upstream === undefined) {
      answer(response, 404, {
        __type: 'NotFound',
        message: `the stand-in serves coverage only (${request.url})`,
      });
      return;
    }
    const target = new URL(request.url ?? '/', options.upstream);
    const upstream = httpRequest(
      target,
      { method: request.method, headers: { ...request.headers, host: target.host } },
      (reply) => {
        response.writeHead(reply.statusCode ?? 502, reply.headers);
        reply.pipe(response);
      },
    );
    upstream.on('error', (error) => {
      if (!response.headersSent) response.writeHead(502, { 'content-type': 'text/plain' });
      response.end(error.message);
    });
    upstream.end(raw);
  };

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks);
      const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
      const match = request.method === 'POST' ? COVERAGE_PATH.exec(path) : null;
      try {
        if (match) coverage(match, raw.toString('utf8'), response);
        else forward(request, raw, response);
      } catch (error) {
        answer(response, 500, { __type: 'InternalServerErrorException', message: String(error) });
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    setResources(next) {
      resources = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
