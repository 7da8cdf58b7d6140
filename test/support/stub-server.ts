/**
 * A loopback stub of the four AWS services the responder calls, answering the real SDK v3 clients over HTTP in their
 * own wire protocols (test/support/stub-protocols.ts): GuardDuty (detectors and the delegated administrator's
 * organization calls), SNS Publish, CloudWatch PutMetricData and DynamoDB on the state table. The state lives in the
 * shared test doubles (test/support/fakes/). Every answer waits a configurable latency from the request's arrival;
 * an optional request-rate limit (a token bucket per operation or per service) answers what is over it the way AWS
 * does, HTTP 400 with the service's throttling error, which the SDK retries.
 *
 * It listens on 127.0.0.1 only and stops itself after `maxLifetimeMs`. Point a client at it with `endpoint` (or
 * AWS_ENDPOINT_URL) and any credentials: the service and Region are read from the SigV4 credential scope, the
 * signature is not checked. In another process (bench/), drive it through its admin routes under `/__stub/`
 * (test/support/stub-client.ts).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import * as guardDutyModel from '@aws-sdk/client-guardduty';
import { type DetectorOptions, FakeDetectors } from './fakes/guardduty.js';
import { ADMIN_DETECTOR, FakeOrganization, type OrganizationScale } from './fakes/organization.js';
import { ConditionalCheckFailed, type Item, StateTable } from './fakes/state-table.js';
import {
  awsJsonError,
  awsJsonResponse,
  awsQueryError,
  credentialScope,
  fromRestJson,
  operationSchemas,
  restJsonError,
  restJsonResponse,
  type Service,
  StubError,
  snsPublishResponse,
  snsSubscriptionsResponse,
  targetOperation,
  throttlingError,
  type WireResponse,
} from './stub-protocols.js';

export interface RateLimit {
  /** Requests a second the bucket refills with. */
  readonly perSecond: number;
  /** Requests it holds when full (default: one second's worth). */
  readonly burst?: number;
  /** One bucket per API operation (AWS's per-API limits, the default) or per service. */
  readonly scope?: 'operation' | 'service';
  /** Only these services are limited (default: all). */
  readonly services?: readonly Service[];
}

export interface StubSettings {
  /** Every answer is sent this long after its request arrived. */
  readonly latencyMs: number;
  readonly rateLimit?: RateLimit | undefined;
  /** What DynamoDB throttles with: provisioned tables say ProvisionedThroughputExceededException. */
  readonly dynamoDbThrottle?: 'ProvisionedThroughputExceededException' | 'ThrottlingException';
}

export interface StubOptions extends Partial<StubSettings> {
  /** The server closes itself after this long, whatever happens (default 15 minutes). */
  readonly maxLifetimeMs?: number;
}

export interface StubCall {
  readonly service: string;
  readonly operation: string;
  readonly region: string;
  /** ms since the server started. */
  readonly receivedAt: number;
  readonly status: number;
  readonly throttled: boolean;
}

export interface WorldSpec {
  readonly detectors?: readonly ({ readonly region: string } & DetectorOptions)[];
  /** A delegated administrator: its detector (ADMIN_DETECTOR) in `region`, and its organization. */
  readonly organization?: { readonly region: string; readonly scale?: OrganizationScale };
}

export interface PublishedAlert {
  readonly subject: string;
  /** UTF-8 bytes of the message (`MessageStructure: json`: every protocol's rendering). */
  readonly bytes: number;
  readonly message: string;
}

/** What the stub's services hold; replaced as a whole by reset(). */
export class StubWorld {
  readonly detectors = new FakeDetectors();
  readonly table = new StateTable();
  readonly published: PublishedAlert[] = [];
  metricPoints = 0;
  readonly organization: FakeOrganization | undefined;
  readonly detectorIds: string[];

  constructor(spec: WorldSpec = {}) {
    this.detectorIds = (spec.detectors ?? []).map(({ region, ...options }) =>
      this.detectors.add(region, options),
    );
    if (spec.organization) {
      this.detectors.add(spec.organization.region, { id: ADMIN_DETECTOR });
      this.organization = new FakeOrganization(
        undefined,
        spec.organization.scale ? { scale: spec.organization.scale } : {},
      );
    }
  }
}

interface Snapshot {
  readonly detectors: ReturnType<FakeDetectors['snapshot']>;
  readonly items: Item[];
}

export interface StubServer {
  readonly endpoint: string;
  readonly world: StubWorld;
  readonly calls: readonly StubCall[];
  settings: StubSettings;
  reset(spec?: WorldSpec): StubWorld;
  /** The calls since the last take, oldest first. */
  takeCalls(): StubCall[];
  stop(): Promise<void>;
}

