import { lambdaContext, RESPONDER_ROLE_ARN } from './fixtures.js';
import { type Handler, loadHandler } from './handler-loader.js';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
export const TOPIC_ARN = `arn:aws:sns:${REGION}:${ACCOUNT}:guardduty-drift-alerts`;
export const STATE_TABLE = 'drift-state';

/** The environment the CDK construct gives the function; tests override single variables. */
export function responderEnv(
  overrides: Record<string, string | undefined> = {},
): Record<string, string | undefined> {
  return {
    AWS_REGION: REGION,
    AWS_ENDPOINT_URL: undefined,
    NOTIFICATION_TOPIC_ARN: TOPIC_ARN,
    STATE_TABLE_NAME: STATE_TABLE,
    RESPONDER_MODE: 'remediate',
    METRIC_NAMESPACE: 'GuardDutyDriftResponder',
    REQUIRE_AGENT_MANAGEMENT: 'true',
    MAX_REMEDIATIONS_PER_HOUR: '3',
    RESPONDER_ROLE_ARN,
    // Unset unless a test sets them: a previous cold start in the same file must not leak its scope.
    RESPONDER_SCOPE: undefined,
    ORGANIZATION_AUTO_ENABLE_TARGET: undefined,
    RUNTIME_TARGET: undefined,
    ...overrides,
  };
}

export interface MockedResponder {
  /** Invokes the real entry point the way the Lambda runtime does, in a Region and account (default: the test's). */
  invoke(event: unknown, where?: { region?: string; account?: string }): Promise<unknown>;
}

/** Cold-starts the real Lambda entry point (the entry point + config + module-scope clients) against the mocked SDK clients. */
export async function coldStart(
  overrides: Record<string, string | undefined> = {},
): Promise<MockedResponder> {
  const handler: Handler = await loadHandler(responderEnv(overrides));
  return {
    invoke(event, where = {}) {
      const region = where.region ?? REGION;
      // The runtime sets AWS_REGION to the function's Region; the handler reads it per invocation.
      process.env.AWS_REGION = region;
      return handler(event, lambdaContext(region, where.account ?? ACCOUNT));
    },
  };
}
