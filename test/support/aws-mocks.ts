import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  type AttributeValue,
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  DynamoDBClient,
  PutItemCommand,
  type PutItemCommandInput,
  QueryCommand,
  type QueryCommandInput,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import {
  BadRequestException,
  type DetectorFeatureConfigurationResult,
  type GetDetectorCommandOutput,
  GuardDutyClient,
} from '@aws-sdk/client-guardduty';
import { PublishCommand, type PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';

/**
 * aws-sdk-client-mock stubs `send` on the client classes' prototypes, so every instance is mocked, including the
 * clients the Lambda entry point builds at module scope when `loadHandler` cold-starts it.
 */
export function mockAws() {
  return {
    guardDuty: mockClient(GuardDutyClient),
    sns: mockClient(SNSClient),
    cloudWatch: mockClient(CloudWatchClient),
    dynamoDb: mockClient(DynamoDBClient),
  };
}
export type AwsMocks = ReturnType<typeof mockAws>;

export function resetAws(mocks: AwsMocks): void {
  mocks.guardDuty.reset();
  mocks.sns.reset();
  mocks.cloudWatch.reset();
  mocks.dynamoDb.reset();
}

// ---------------------------------------------------------------------------------------------------------------
// GetDetector responses, SDK-shaped (PascalCase, Dates where the SDK deserialises dates)

export type GetDetectorResponse = Omit<GetDetectorCommandOutput, '$metadata'>;
type Status = 'ENABLED' | 'DISABLED';

/** A runtime feature entry as GetDetector lists it. */
export function runtimeFeature(
  name: 'RUNTIME_MONITORING' | 'EKS_RUNTIME_MONITORING',
  status: Status,
  addon: Status,
  others: Readonly<Record<string, Status>> = {},
): DetectorFeatureConfigurationResult {
  return {
    Name: name,
    Status: status,
    AdditionalConfiguration: [
      { Name: 'EKS_ADDON_MANAGEMENT', Status: addon },
      ...Object.entries(others).map(([Name, otherStatus]) => ({
        Name: Name as 'ECS_FARGATE_AGENT_MANAGEMENT',
        Status: otherStatus,
      })),
    ],
  };
}

export function detectorResponse(
  features: readonly DetectorFeatureConfigurationResult[],
  options: { status?: Status; tags?: Record<string, string> } = {},
): GetDetectorResponse {
  return {
    Status: options.status ?? 'ENABLED',
    ServiceRole:
      'arn:aws:iam::123456789012:role/aws-service-role/guardduty.amazonaws.com/AWSServiceRoleForAmazonGuardDuty',
    FindingPublishingFrequency: 'SIX_HOURS',
    CreatedAt: '2026-01-01T00:00:00.000Z',
    UpdatedAt: '2026-11-20T09:14:03.000Z',
    Features: [
      { Name: 'CLOUD_TRAIL', Status: 'ENABLED' },
      ...features,
      { Name: 'AI_PROTECTION', Status: 'ENABLED' },
    ],
    Tags: options.tags ?? {},
  };
}

const UNIFIED_AGENTS = { ECS_FARGATE_AGENT_MANAGEMENT: 'ENABLED', EC2_AGENT_MANAGEMENT: 'DISABLED' } as const;

/** RUNTIME_MONITORING on with EKS add-on management: compliant. */
export const PROTECTED = detectorResponse([
  runtimeFeature('RUNTIME_MONITORING', 'ENABLED', 'ENABLED', UNIFIED_AGENTS),
]);
/** RUNTIME_MONITORING switched off (the other agents as the team set them). */
export const DRIFTED = detectorResponse([
  runtimeFeature('RUNTIME_MONITORING', 'DISABLED', 'DISABLED', UNIFIED_AGENTS),
]);

/**
 * Converts `aws guardduty get-detector` output (CLI JSON: PascalCase like the SDK, but timestamps as text) into
 * what the SDK resolves: feature `UpdatedAt` values become Dates; detector-level timestamps stay strings (the
 * GuardDuty model types them as strings).
 */
export function fromCliGetDetector(cli: Record<string, unknown>): GetDetectorResponse {
  const toDate = (value: unknown) => (typeof value === 'string' ? new Date(value) : value);
  const features = Array.isArray(cli.Features) ? (cli.Features as Record<string, unknown>[]) : [];
  return {
    ...cli,
    Features: features.map((feature) => ({
      ...feature,
      UpdatedAt: toDate(feature.UpdatedAt),
      ...(Array.isArray(feature.AdditionalConfiguration)
        ? {
            AdditionalConfiguration: (feature.AdditionalConfiguration as Record<string, unknown>[]).map(
              (config) => ({ ...config, UpdatedAt: toDate(config.UpdatedAt) }),
            ),
          }
        : {}),
    })),
  } as GetDetectorResponse;
}

/** What GuardDuty answers GetDetector with for a detector id that does not exist (any more). */
export function detectorNotOwned(): BadRequestException {
  const message = 'The request is rejected because the input detectorId is not owned by the current account.';
  return new BadRequestException({
    message,
    Message: message,
    Type: 'InvalidInputException',
    $metadata: { httpStatusCode: 400 },
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Faults, by the error names each service really uses (the responder matches none of them: they all propagate)

export type Service = 'guardduty' | 'sns' | 'cloudwatch' | 'dynamodb';
export type FaultKind =
  | 'throttling'
  | 'server error (500)'
  | 'access denied'
  | 'connection reset'
  | 'timeout';
export const FAULT_KINDS: readonly FaultKind[] = [
  'throttling',
  'server error (500)',
  'access denied',
  'connection reset',
  'timeout',
];

const SERVICE_ERROR_NAMES: Record<Service, Record<'throttling' | 'server' | 'denied', string>> = {
  guardduty: {
    throttling: 'ThrottlingException',
    server: 'InternalServerErrorException',
    denied: 'AccessDeniedException',
  },
  sns: {
    throttling: 'ThrottledException',
    server: 'InternalErrorException',
    denied: 'AuthorizationErrorException',
  },
  cloudwatch: { throttling: 'Throttling', server: 'InternalServiceFault', denied: 'AccessDenied' },
  dynamodb: {
    throttling: 'ThrottlingException',
    server: 'InternalServerError',
    denied: 'AccessDeniedException',
  },
};

/** The error the SDK would surface (after its own retries) for a fault of this kind on this service. */
export function awsFault(service: Service, kind: FaultKind): Error {
  const names = SERVICE_ERROR_NAMES[service];
  switch (kind) {
    case 'throttling':
      return Object.assign(new Error('Rate exceeded'), {
        name: names.throttling,
        $fault: 'client',
        $metadata: { httpStatusCode: 400, attempts: 3 },
      });
    case 'server error (500)':
      return Object.assign(new Error('Internal server error'), {
        name: names.server,
        $fault: 'server',
        $metadata: { httpStatusCode: 500, attempts: 3 },
      });
    case 'access denied':
      return Object.assign(new Error(`User is not authorized to perform this ${service} action`), {
        name: names.denied,
        $fault: 'client',
        $metadata: { httpStatusCode: 403, attempts: 1 },
      });
    case 'connection reset':
      return Object.assign(new Error('read ECONNRESET'), {
        code: 'ECONNRESET',
        errno: -104,
        syscall: 'read',
      });
    case 'timeout':
      return Object.assign(new Error('Connection timed out after 1000 ms'), { name: 'TimeoutError' });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// An in-memory state table behind the DynamoDB mock

type Item = Record<string, AttributeValue>;

/**
 * A small in-memory stand-in for the state table (`pk`/`sk`), answering the three calls the state store makes:
 * conditional PutItem (the claim: free, RETRYABLE, or IN_PROGRESS with an expired lease), plain PutItem and
 * BatchWriteItem (the settle), Query with `Select: COUNT` over a `BETWEEN` sort-key range (the circuit breaker) and Query on a
 * full key (reading a claim).
 * A fault set on an operation makes every such call reject with it.
 */
export class FakeStateTable {
  readonly items = new Map<string, Item>();
  readonly faults: Partial<Record<'claim' | 'settle' | 'query', Error>> = {};

  constructor(mocks: AwsMocks) {
    mocks.dynamoDb.on(PutItemCommand).callsFake((input: PutItemCommandInput) => this.putItem(input));
    mocks.dynamoDb.on(UpdateItemCommand).callsFake((input: UpdateItemCommandInput) => this.claim(input));
    mocks.dynamoDb
      .on(BatchWriteItemCommand)
      .callsFake((input: { RequestItems?: Record<string, unknown[]> }) => {
        if (this.faults.settle) throw this.faults.settle;
        for (const requests of Object.values(input.RequestItems ?? {})) {
          for (const request of requests as { PutRequest?: { Item?: Item } }[]) {
            if (request.PutRequest?.Item) this.store(request.PutRequest.Item);
          }
        }
        return {};
      });
    mocks.dynamoDb.on(QueryCommand).callsFake((input: QueryCommandInput) => this.query(input));
  }

  /** A claim record as a previous invocation left it. */
  seedClaim(key: string, fields: Record<string, AttributeValue>): void {
    this.store({ pk: { S: `claim#${key}` }, sk: { S: 'claim' }, ...fields });
  }

  /** Remediation history entries of a detector, as the settle after a remediation writes them. */
  seedRemediations(detectorKey: string, times: readonly Date[], accounts?: readonly string[]): void {
    for (const [index, time] of times.entries()) {
      this.store({
        pk: { S: detectorKey },
        sk: { S: `remediation#${time.toISOString()}#seeded-${index}` },
        ...(accounts ? { accounts: { SS: [...accounts] } } : {}),
      });
    }
  }

  claimOf(key: string): Item | undefined {
    return this.items.get(`claim#${key}|claim`);
  }

  private store(item: Item): void {
    this.items.set(`${item.pk?.S}|${item.sk?.S}`, item);
  }

  /** PutItem: the settle (unconditional). */
  private putItem(input: PutItemCommandInput) {
    if (this.faults.settle) throw this.faults.settle;
    this.store(input.Item ?? {});
    return {};
  }

  /**
   * The claim: UpdateItem that sets status, lease and expiry and keeps every other attribute, if the claim is free,
   * released (RETRYABLE), or IN_PROGRESS with a lease that ran out.
   */
  private claim(input: UpdateItemCommandInput) {
    if (this.faults.claim) throw this.faults.claim;
    const key = input.Key ?? {};
    const id = `${key.pk?.S}|${key.sk?.S}`;
    const existing = this.items.get(id);
    const values = input.ExpressionAttributeValues ?? {};
    const now = Number(values[':now']?.N);
    const status = existing?.status?.S;
    const free =
      existing === undefined ||
      status === 'RETRYABLE' ||
      (status === 'IN_PROGRESS' && Number(existing.leaseUntil?.N) < now);
    if (!free) {
      throw new ConditionalCheckFailedException({
        message: 'The conditional request failed',
        $metadata: { httpStatusCode: 400 },
        ...(input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' ? { Item: existing } : {}),
      });
    }
    this.items.set(id, {
      ...existing,
      ...key,
      status: values[':inProgress'] ?? { S: 'IN_PROGRESS' },
      ...(values[':lease'] ? { leaseUntil: values[':lease'] } : {}),
      ...(values[':expires'] ? { expiresAt: values[':expires'] } : {}),
    });
    return existing && input.ReturnValues === 'ALL_OLD' ? { Attributes: existing } : {};
  }

  private query(input: QueryCommandInput) {
    if (this.faults.query) throw this.faults.query;
    const values = input.ExpressionAttributeValues ?? {};
    const pk = values[':pk']?.S;
    if (values[':sk'] !== undefined) {
      const item = this.items.get(`${pk}|${values[':sk'].S}`);
      return { Items: item ? [item] : [], Count: item ? 1 : 0 };
    }
    const from = values[':from']?.S ?? '';
    const to = values[':to']?.S ?? '';
    const items = [...this.items.values()].filter((item) => {
      const sk = item.sk?.S ?? '';
      return item.pk?.S === pk && sk >= from && sk <= to;
    });
    return {
      ...(input.Select === 'COUNT' ? {} : { Items: items }),
      Count: items.length,
      ScannedCount: items.length,
    };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// What was sent

export function publishedInputs(mocks: AwsMocks): PublishCommandInput[] {
  return mocks.sns.commandCalls(PublishCommand).map((call) => call.args[0].input);
}

/** The per-protocol renderings of a `MessageStructure: json` Publish. */
export function protocolMessages(input: { readonly Message?: string | undefined }): Record<string, string> {
  return JSON.parse(input.Message ?? '{}') as Record<string, string>;
}

/** The SQS/Lambda rendering: the structured alert. */
export function structuredAlertOf(input: { readonly Message?: string | undefined }): Record<string, unknown> {
  return JSON.parse(protocolMessages(input).sqs ?? '{}') as Record<string, unknown>;
}

/** The names of every datapoint sent with PutMetricData, with their values. */
export function metricPoints(mocks: AwsMocks): { name: string; value: number }[] {
  return mocks.cloudWatch
    .commandCalls(PutMetricDataCommand)
    .flatMap((call) => call.args[0].input.MetricData ?? [])
    .map((datum) => ({ name: datum.MetricName ?? '', value: datum.Value ?? Number.NaN }));
}
