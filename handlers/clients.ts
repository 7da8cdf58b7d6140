import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GuardDutyClient, type GuardDutyClientConfig } from '@aws-sdk/client-guardduty';
import { SNSClient } from '@aws-sdk/client-sns';
import { RESPONDER_USER_AGENT } from './core/decide.js';

/**
 * The version in the user agent. A constant rather than an import of package.json, which would put the whole
 * manifest into the Lambda bundle; a test keeps the two equal.
 */
export const RESPONDER_VERSION = '0.1.0';

/** Settings a caller may pin instead of the SDK defaults: the operator CLI uses one Region and profile per client. */
export type ClientOverrides = Pick<GuardDutyClientConfig, 'region' | 'profile' | 'requestHandler'>;

function commonConfig(userAgent: string, overrides: ClientOverrides = {}) {
  return { ...overrides, customUserAgent: [[userAgent, RESPONDER_VERSION]] as [string, string][] };
}

/** One GuardDuty client with the given user-agent marker, e.g. the operator CLI's own, for one Region. */
export function createGuardDutyClient(
  userAgent: string = RESPONDER_USER_AGENT,
  overrides: ClientOverrides = {},
): GuardDutyClient {
  return new GuardDutyClient(commonConfig(userAgent, overrides));
}

/**
 * The SDK clients, built once per process. Region, credentials and endpoints come from the standard SDK settings
 * (`AWS_REGION`, `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>`...), so the same code runs against moto_server.
 * The user agent marks the responder's own calls in CloudTrail, which is how it recognises its own events.
 */
export function createClients(userAgent: string = RESPONDER_USER_AGENT) {
  const common = commonConfig(userAgent);
  return {
    // GuardDuty publishes no rate limits; adaptive retry slows the whole client down when it is throttled, which is
    // what an organization sweep of thousands of members needs (and costs nothing on a single detector).
    guardDuty: new GuardDutyClient({ ...common, retryMode: 'adaptive', maxAttempts: 5 }),
    sns: new SNSClient(common),
    cloudWatch: new CloudWatchClient(common),
    dynamoDb: new DynamoDBClient(common),
  };
}
