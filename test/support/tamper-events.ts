/**
 * Synthetic tamper events (named so: the CDK side adds captured CloudTrail fixtures under test/fixtures/cloudtrail/tamper/):
 * a CloudTrail record of one TAMPER_CALLS call, in the envelope EventBridge delivers it in, with the record's common
 * fields as CloudTrail writes them and the request parameters the test gives.
 */
import { type OwnResources, TAMPER_CALLS, type TamperSource } from '../../handlers/contract.js';
import { type Json, RESPONDER_FUNCTION_NAME } from './fixtures.js';
import { ACCOUNT, REGION } from './mocked-responder.js';

/** The responder's own resources as the construct passes them (OWN_RESOURCES), for every tamper test. */
export const FUNCTION_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${RESPONDER_FUNCTION_NAME}`;
export const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
export const TRAIL_ARN = `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/guardduty-drift-trail`;
export const OWN: OwnResources = {
  rules: [
    {
      name: 'guardduty-drift-events',
      target: 'function',
      targetId: 'Target0',
      deadLetterQueueArn: `arn:aws:sqs:${REGION}:${ACCOUNT}:guardduty-drift-dlq`,
      retryAttempts: 2,
      maxEventAgeSeconds: 3600,
    },
    { name: 'guardduty-drift-dead-function', target: 'topic', targetId: 'Target0' },
  ],
  alarmNames: ['guardduty-drift-dlq', 'guardduty-drift-heartbeat'],
  topicKeyArn: KEY_ARN,
  trailArn: TRAIL_ARN,
};

export const OPERATOR_ARN = `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/mallory`;

export interface TamperEventOptions {
  readonly id?: string;
  readonly region?: string;
  readonly account?: string;
  /** Merged over the record's fields (userIdentity, sourceIPAddress, errorCode...). */
  readonly record?: Json;
}

let counter = 0;

/** A fresh CloudTrail-style event id (a UUID: the alert links it to CloudTrail's event history). */
export function syntheticEventId(): string {
  counter += 1;
  return `5a1e7c0d-${String(counter).padStart(4, '0')}-4b2a-9c3d-${Date.now().toString(16).padStart(12, '0').slice(-12)}`;
}

export function tamperEvent(
  source: TamperSource,
  eventName: string,
  requestParameters: Json | null,
  options: TamperEventOptions = {},
): Json {
  const region = options.region ?? REGION;
  const account = options.account ?? ACCOUNT;
  const eventID = options.id ?? syntheticEventId();
  const record: Json = {
    eventVersion: '1.09',
    userIdentity: {
      type: 'AssumedRole',
      principalId: 'AROAEXAMPLE:mallory',
      arn: OPERATOR_ARN,
      accountId: account,
      sessionContext: { sessionIssuer: { type: 'Role', arn: `arn:aws:iam::${account}:role/Admin` } },
    },
    eventTime: '2026-12-02T01:30:00Z',
    eventSource: TAMPER_CALLS[source].eventSource,
    eventName,
    awsRegion: region,
    sourceIPAddress: '198.51.100.7',
    userAgent: 'aws-cli/2.15.0',
    requestParameters,
    responseElements: null,
    requestID: 'synthetic-request',
    eventID,
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: account,
    eventCategory: 'Management',
    ...options.record,
  };
  return {
    version: '0',
    id: `envelope-${eventID}`,
    'detail-type': 'AWS API Call via CloudTrail',
    source,
    account,
    time: '2026-12-02T01:30:00Z',
    region,
    resources: [],
    detail: record,
  };
}

/** What CloudTrail records for a call CloudFormation made during a deploy. */
export const CLOUDFORMATION_DEPLOY: Json = {
  sourceIPAddress: 'cloudformation.amazonaws.com',
  userAgent: 'cloudformation.amazonaws.com',
};
