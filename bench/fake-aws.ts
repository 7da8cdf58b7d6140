import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  type AttributeValue,
  BatchWriteItemCommand,
  type BatchWriteItemCommandInput,
  DynamoDBClient,
  PutItemCommand,
  type PutItemCommandInput,
  QueryCommand,
  type QueryCommandInput,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import {
  GetDetectorCommand,
  type GetDetectorCommandInput,
  GuardDutyClient,
  ListDetectorsCommand,
  UpdateDetectorCommand,
  type UpdateDetectorCommandInput,
} from '@aws-sdk/client-guardduty';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { sleep } from './support.js';

interface FakeFeature {
  name: string;
  status: string;
  additionalConfiguration: { name: string; status: string }[];
}

interface FakeDetector {
  readonly region: string;
  status: string;
  features: FakeFeature[];
  readonly tags: Record<string, string>;
}

type Item = Record<string, AttributeValue>;

export interface FakeCall {
  readonly command: string;
  readonly region: string;
  /** The detector the request is about (found in its input), or undefined for Region-wide calls. */
  readonly detectorId: string | undefined;
}

const protectedFeatures = (): FakeFeature[] => [
  {
    name: 'RUNTIME_MONITORING',
    status: 'ENABLED',
    additionalConfiguration: [
      { name: 'EKS_ADDON_MANAGEMENT', status: 'ENABLED' },
      { name: 'ECS_FARGATE_AGENT_MANAGEMENT', status: 'DISABLED' },
      { name: 'EC2_AGENT_MANAGEMENT', status: 'DISABLED' },
    ],
  },
];

const failure = (name: string, message: string, extra: object = {}) =>
  Object.assign(new Error(message), { name }, extra);

/**
 * GuardDuty, DynamoDB, SNS and CloudWatch as far as the responder uses them, in memory, behind aws-sdk-client-mock,
 * every call answered after `latencyMs`. aws-sdk-client-mock replaces `client.send`, so the SDK's middleware stack
 * does not run here: calls are counted by this fake instead.
 */
export class FakeAws {
  readonly calls: FakeCall[] = [];
  private readonly detectors = new Map<string, FakeDetector>();
  private readonly items = new Map<string, Item>();
  private detectorCounter = 0;
  private messageCounter = 0;
  private readonly mocks = [
    mockClient(GuardDutyClient),
    mockClient(DynamoDBClient),
    mockClient(SNSClient),
    mockClient(CloudWatchClient),
  ] as const;

  constructor(private readonly latencyMs: number) {
    const [guardDuty, dynamoDb, sns, cloudWatch] = this.mocks;
    guardDuty
      .on(GetDetectorCommand)
      .callsFake(async (input: GetDetectorCommandInput, client: () => GuardDutyClient) => {
        await this.answer('GetDetector', await client().config.region(), input);
        return this.getDetector(input.DetectorId ?? '');
      })
      .on(ListDetectorsCommand)
      .callsFake(async (_input: unknown, client: () => GuardDutyClient) => {
        const region = await client().config.region();
        await this.answer('ListDetectors', region, undefined);
        const ids = [...this.detectors]
          .filter(([, detector]) => detector.region === region)
          .map(([id]) => id);
        return { DetectorIds: ids };
      })
      .on(UpdateDetectorCommand)
      .callsFake(async (input: UpdateDetectorCommandInput, client: () => GuardDutyClient) => {
        await this.answer('UpdateDetector', await client().config.region(), input);
        this.updateDetector(input);
        return {};
      });
    dynamoDb
      .on(PutItemCommand)
      .callsFake(async (input: PutItemCommandInput, client: () => DynamoDBClient) => {
        await this.answer('PutItem', await client().config.region(), input);
        return this.putItem(input);
      })
      .on(UpdateItemCommand)
      .callsFake(async (input: UpdateItemCommandInput, client: () => DynamoDBClient) => {
        await this.answer('UpdateItem', await client().config.region(), input);
        return this.claim(input);
      })
      .on(QueryCommand)
      .callsFake(async (input: QueryCommandInput, client: () => DynamoDBClient) => {
        await this.answer('Query', await client().config.region(), input);
        const items = this.range(input);
        return input.Select === 'COUNT' ? { Count: items.length } : { Items: items, Count: items.length };
      })
      .on(BatchWriteItemCommand)
      .callsFake(async (input: BatchWriteItemCommandInput, client: () => DynamoDBClient) => {
        await this.answer('BatchWriteItem', await client().config.region(), input);
        for (const requests of Object.values(input.RequestItems ?? {})) {
          for (const request of requests) if (request.PutRequest?.Item) this.store(request.PutRequest.Item);
        }
        return { UnprocessedItems: {} };
      });
    sns.on(PublishCommand).callsFake(async (input: unknown, client: () => SNSClient) => {
      await this.answer('Publish', await client().config.region(), input);
      this.messageCounter += 1;
      return { MessageId: `fake-message-${this.messageCounter}` };
    });
    cloudWatch.on(PutMetricDataCommand).callsFake(async (input: unknown, client: () => CloudWatchClient) => {
      await this.answer('PutMetricData', await client().config.region(), input);
      return {};
    });
  }

  /** Puts the real `send` back on every client class. */
  restore(): void {
    for (const mock of this.mocks) mock.restore();
  }

