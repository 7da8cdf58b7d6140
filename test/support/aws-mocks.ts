import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  BatchWriteItemCommand,
  type BatchWriteItemCommandInput,
  ConditionalCheckFailedException,
  DynamoDBClient,
  PutItemCommand,
  type PutItemCommandInput,
  QueryCommand,
  type QueryCommandInput,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { BadRequestException, GuardDutyClient } from '@aws-sdk/client-guardduty';
import {
  ListSubscriptionsByTopicCommand,
  PublishCommand,
  type PublishCommandInput,
  SNSClient,
} from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import type { GetDetectorResponse } from './fakes/guardduty.js';
import { ConditionalCheckFailed, StateTable } from './fakes/state-table.js';

/**
 * aws-sdk-client-mock stubs `send` on the client classes' prototypes, so every instance is mocked, including the
 * clients the Lambda entry point builds at module scope when `loadHandler` cold-starts it.
 */
export function mockAws() {
  const mocks = {
    guardDuty: mockClient(GuardDutyClient),
    sns: mockClient(SNSClient),
    cloudWatch: mockClient(CloudWatchClient),
    dynamoDb: mockClient(DynamoDBClient),
  };
  subscribedTopic(mocks);
  return mocks;
}
export type AwsMocks = ReturnType<typeof mockAws>;

export function resetAws(mocks: AwsMocks): void {
  mocks.guardDuty.reset();
  mocks.sns.reset();
  mocks.cloudWatch.reset();
  mocks.dynamoDb.reset();
  subscribedTopic(mocks);
}

/** A confirmed subscription on the alert topic, as every deployment has: the sweep's wiring check reads it. */
export const CONFIRMED_SUBSCRIPTION = {
  SubscriptionArn:
    'arn:aws:sns:us-east-1:123456789012:guardduty-drift-alerts:3f1c2b9e-0d4a-4c1e-9a7b-5e6f7a8b9c0d',
  Protocol: 'email',
  Endpoint: 'on-call@example.com',
};

function subscribedTopic(mocks: Pick<AwsMocks, 'sns'>): void {
  mocks.sns.on(ListSubscriptionsByTopicCommand).resolves({ Subscriptions: [CONFIRMED_SUBSCRIPTION] });
}

// ---------------------------------------------------------------------------------------------------------------
// GetDetector responses, SDK-shaped (PascalCase, Dates where the SDK deserialises dates): test/support/fakes/guardduty.ts

export {
  DRIFTED,
  detectorResponse,
  type GetDetectorResponse,
  PROTECTED,
  runtimeFeature,
} from './fakes/guardduty.js';

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
// The in-memory state table (test/support/fakes/state-table.ts) behind the DynamoDB mock

export interface FakeStateTableOptions {
  /** Every answer waits this long (0: answered at once). */
  readonly latencyMs?: number;
}

/**
 * The state table model answering the mocked DynamoDB client: the claim (UpdateItem), the settle (PutItem,
 * BatchWriteItem) and the reads (Query). A fault set on an operation (`faults.claim`, `.settle`, `.query`) makes every
 * such call reject with it; a held claim rejects with the SDK's ConditionalCheckFailedException carrying the item.
 */
export class FakeStateTable extends StateTable {
  constructor(mocks: AwsMocks, options: FakeStateTableOptions = {}) {
    super();
    const { latencyMs = 0 } = options;
    const answer =
      <I, O>(handler: (input: I) => O) =>
      async (input: I): Promise<O> => {
        if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
        try {
          return handler(input);
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailed)) throw error;
          throw new ConditionalCheckFailedException({
            message: error.message,
            $metadata: { httpStatusCode: 400 },
            ...(error.item ? { Item: error.item } : {}),
          });
        }
      };
    mocks.dynamoDb.on(PutItemCommand).callsFake(answer((input: PutItemCommandInput) => this.putItem(input)));
    mocks.dynamoDb
      .on(UpdateItemCommand)
      .callsFake(answer((input: UpdateItemCommandInput) => this.updateItem(input)));
    mocks.dynamoDb
      .on(BatchWriteItemCommand)
      .callsFake(answer((input: BatchWriteItemCommandInput) => this.batchWriteItem(input)));
    mocks.dynamoDb.on(QueryCommand).callsFake(answer((input: QueryCommandInput) => this.query(input)));
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