const MEMBER_PATH =
  /^\/detector\/([^/]+)(\/member(?:\/detector\/(?:get|update)|\/get|\/start)?|\/admin|\/coverage(?:\/statistics)?)?$/;

export async function startStubServer(options: StubOptions = {}): Promise<StubServer> {
  const started = performance.now();
  let world = new StubWorld();
  let calls: StubCall[] = [];
  let snapshot: Snapshot | undefined;
  let requests = 0;
  const buckets = new Map<string, { tokens: number; at: number }>();
  const stub: StubServer = {
    endpoint: '',
    get world() {
      return world;
    },
    get calls() {
      return calls;
    },
    settings: {
      latencyMs: options.latencyMs ?? 0,
      rateLimit: options.rateLimit,
      dynamoDbThrottle: options.dynamoDbThrottle ?? 'ProvisionedThroughputExceededException',
    },
    reset(spec = {}) {
      world = new StubWorld(spec);
      calls = [];
      buckets.clear();
      snapshot = undefined;
      return world;
    },
    takeCalls() {
      const taken = calls;
      calls = [];
      return taken;
    },
    stop: () => stop(),
  };

  /** Takes a token, or says the request is over the limit. */
  const overLimit = (service: Service, operation: string): boolean => {
    const limit = stub.settings.rateLimit;
    if (!limit || (limit.services && !limit.services.includes(service))) return false;
    const key = limit.scope === 'service' ? service : `${service}:${operation}`;
    const burst = limit.burst ?? limit.perSecond;
    const now = performance.now();
    const bucket = buckets.get(key) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) * limit.perSecond) / 1000);
    bucket.at = now;
    buckets.set(key, bucket);
    if (bucket.tokens < 1) return true;
    bucket.tokens -= 1;
    return false;
  };

  /** The GuardDuty operation a REST request stands for, and what answers it (in the SDK's shapes). */
  const guardDuty = (region: string, method: string, url: URL, body: unknown): [string, () => unknown] => {
    const operation = guardDutyOperation(method, url.pathname);
    const { input: inputSchema } = operationSchemas(Reflect.get(guardDutyModel, `${operation}$`));
    const detectorId = decodeURIComponent(MEMBER_PATH.exec(url.pathname)?.[1] ?? '');
    const query = url.searchParams;
    // The request's members in the SDK's shape, with the path's detector id and the query's paging.
    const input = {
      ...(fromRestJson(body, inputSchema as never) as object),
      DetectorId: detectorId,
      MaxResults: query.has('maxResults') ? Number(query.get('maxResults')) : undefined,
      NextToken: query.get('nextToken') ?? undefined,
    } as never;
    const organization = () => {
      if (world.organization === undefined)
        throw new StubError(
          'BadRequestException',
          'The request failed because the account is not an administrator.',
        );
      return world.organization;
    };
    switch (operation) {
      case 'ListDetectors':
        return [operation, () => world.detectors.listDetectors(region)];
      case 'GetDetector':
        return [operation, () => world.detectors.getDetector(region, detectorId)];
      case 'UpdateDetector':
        return [operation, () => world.detectors.updateDetector(region, input)];
      case 'ListMembers':
        return [operation, () => organization().listMembers(input)];
      case 'GetMemberDetectors':
        return [operation, () => organization().getMemberDetectors(input)];
      case 'UpdateMemberDetectors':
        return [operation, () => organization().updateMemberDetectors(input)];
      case 'DescribeOrganizationConfiguration':
        return [operation, () => organization().describeConfiguration(input)];
      case 'UpdateOrganizationConfiguration':
        return [operation, () => organization().updateConfiguration(input)];
      case 'GetOrganizationStatistics':
        return [operation, () => organization().statistics()];
      case 'GetMembers':
        return [operation, () => organization().getMembers(input)];
      case 'StartMonitoringMembers':
        return [operation, () => organization().startMonitoringMembers(input)];
      case 'CreateMembers':
        return [operation, () => organization().createMembers(input)];
      // No EKS cluster in the stub's world: the sweep's coverage part reads an empty listing.
      case 'ListCoverage':
        return [operation, () => ({ Resources: [] })];
      case 'GetCoverageStatistics':
        return [operation, () => ({ CoverageStatistics: { CountByCoverageStatus: {} } })];
      default:
        return [operation, () => unsupported(`GuardDuty ${operation}`)];
    }
  };

  const dynamoDb = (operation: string, body: unknown): (() => unknown) => {
    const input = (body ?? {}) as never;
    switch (operation) {
      case 'UpdateItem':
        return () => world.table.updateItem(input);
      case 'PutItem':
        return () => world.table.putItem(input);
      case 'BatchWriteItem':
        return () => world.table.batchWriteItem(input);
      case 'Query':
        return () => world.table.query(input);
      default:
        return () => unsupported(`DynamoDB ${operation}`);
    }
  };

  const answer = (
    service: Service,
    region: string,
    request: IncomingMessage,
    url: URL,
    raw: string,
  ): { operation: string; respond: (error?: StubError) => WireResponse } => {
    const requestId = `stub-${++requests}`;
    const json = () => (raw === '' ? {} : (JSON.parse(raw) as unknown));
    switch (service) {
      case 'guardduty': {
        const [operation, run] = guardDuty(region, request.method ?? 'GET', url, json());
        const { output } = operationSchemas(Reflect.get(guardDutyModel, `${operation}$`));
        return {
          operation,
          respond: (throttle) =>
            throttle
              ? restJsonError(throttle)
              : guarded(() => restJsonResponse(run() ?? {}, output as never), restJsonError),
        };
      }
      case 'dynamodb': {
        const operation = targetOperation(header(request, 'x-amz-target'));
        const run = dynamoDb(operation, json());
        const error = (failure: StubError) => awsJsonError('dynamodb', failure);
        return {
          operation,
          respond: (throttle) => (throttle ? error(throttle) : guarded(() => awsJsonResponse(run()), error)),
        };
      }
      case 'monitoring': {
        const operation = targetOperation(header(request, 'x-amz-target'));
        const error = (failure: StubError) => awsJsonError('monitoring', failure);
        return {
          operation,
          respond: (throttle) =>
            throttle
              ? error(throttle)
              : guarded(() => {
                  if (operation !== 'PutMetricData') unsupported(`CloudWatch ${operation}`);
                  const data = (json() as { MetricData?: unknown[] }).MetricData ?? [];
                  world.metricPoints += data.length;
                  return awsJsonResponse({});
                }, error),
        };
      }
      case 'sns': {
        const form = new URLSearchParams(raw);
        const operation = form.get('Action') ?? '';
        const error = (failure: StubError) => awsQueryError(failure, requestId);
        return {
          operation,
          respond: (throttle) =>
            throttle
              ? error(throttle)
              : guarded(() => {
                  if (operation === 'ListSubscriptionsByTopic') {
                    return snsSubscriptionsResponse(form.get('TopicArn') ?? '', requestId);
                  }
                  if (operation !== 'Publish') unsupported(`SNS ${operation}`);
                  const message = form.get('Message') ?? '';
                  world.published.push({
                    subject: form.get('Subject') ?? '',
                    bytes: Buffer.byteLength(message),
                    message,
                  });
                  return snsPublishResponse(`stub-message-${world.published.length}`, requestId);
                }, error),
        };
      }
    }
  };

  const admin = (path: string, raw: string): unknown => {
    const body = raw === '' ? {} : (JSON.parse(raw) as Record<string, unknown>);
    switch (path) {
      case '/__stub/settings':
        stub.settings = { ...stub.settings, ...(body as Partial<StubSettings>) };
        buckets.clear();
        return stub.settings;
      case '/__stub/reset': {
        const fresh = stub.reset(body as WorldSpec);
        return {
          detectorIds: fresh.detectorIds,
          adminDetectorId: fresh.organization ? ADMIN_DETECTOR : undefined,
        };
      }
      case '/__stub/detectors': {
        const { region, ...detector } = body as unknown as { region: string } & DetectorOptions;
        return { id: world.detectors.add(region, detector) };
      }
      case '/__stub/detectors/remove':
        world.detectors.remove(String(body.id));
        return {};
      case '/__stub/calls/take':
        return { calls: stub.takeCalls() };
      case '/__stub/state':
        return {
          driftedMembers: world.organization?.driftedCount(),
          published: world.published.map(({ subject, bytes }) => ({ subject, bytes })),
          metricPoints: world.metricPoints,
          items: world.table.items.size,
        };
      case '/__stub/snapshot':
        snapshot = { detectors: world.detectors.snapshot(), items: world.table.snapshot() };
        return {};
      case '/__stub/restore':
        if (snapshot) {
          world.detectors.restore(snapshot.detectors);
          world.table.restore(snapshot.items);
        }
        return {};
      case '/__stub/stop':
        setImmediate(() => void stop());
        return {};
      default:
        throw new StubError('NotFound', `no admin route ${path}`, 404);
    }
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const arrived = performance.now();
    const raw = await readBody(request);
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (url.pathname.startsWith('/__stub/')) {
      let status = 200;
      let payload: unknown;
      try {
        payload = admin(url.pathname, raw);
      } catch (error) {
        status = error instanceof StubError ? error.status : 500;
        payload = { error: error instanceof Error ? error.message : String(error) };
      }
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
      return;
    }
    const scope = credentialScope(header(request, 'authorization'));
    const service = scope?.service;
    if (
      !scope ||
      (service !== 'guardduty' && service !== 'sns' && service !== 'monitoring' && service !== 'dynamodb')
    ) {
      response
        .writeHead(400, { 'content-type': 'text/plain' })
        .end(`unsigned or unknown service: ${service}`);
      return;
    }
    const { operation, respond } = answer(service, scope.region, request, url, raw);
    const throttled = overLimit(service, operation);
    const wire = respond(
      throttled
        ? throttlingError(service, stub.settings.dynamoDbThrottle ?? 'ThrottlingException')
        : undefined,
    );
    calls.push({
      service,
      operation,
      region: scope.region,
      receivedAt: arrived - started,
      status: wire.status,
      throttled,
    });
    const wait = arrived + stub.settings.latencyMs - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    response
      .writeHead(wire.status, {
        ...wire.headers,
        'x-amzn-requestid': `stub-${requests}`,
        'content-length': String(Buffer.byteLength(wire.body)),
      })
      .end(wire.body);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(error instanceof Error ? error.message : String(error));
    });
  });
  server.keepAliveTimeout = 60_000;
  const lifetime = setTimeout(() => void stop(), options.maxLifetimeMs ?? 15 * 60_000);
  lifetime.unref();
  let stopping: Promise<void> | undefined;
  function stop(): Promise<void> {
    stopping ??= new Promise<void>((resolve) => {
      clearTimeout(lifetime);
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return stopping;
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  Object.assign(stub, { endpoint: `http://127.0.0.1:${port}` });
  return stub;
}

/** The GuardDuty operation a REST request stands for (the `http` traits of the model). */
function guardDutyOperation(method: string, path: string): string {
  if (path === '/detector') return method === 'GET' ? 'ListDetectors' : 'CreateDetector';
  // The one GuardDuty call of the sweep that names no detector.
  if (path === '/organization/statistics' && method === 'GET') return 'GetOrganizationStatistics';
  const match = MEMBER_PATH.exec(path);
  // A path the stub does not know is an unknown operation, never an UpdateDetector of detector "".
  if (match === null) return `${method} ${path}`;
  const route = match[2] ?? '';
  const table: Record<string, string> = {
    'GET ': 'GetDetector',
    'POST ': 'UpdateDetector',
    'GET /member': 'ListMembers',
    'POST /member/detector/get': 'GetMemberDetectors',
    'POST /member/detector/update': 'UpdateMemberDetectors',
    'POST /member': 'CreateMembers',
    'POST /member/get': 'GetMembers',
    'POST /member/start': 'StartMonitoringMembers',
    'GET /admin': 'DescribeOrganizationConfiguration',
    'POST /admin': 'UpdateOrganizationConfiguration',
    'POST /coverage': 'ListCoverage',
    'POST /coverage/statistics': 'GetCoverageStatistics',
  };
  return table[`${method} ${route}`] ?? `${method} ${path}`;
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  // PutMetricData bodies over 10 KiB are gzipped by the SDK (request compression) unless it is turned off.
  return (header(request, 'content-encoding') === 'gzip' ? gunzipSync(body) : body).toString('utf8');
}

function unsupported(what: string): never {
  throw new StubError('UnknownOperationException', `the stub does not serve ${what}`);
}

/** Runs a handler of the fakes; whatever it throws becomes the AWS error it stands for. */
function guarded(run: () => WireResponse, error: (failure: StubError) => WireResponse): WireResponse {
  try {
    return run();
  } catch (caught) {
    return error(toStubError(caught));
  }
}

function toStubError(caught: unknown): StubError {
  if (caught instanceof StubError) return caught;
  if (caught instanceof ConditionalCheckFailed) {
    return new StubError(caught.name, caught.message, 400, caught.item ? { Item: caught.item } : {});
  }
  if (caught instanceof Error) {
    const status = (caught as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    const type = (caught as { type?: string }).type;
    return new StubError(caught.name, caught.message, status ?? 400, type ? { __type: type } : {});
  }
  return new StubError('InternalServerErrorException', String(caught), 500);
}
