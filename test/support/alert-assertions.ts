import type { PublishCommandInput } from '@aws-sdk/client-sns';
import { expect } from 'vitest';
import { protocolMessages, structuredAlertOf } from './aws-mocks.js';
import { ACCOUNT, REGION, TOPIC_ARN } from './mocked-responder.js';

const CONTRACT_FIELDS = [
  'outcome',
  'severity',
  'accountId',
  'region',
  'detectorId',
  'mode',
  'actor',
  'eventId',
  'eventTime',
  'before',
  'after',
];

/**
 * Asserts that one Publish is a well-formed alert: `MessageStructure: json` with a rendering per protocol, a
 * subject SNS accepts, the filterable message attributes, the AWS Chatbot custom-notification schema on the https
 * key and the contract fields in the structured (SQS/Lambda) rendering. Returns the structured alert.
 */
export function expectWellFormedAlert(
  input: PublishCommandInput | undefined,
  expected: { outcome: string; severity: string; accountId?: string; region?: string },
): Record<string, unknown> {
  const accountId = expected.accountId ?? ACCOUNT;
  const region = expected.region ?? REGION;
  expect(input).toBeDefined();
  const publish: Partial<PublishCommandInput> = input ?? {};
  expect(publish.TopicArn).toBe(TOPIC_ARN);
  expect(publish.MessageStructure).toBe('json');

  // SNS: subject of printable ASCII, no line breaks, fewer than 100 characters.
  expect(publish.Subject).toMatch(/^[\x20-\x7e]{1,99}$/);
  expect(publish.MessageAttributes).toEqual({
    severity: { DataType: 'String', StringValue: expected.severity },
    outcome: { DataType: 'String', StringValue: expected.outcome },
    accountId: { DataType: 'String', StringValue: accountId },
    region: { DataType: 'String', StringValue: region },
  });

  const messages = protocolMessages(publish);
  for (const key of ['default', 'email', 'sqs', 'lambda', 'https']) {
    expect(typeof messages[key], `protocol key ${key}`).toBe('string');
  }
  expect(messages.email).toBe(messages.default);
  expect(messages.email).toContain(`Account:   ${accountId}`);
  expect(messages.email).toContain(`Region:    ${region}`);
  expect(messages.lambda).toBe(messages.sqs);

  const chatbot = JSON.parse(messages.https ?? '{}') as Record<string, unknown>;
  expect(chatbot).toMatchObject({
    version: '1.0',
    source: 'custom',
    content: {
      textType: 'client-markdown',
      title: expect.stringMatching(/\S/),
      description: expect.stringMatching(/\S/),
    },
  });

  const structured = structuredAlertOf(publish);
  for (const field of CONTRACT_FIELDS) expect(structured, `structured field ${field}`).toHaveProperty(field);
  expect(structured).toMatchObject({
    outcome: expected.outcome,
    severity: expected.severity,
    accountId,
    region,
  });
  return structured;
}