  /** Forgets what aws-sdk-client-mock recorded (sinon keeps every call's arguments otherwise). */
  forgetHistory(): void {
    this.forgetStubHistory();
    this.calls.length = 0;
  }

  /**
   * Forgets sinon's record of every call (its arguments and the promise of its answer) but keeps `calls`: a long
   * run would otherwise hold every response it was given, which the function under test does not.
   */
  forgetStubHistory(): void {
    for (const mock of this.mocks) mock.resetHistory();
  }

  /** The GuardDuty stub, for the commands this class does not answer itself (bench/fake-organization.ts). */
  get guardDutyStub() {
    return this.mocks[0];
  }

  addDetector(
    region: string,
    options: { drifted?: boolean; suspended?: boolean; tags?: Record<string, string> } = {},
  ): string {
    this.detectorCounter += 1;
    const id = `fake${String(this.detectorCounter).padStart(28, '0')}`;
    const features = protectedFeatures();
    if (options.drifted && features[0]) {
      features[0].status = 'DISABLED';
      features[0].additionalConfiguration = [{ name: 'EKS_ADDON_MANAGEMENT', status: 'DISABLED' }];
    }
    this.detectors.set(id, {
      region,
      status: options.suspended ? 'DISABLED' : 'ENABLED',
      features,
      tags: { ...options.tags },
    });
    return id;
  }

  removeDetector(id: string): void {
    this.detectors.delete(id);
  }

  /** Records the call and waits the latency: every answer, including those added from outside, goes through here. */
  async answer(command: string, region: string, input: unknown): Promise<void> {
    const text = JSON.stringify(input) ?? '';
    const detectorId = [...this.detectors.keys()].find((id) => text.includes(id));
    this.calls.push({ command, region, detectorId });
    if (this.latencyMs > 0) await sleep(this.latencyMs);
  }

  private getDetector(id: string) {
    const detector = this.detectors.get(id);
    if (!detector) {
      throw failure(
        'BadRequestException',
        'The request is rejected because the input detectorId is not owned by the current account.',
      );
    }
    return {
      Status: detector.status,
      Features: detector.features.map((feature) => ({
        Name: feature.name,
        Status: feature.status,
        AdditionalConfiguration: feature.additionalConfiguration.map((config) => ({
          Name: config.name,
          Status: config.status,
        })),
      })),
      Tags: detector.tags,
    };
  }

  private updateDetector(input: UpdateDetectorCommandInput): void {
    const detector = this.detectors.get(input.DetectorId ?? '');
    if (!detector) throw failure('BadRequestException', 'detectorId is not owned by the current account.');
    if (input.Enable !== undefined) detector.status = input.Enable ? 'ENABLED' : 'DISABLED';
    for (const requested of input.Features ?? []) {
      const feature: FakeFeature = {
        name: requested.Name ?? 'UNKNOWN',
        status: requested.Status ?? 'ENABLED',
        additionalConfiguration: (requested.AdditionalConfiguration ?? []).map((config) => ({
          name: config.Name ?? 'UNKNOWN',
          status: config.Status ?? 'ENABLED',
        })),
      };
      detector.features = [
        ...detector.features.filter((existing) => existing.name !== feature.name),
        feature,
      ];
    }
  }

  private store(item: Item): void {
    this.items.set(`${item.pk?.S}|${item.sk?.S}`, item);
  }

  /** The settle: an unconditional PutItem. */
  private putItem(input: PutItemCommandInput) {
    this.store(input.Item ?? {});
    return {};
  }

  /** The claim (UpdateItem): free, released for retry, or an abandoned claim whose lease ran out; keeps the rest. */
  private claim(input: UpdateItemCommandInput) {
    const key = input.Key ?? {};
    const existing = this.items.get(`${key.pk?.S}|${key.sk?.S}`);
    const values = input.ExpressionAttributeValues ?? {};
    if (existing) {
      const now = Number(values[':now']?.N ?? '0');
      const status = existing.status?.S;
      const free =
        status === 'RETRYABLE' || (status === 'IN_PROGRESS' && Number(existing.leaseUntil?.N ?? '0') < now);
      if (!free) {
        throw failure('ConditionalCheckFailedException', 'The conditional request failed', {
          Item: existing,
        });
      }
    }
    this.store({
      ...existing,
      ...key,
      status: { S: 'IN_PROGRESS' },
      ...(values[':lease'] ? { leaseUntil: values[':lease'] } : {}),
      ...(values[':expires'] ? { expiresAt: values[':expires'] } : {}),
    });
    return input.ReturnValues === 'ALL_OLD' && existing ? { Attributes: existing } : {};
  }

  /** The items of a Query: a sort-key range (history) or one exact key (a claim). */
  private range(input: QueryCommandInput): Item[] {
    const values = input.ExpressionAttributeValues ?? {};
    const pk = values[':pk']?.S;
    if (values[':sk'] !== undefined) {
      const item = this.items.get(`${pk}|${values[':sk'].S}`);
      return item ? [item] : [];
    }
    const from = values[':from']?.S ?? '';
    const to = values[':to']?.S ?? '';
    return [...this.items.values()].filter((item) => {
      const sk = item.sk?.S ?? '';
      return item.pk?.S === pk && sk >= from && sk <= to;
    });
  }
}
