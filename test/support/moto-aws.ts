import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateDetectorCommand,
  type DetectorFeatureConfiguration,
  GuardDutyClient,
  UpdateDetectorCommand,
} from '@aws-sdk/client-guardduty';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';

/** SDK clients pointed at moto_server for one Region. */
export function motoClients(endpoint: string, region: string) {
  const options = { endpoint, region, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
  return {
    guardDuty: new GuardDutyClient(options),
    sns: new SNSClient(options),
    sqs: new SQSClient(options),
    cloudWatch: new CloudWatchClient(options),
    dynamoDb: new DynamoDBClient(options),
  };
}
export type MotoClients = ReturnType<typeof motoClients>;

/** The state table exactly as the contract describes it: `pk`/`sk` strings (TTL on `expiresAt` is not needed here). */
export async function createStateTable(clients: MotoClients, tableName: string): Promise<void> {
  await clients.dynamoDb.send(
    new CreateTableCommand({
      TableName: tableName,
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}

/** An SNS topic with an SQS queue subscribed to it (not raw: the queue gets the SNS envelope). */
export async function createTopicWithQueue(clients: MotoClients, name: string) {
  const { TopicArn } = await clients.sns.send(new CreateTopicCommand({ Name: name }));
  const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: `${name}-subscriber` }));
  if (!TopicArn || !QueueUrl) throw new Error('moto did not create the topic or the queue');
  const { Attributes } = await clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  await clients.sns.send(
    new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: Attributes?.QueueArn ?? '' }),
  );
  return { topicArn: TopicArn, queueUrl: QueueUrl };
}

/** Everything currently in the queue, removed from it. */
export async function drainQueue(clients: MotoClients, queueUrl: string): Promise<string[]> {
  const bodies: string[] = [];
  for (;;) {
    const { Messages = [] } = await clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    if (Messages.length === 0) return bodies;
    bodies.push(...Messages.map((message) => message.Body ?? ''));
    await clients.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Messages.map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle ?? '',
        })),
      }),
    );
  }
}

/** The structured alerts an SQS subscriber received (the `sqs` rendering inside the SNS envelope). */
export async function receivedAlerts(
  clients: MotoClients,
  queueUrl: string,
): Promise<Record<string, unknown>[]> {
  const bodies = await drainQueue(clients, queueUrl);
  return bodies.map((body) => {
    const envelope = JSON.parse(body) as { Message: string };
    return JSON.parse(envelope.Message) as Record<string, unknown>;
  });
}

/** What an operator does to drift a detector: RUNTIME_MONITORING and its EKS agent management switched off. */
export async function switchOffRuntime(
  clients: Pick<MotoClients, 'guardDuty'>,
  detectorId: string,
): Promise<void> {
  await clients.guardDuty.send(
    new UpdateDetectorCommand({
      DetectorId: detectorId,
      Features: [
        {
          Name: 'RUNTIME_MONITORING',
          Status: 'DISABLED',
          AdditionalConfiguration: [{ Name: 'EKS_ADDON_MANAGEMENT', Status: 'DISABLED' }],
        },
      ],
    }),
  );
}

export const PROTECTED_RUNTIME: DetectorFeatureConfiguration[] = [
  {
    Name: 'RUNTIME_MONITORING',
    Status: 'ENABLED',
    AdditionalConfiguration: [
      { Name: 'EKS_ADDON_MANAGEMENT', Status: 'ENABLED' },
      { Name: 'ECS_FARGATE_AGENT_MANAGEMENT', Status: 'DISABLED' },
      { Name: 'EC2_AGENT_MANAGEMENT', Status: 'DISABLED' },
    ],
  },
];

export const PROTECTED_LEGACY: DetectorFeatureConfiguration[] = [
  {
    Name: 'EKS_RUNTIME_MONITORING',
    Status: 'ENABLED',
    AdditionalConfiguration: [{ Name: 'EKS_ADDON_MANAGEMENT', Status: 'ENABLED' }],
  },
];

export async function createDetector(
  clients: MotoClients,
  features: DetectorFeatureConfiguration[],
  tags?: Record<string, string>,
): Promise<string> {
  const { DetectorId } = await clients.guardDuty.send(
    new CreateDetectorCommand({ Enable: true, Features: features, ...(tags ? { Tags: tags } : {}) }),
  );
  if (!DetectorId) throw new Error('moto did not return a detector id');
  return DetectorId;
}

/** Reads the compliance metric back the way a dashboard would. */
export async function complianceValues(
  clients: MotoClients,
  namespace: string,
  region: string,
  metricName = 'EksRuntimeMonitoringCompliant',
): Promise<number[]> {
  // One period covering the last hour and ending on a whole second after every datapoint: moto starts its periods at
  // StartTime (cut to the second), so any boundary among the datapoints would split one invocation's points in two.
  const end = Math.ceil(Date.now() / 1000) * 1000 + 1000;
  const output = await clients.cloudWatch.send(
    new GetMetricDataCommand({
      StartTime: new Date(end - 60 * 60 * 1000),
      EndTime: new Date(end),
      MetricDataQueries: [
        {
          Id: 'm1',
          MetricStat: {
            Metric: {
              Namespace: namespace,
              MetricName: metricName,
              Dimensions: [{ Name: 'Region', Value: region }],
            },
            Period: 60 * 60,
            Stat: 'Minimum',
          },
        },
      ],
    }),
  );
  return output.MetricDataResults?.[0]?.Values ?? [];
}
