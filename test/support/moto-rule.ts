/**
 * An EventBridge rule with a synthesized pattern, put into moto with an SQS queue as its target, so a test sees what
 * moto's real matcher delivers (moto's TestEventPattern answers an empty 200, which would pass any "does not match").
 */
import {
  DeleteRuleCommand,
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';

/** An event as PutEvents takes it. */
export interface Entry {
  Source: string;
  DetailType: string;
  Detail: string;
}

export interface RuleUnderTest {
  readonly events: EventBridgeClient;
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  /** Sends the entries (PutEvents takes 10 a call); returns how many PutEvents refused. */
  send(entries: readonly Entry[]): Promise<number>;
  /** Deletes delivered messages from the queue, so the next poll sees only new ones. */
  ack(messages: readonly Message[]): Promise<void>;
  /**
   * Polls (at most five one-second polls) until every marker of `until` is in, deleting what it received; returns
   * the markers delivered, as `markerOf` reads them from each delivered event.
   */
  poll(
    until: readonly string[],
    markerOf: (delivered: { detail?: Record<string, unknown> }) => unknown,
  ): Promise<string[]>;
  close(): Promise<void>;
}

/** Puts the rule `name` with `pattern` into moto's `region`, targeting a new queue of the same name. */
export async function createRuleUnderTest(options: {
  readonly endpoint: string;
  readonly region: string;
  readonly name: string;
  readonly pattern: unknown;
}): Promise<RuleUnderTest> {
  const { endpoint, region, name, pattern } = options;
  const events = new EventBridgeClient({ endpoint, region });
  const sqs = new SQSClient({ endpoint, region });
  const queue = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  if (queue.QueueUrl === undefined) throw new Error('moto returned no queue URL');
  const queueUrl = queue.QueueUrl;
  const attributes = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  await events.send(new PutRuleCommand({ Name: name, EventPattern: JSON.stringify(pattern) }));
  await events.send(
    new PutTargetsCommand({ Rule: name, Targets: [{ Id: 'queue', Arn: attributes.Attributes?.QueueArn }] }),
  );

  const send = async (entries: readonly Entry[]) => {
    let failed = 0;
    for (let start = 0; start < entries.length; start += 10) {
      const sent = await events.send(new PutEventsCommand({ Entries: entries.slice(start, start + 10) }));
      failed += sent.FailedEntryCount ?? 0;
    }
    return failed;
  };
  const ack = async (messages: readonly Message[]) => {
    if (messages.length === 0) return;
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle,
        })),
      }),
    );
  };

  return {
    events,
    sqs,
    queueUrl,
    send,
    ack,
    async poll(until, markerOf) {
      const markers: string[] = [];
      for (let attempt = 0; attempt < 5 && !until.every((marker) => markers.includes(marker)); attempt += 1) {
        const received = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
        );
        const messages = received.Messages ?? [];
        for (const message of messages) {
          markers.push(
            String(markerOf(JSON.parse(message.Body ?? '{}') as { detail?: Record<string, unknown> })),
          );
        }
        await ack(messages);
      }
      return markers;
    },
    async close() {
      await events.send(new RemoveTargetsCommand({ Rule: name, Ids: ['queue'] }));
      await events.send(new DeleteRuleCommand({ Name: name }));
      await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
      events.destroy();
      sqs.destroy();
    },
  };
}
