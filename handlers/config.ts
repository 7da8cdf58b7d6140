import * as z from 'zod/mini';
import type { ResponderConfig } from './core/types.js';

const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;
const NAMESPACE = /^[^:][\x20-\x7E]{0,254}$/;

const environmentSchema = z.object({
  RESPONDER_MODE: z._default(
    z.enum(['remediate', 'notify'], { error: 'expected "remediate" or "notify"' }),
    'remediate',
  ),
  NOTIFICATION_TOPIC_ARN: z.string({ error: 'is required (the ARN of the SNS topic for alerts)' }).check(
    z.regex(TOPIC_ARN, {
      error: 'expected an SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:alerts',
    }),
  ),
  METRIC_NAMESPACE: z._default(
    z.string().check(
      z.regex(NAMESPACE, { error: 'expected 1-255 printable ASCII characters, not starting with ":"' }),
      z.refine((value) => !value.startsWith('AWS/'), {
        error: 'the AWS/ prefix is reserved for AWS services',
      }),
    ),
    'GuardDutyDriftResponder',
  ),
  REQUIRE_AGENT_MANAGEMENT: z._default(
    z.enum(['true', 'false'], { error: 'expected "true" or "false"' }),
    'true',
  ),
  MAX_REMEDIATIONS_PER_HOUR: z._default(
    z.string().check(z.regex(/^[1-9]\d{0,2}$/, { error: 'expected a whole number from 1 to 999' })),
    '3',
  ),
  RESPONDER_SCOPE: z._default(
    z.enum(['account', 'organization'], { error: 'expected "account" or "organization"' }),
    'account',
  ),
  ORGANIZATION_AUTO_ENABLE_TARGET: z._default(
    z.enum(['ALL', 'NEW'], { error: 'expected "ALL" or "NEW"' }),
    'ALL',
  ),
  RESPONDER_ROLE_ARN: z.optional(
    z.string().check(
      z.regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, {
        error: 'expected the IAM role ARN of the function, such as arn:aws:iam::123456789012:role/responder',
      }),
    ),
  ),
  STATE_TABLE_NAME: z
    .string({ error: 'is required (the DynamoDB table for idempotency and remediation history)' })
    .check(z.regex(TABLE_NAME, { error: 'expected a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)' })),
});

export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

/** Reads and validates the responder's environment once; throws a ConfigurationError naming every bad variable. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): ResponderConfig {
  // An empty variable is treated as unset, so CDK or a shell can leave optional ones blank.
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = environmentSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? 'environment');
      const received = present[name];
      return `${name} ${issue.message}${received === undefined ? '' : ` (received "${received.slice(0, 80)}")`}`;
    });
    throw new ConfigurationError(`Invalid responder configuration: ${problems.join('; ')}`, {
      cause: parsed.error,
    });
  }
  const values = parsed.data;
  return {
    mode: values.RESPONDER_MODE,
    notificationTopicArn: values.NOTIFICATION_TOPIC_ARN,
    metricNamespace: values.METRIC_NAMESPACE,
    requireAgentManagement: values.REQUIRE_AGENT_MANAGEMENT === 'true',
    maxRemediationsPerHour: Number(values.MAX_REMEDIATIONS_PER_HOUR),
    stateTableName: values.STATE_TABLE_NAME,
    scope: values.RESPONDER_SCOPE,
    autoEnableTarget: values.ORGANIZATION_AUTO_ENABLE_TARGET,
    roleArn: values.RESPONDER_ROLE_ARN,
  };
}
