/*
 * The coverage rule's pattern, as synthesized, through moto's real EventBridge matcher (PutRule + an SQS target +
 * PutEvents: moto's TestEventPattern answers an empty 200, which would pass any "does not match"). The events follow
 * the GuardDuty user guide's notification schema (test/fixtures/SOURCES.md).
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
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Json, syntheticFixture } from '../support/fixtures.js';
import { synthFirst } from './synth.js';

process.env.CDK_VALIDATION = 'false';

// moto keeps state per Region: this file owns eu-south-1.
const region = 'eu-south-1';
const RULE = 'drift-responder-coverage-pattern-under-test';

const unhealthy = () => syntheticFixture('GuardDutyRuntimeProtection.unhealthy-eks.synthetic.json');
const healthy = () => syntheticFixture('GuardDutyRuntimeProtection.healthy-eks.synthetic.json');

/** The event with its `detail.schemaVersion` replaced by a marker the test finds again in the delivered message. */
function entryOf(event: Json, marker: string) {
  return {
    Source: String(event.source),
    DetailType: String(event['detail-type']),
    Detail: JSON.stringify({ ...(event.detail as Json), marker }),
  };
}

function withResource(event: Json, resourceDetails: Json): Json {
  return { ...event, detail: { ...(event.detail as Json), resourceDetails } };
}

describe('EventBridge coverage rule pattern (as synthesized), run by moto EventBridge', () => {
  const endpoint = inject('motoEndpoint');
  const events = new EventBridgeClient({ endpoint, region });
  const sqs = new SQSClient({ endpoint, region });
  let queueUrl: string;

  beforeAll(async () => {
    const pattern = Object.values(synthFirst().template.findResources('AWS::Events::Rule'))
      .map((rule) => rule.Properties.EventPattern)
      .find((candidate) => JSON.stringify(candidate ?? {}).includes('Runtime Protection'));
    expect(pattern).toBeDefined();
    const queue = await sqs.send(new CreateQueueCommand({ QueueName: RULE }));
    if (queue.QueueUrl === undefined) throw new Error('moto returned no queue URL');
    queueUrl = queue.QueueUrl;
    const attributes = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    );
    await events.send(new PutRuleCommand({ Name: RULE, EventPattern: JSON.stringify(pattern) }));
    await events.send(
      new PutTargetsCommand({ Rule: RULE, Targets: [{ Id: 'queue', Arn: attributes.Attributes?.QueueArn }] }),
    );
  });

  afterAll(async () => {
    await events.send(new RemoveTargetsCommand({ Rule: RULE, Ids: ['queue'] }));
    await events.send(new DeleteRuleCommand({ Name: RULE }));
    await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
    events.destroy();
    sqs.destroy();
  });

  const matching: [string, () => Json][] = [
    ['Unhealthy, EKS', unhealthy],
    ['Healthy, EKS', healthy],
  ];
  const notMatching: [string, () => Json][] = [
    [
      'Unhealthy, ECS (the handler watches EKS only)',
      () => withResource(unhealthy(), { resourceType: 'ECS', ecsClusterDetails: { clusterName: 'web' } }),
    ],
    ['Unhealthy, EC2', () => withResource(unhealthy(), { resourceType: 'EC2' })],
    ['a GuardDuty finding', () => ({ ...unhealthy(), 'detail-type': 'GuardDuty Finding' })],
    [
      'a Malware Protection status event',
      () => ({ ...unhealthy(), 'detail-type': 'GuardDuty Malware Protection Resource Status Error' }),
    ],
    ['another source with the same detail-type', () => ({ ...unhealthy(), source: 'custom.guardduty' })],
  ];

  it('delivers the Unhealthy and Healthy events of EKS clusters, and nothing else', async () => {
    // Act
    const entries = [...matching, ...notMatching].map(([name, event]) => entryOf(event(), name));
    const sent = await events.send(new PutEventsCommand({ Entries: entries }));
    expect(sent.FailedEntryCount ?? 0).toBe(0);
    const markers: string[] = [];
    // Bounded: up to five one-second polls, until both expected events are in (moto delivers at once).
    for (let attempt = 0; attempt < 5 && markers.length < matching.length; attempt += 1) {
      const received = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      const messages = received.Messages ?? [];
      for (const message of messages) {
        markers.push(
          String((JSON.parse(message.Body ?? '{}') as { detail?: { marker?: string } }).detail?.marker),
        );
      }
      if (messages.length > 0) {
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: messages.map((message, index) => ({
              Id: String(index),
              ReceiptHandle: message.ReceiptHandle,
            })),
          }),
        );
      }
    }
    // One more poll, so an event the pattern should not match would have had its chance to arrive.
    const late = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }));

    // Assess
    expect(markers.sort()).toEqual(matching.map(([name]) => name).sort());
    expect(late.Messages ?? []).toEqual([]);
  });
});
