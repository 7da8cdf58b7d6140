import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GuardDutyClient, type GuardDutyClientConfig } from '@aws-sdk/client-guardduty';
import { SNSClient } from '@aws-sdk/client-sns';
import { RESPONDER_USER_AGENT } from './contract.js';

/**
 * The version in the user agent. A constant rather than an import of package.json, which would put the whole
 * manifest into the Lambda bundle; a test keeps the two equal.
 */
export const RESPONDER_VERSION = '0.1.0';

/**
 * Every SDK client the function carries, with the commands it sends, in one list. `cold-start` clients are built
 * by `createClients` when the function starts; `on-demand` ones only where they are needed (the IAM client when
 * ACCOUNT_ALIAS_LOOKUP asks for the alias, in composition.ts). All are imported statically: esbuild then keeps only
 * the commands we send, where a dynamic import() of a client package keeps all of it (measured for IAM: 28.3 KB
 * statically, 111.5 KB behind import(), in one bundle file). The benchmark's floor bundle is generated from this list
 * (bench/bundle.ts), so the floor holds exactly the clients the function uses, and test/edge/sdk-clients.test.ts
 * fails when the bundle carries a client or a command that is not listed here.
 */
export const RESPONDER_SDK_CLIENTS = [
  {
    package: '@aws-sdk/client-guardduty',
    client: 'GuardDutyClient',
    load: 'cold-start',
    commands: [
      'GetDetector',
      'UpdateDetector',
      'ListDetectors',
      'ListCoverage',
      'GetCoverageStatistics',
      'DescribeOrganizationConfiguration',
      'UpdateOrganizationConfiguration',
      'ListMembers',
      'GetMemberDetectors',
      'UpdateMemberDetectors',
      // The organization loss paths (flow/organization/loss.ts) and the sweep's GuardDuty count.
      'GetMembers',
      'StartMonitoringMembers',
      'CreateMembers',
      'GetOrganizationStatistics',
    ],
  },
  {
    package: '@aws-sdk/client-sns',
    client: 'SNSClient',
    load: 'cold-start',
    // ListSubscriptionsByTopic: the sweep's wiring check (the topic still reaches someone).
    commands: ['Publish', 'ListSubscriptionsByTopic'],
  },
  {
    package: '@aws-sdk/client-cloudwatch',
    client: 'CloudWatchClient',
    load: 'cold-start',
    commands: ['PutMetricData'],
  },
  {
    package: '@aws-sdk/client-dynamodb',
    client: 'DynamoDBClient',
    load: 'cold-start',
    commands: ['Query', 'UpdateItem', 'PutItem', 'BatchWriteItem'],
  },
  {
    package: '@aws-sdk/client-iam',
    client: 'IAMClient',
    load: 'on-demand',
    commands: ['ListAccountAliases'],
  },
  // The tamper watch's repairs and the sweep's wiring check (docs/tamper.md).
  {
    package: '@aws-sdk/client-eventbridge',
    client: 'EventBridgeClient',
    load: 'on-demand',
    commands: ['DescribeRule', 'EnableRule', 'ListTargetsByRule', 'PutTargets'],
  },
  {
    package: '@aws-sdk/client-cloudtrail',
    client: 'CloudTrailClient',
    load: 'on-demand',
    commands: ['GetTrailStatus', 'StartLogging'],
  },
  // SECURITY_HUB=true only (docs/audit.md).
  {
    package: '@aws-sdk/client-securityhub',
    client: 'SecurityHubClient',
    load: 'on-demand',
    commands: ['BatchImportFindings', 'BatchUpdateFindings'],
  },
] as const;

/**
 * Settings a caller may pin instead of the SDK defaults: the operator CLI uses one Region, profile and endpoint per
 * client, and its own timeouts.
 */
export type ClientOverrides = Pick<
  GuardDutyClientConfig,
  'region' | 'profile' | 'requestHandler' | 'endpoint'
>;

/** Timeouts of one HTTP attempt, in the shape the SDK's NodeHttpHandler takes as `requestHandler`. */
export interface HttpTimeouts {
  /** Until the TCP (and TLS) connection is up. */
  readonly connectionTimeout: number;
  /** The whole attempt, from the request being created to the last byte of the response (connecting included). */
  readonly requestTimeout: number;
  /**
   * Without it the SDK (@smithy/node-http-handler 4.x) only logs a warning when `requestTimeout` passes and keeps
   * waiting: a silent endpoint then hangs the call until the Lambda's own timeout kills it.
   */
  readonly throwOnRequestTimeout: true;
}

/*
 * Sizing, so that every failure surfaces as an error well before the function's timeout (60 s in account scope,
 * 300 s in organization scope) and Lambda retries the event instead of killing a hung invocation:
 *
 * - An attempt fails after at most `requestTimeout` (its clock includes connecting); a TimeoutError is a transient
 *   error, so the SDK retries it. Between attempts the SDK (@smithy/core 3.x) waits a jittered backoff of at most
 *   50 ms × 2^n for n = 0, 1, 2, 3: under 0.75 s over four retries.
 * - GuardDuty: adaptive retry, 5 attempts × 5 s + 0.75 s = 25.75 s at most for one call. Its requests include the
 *   organization batches (GetMemberDetectors / UpdateMemberDetectors of 50 accounts), hence 5 s rather than 2 s.
 * - DynamoDB, SNS, CloudWatch: standard retry, 3 attempts × 2 s + 0.15 s = 6.15 s at most for one call; in-Region
 *   calls that answer in milliseconds.
 * - A silent endpoint fails the first call that meets it: at most 25.75 s, 43 % of the 60 s timeout. The longest
 *   chain of failures the account scope tolerates before it gives up (UpdateDetector, then the failure alert's
 *   Publish, the claim's settle and the metrics, each logged and passed over) is 25.75 + 3 × 6.15 = 44.2 s, still
 *   inside 60 s with the earlier successful calls. Each client's retry quota (500 tokens, 14 per retry of a timeout)
 *   stops retrying after 35 such retries, so the many calls of an organization sweep fail faster, not slower.
 * - connectionTimeout 2 s: an in-Region endpoint connects in milliseconds; 2 s covers one lost SYN (resent after 1 s).
 */
export const GUARDDUTY_TIMEOUTS: HttpTimeouts = {
  connectionTimeout: 2_000,
  requestTimeout: 5_000,
  throwOnRequestTimeout: true,
};
export const GUARDDUTY_MAX_ATTEMPTS = 5;
export const SUPPORT_SERVICE_TIMEOUTS: HttpTimeouts = {
  connectionTimeout: 2_000,
  requestTimeout: 2_000,
  throwOnRequestTimeout: true,
};

function commonConfig(userAgent: string, overrides: ClientOverrides = {}) {
  return { ...overrides, customUserAgent: [[userAgent, RESPONDER_VERSION]] as [string, string][] };
}

/**
 * One GuardDuty client with the given user-agent marker, e.g. the operator CLI's own, for one Region. It has the
 * responder's GuardDuty timeouts unless `overrides.requestHandler` brings others.
 */
export function createGuardDutyClient(
  userAgent: string = RESPONDER_USER_AGENT,
  overrides: ClientOverrides = {},
): GuardDutyClient {
  return new GuardDutyClient(commonConfig(userAgent, { requestHandler: GUARDDUTY_TIMEOUTS, ...overrides }));
}

/**
 * The settings of the clients the tamper watch builds on first use (EventBridge, CloudTrail: their adapters import the
 * SDK module lazily), with the support-service timeouts and retries of SNS, DynamoDB and CloudWatch.
 */
export function supportClientConfig(userAgent: string = RESPONDER_USER_AGENT) {
  return { ...commonConfig(userAgent), requestHandler: SUPPORT_SERVICE_TIMEOUTS };
}

/**
 * The SDK clients, built once per process. Region, credentials and endpoints come from the standard SDK settings
 * (`AWS_REGION`, `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>`...), so the same code runs against moto_server.
 * The user agent marks the responder's own calls in CloudTrail, which is how it recognises its own events.
 */
export function createClients(userAgent: string = RESPONDER_USER_AGENT) {
  const common = commonConfig(userAgent);
  const support = { ...common, requestHandler: SUPPORT_SERVICE_TIMEOUTS };
  return {
    // GuardDuty publishes no rate limits; adaptive retry slows the whole client down when it is throttled, which is
    // what an organization sweep of thousands of members needs (and costs nothing on a single detector).
    guardDuty: new GuardDutyClient({
      ...common,
      requestHandler: GUARDDUTY_TIMEOUTS,
      retryMode: 'adaptive',
      maxAttempts: GUARDDUTY_MAX_ATTEMPTS,
    }),
    sns: new SNSClient(support),
    cloudWatch: new CloudWatchClient(support),
    dynamoDb: new DynamoDBClient(support),
  };
}
