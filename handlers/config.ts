import {
  DEFAULTS,
  ENV,
  isMaxExemptionDays,
  isMaxRemediationsPerHour,
  MAX_EXEMPTION_DAYS,
  MAX_EXEMPTION_DAYS_EXPECTED,
  MAX_REMEDIATIONS_PER_HOUR,
  MAX_REMEDIATIONS_PER_HOUR_EXPECTED,
  ORGANIZATION_AUTO_ENABLE_TARGETS,
  type OwnResources,
  RESPONDER_MODES,
  RESPONDER_SCOPES,
  RUNTIME_TARGETS,
} from './contract.js';
import type { ResponderConfig } from './core/types.js';
import * as z from './schema.js';

const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;
const NAMESPACE = /^[^:][\x20-\x7E]{0,254}$/;

/** `"a" or "b"`, for the messages of the enumerated variables. */
const oneOf = (values: readonly string[]): string => values.map((value) => `"${value}"`).join(' or ');

// Variable names and accepted values come from the contract, which infra/ sets and validates against too.
const environmentSchema = z.object({
  [ENV.mode]: z._default(
    z.enum(RESPONDER_MODES, { error: `expected ${oneOf(RESPONDER_MODES)}` }),
    DEFAULTS.mode,
  ),
  [ENV.notificationTopicArn]: z.string({ error: 'is required (the ARN of the SNS topic for alerts)' }).check(
    z.regex(TOPIC_ARN, {
      error: 'expected an SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:alerts',
    }),
  ),
  [ENV.metricNamespace]: z._default(
    z.string().check(
      z.regex(NAMESPACE, { error: 'expected 1-255 printable ASCII characters, not starting with ":"' }),
      z.refine((value) => !value.startsWith('AWS/'), {
        error: 'the AWS/ prefix is reserved for AWS services',
      }),
    ),
    DEFAULTS.metricNamespace,
  ),
  [ENV.requireAgentManagement]: z._default(
    z.enum(['true', 'false'], { error: 'expected "true" or "false"' }),
    DEFAULTS.requireAgentManagement ? 'true' : 'false',
  ),
  [ENV.maxRemediationsPerHour]: z._default(
    z.string().check(
      z.refine((value) => /^[1-9]\d*$/.test(value) && isMaxRemediationsPerHour(Number(value)), {
        error: `expected ${MAX_REMEDIATIONS_PER_HOUR_EXPECTED}`,
      }),
    ),
    String(MAX_REMEDIATIONS_PER_HOUR.default),
  ),
  [ENV.maxExemptionDays]: z._default(
    z.string().check(
      z.refine((value) => /^[1-9]\d*$/.test(value) && isMaxExemptionDays(Number(value)), {
        error: `expected ${MAX_EXEMPTION_DAYS_EXPECTED}`,
      }),
    ),
    String(MAX_EXEMPTION_DAYS.default),
  ),
  [ENV.scope]: z._default(
    z.enum(RESPONDER_SCOPES, { error: `expected ${oneOf(RESPONDER_SCOPES)}` }),
    DEFAULTS.scope,
  ),
  [ENV.organizationAutoEnableTarget]: z._default(
    z.enum(ORGANIZATION_AUTO_ENABLE_TARGETS, {
      error: `expected ${oneOf(ORGANIZATION_AUTO_ENABLE_TARGETS)}`,
    }),
    DEFAULTS.organizationAutoEnableTarget,
  ),
  [ENV.runtimeTarget]: z._default(
    z.enum(RUNTIME_TARGETS, { error: `expected ${oneOf(RUNTIME_TARGETS)}` }),
    DEFAULTS.runtimeTarget,
  ),
  [ENV.roleArn]: z.optional(
    z.string().check(
      z.regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, {
        error: 'expected the IAM role ARN of the function, such as arn:aws:iam::123456789012:role/responder',
      }),
    ),
  ),
  [ENV.accountName]: z.optional(
    z.string().check(z.maxLength(64, { error: 'expected at most 64 characters (the name alerts show)' })),
  ),
  [ENV.runbookUrl]: z.optional(
    z
      .string()
      .check(z.regex(/^https:\/\/[^\s#]{1,400}$/, { error: 'expected an https URL without a #fragment' })),
  ),
  [ENV.accountAliasLookup]: z._default(
    z.enum(['true', 'false'], { error: 'expected "true" or "false"' }),
    'false',
  ),
  [ENV.coverageClusterMetrics]: z._default(
    z.enum(['true', 'false'], { error: 'expected "true" or "false"' }),
    'false',
  ),
  [ENV.securityHub]: z._default(z.enum(['true', 'false'], { error: 'expected "true" or "false"' }), 'false'),
  [ENV.stateTableName]: z
    .string({ error: 'is required (the DynamoDB table for idempotency and remediation history)' })
    .check(z.regex(TABLE_NAME, { error: 'expected a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)' })),
});

export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

const ruleName = z
  .string()
  .check(z.regex(/^[.\-_A-Za-z0-9]{1,64}$/, { error: 'expected an EventBridge rule name' }));
const arn = z
  .string()
  .check(z.regex(/^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{12}:.+$/, { error: 'expected an ARN' }));

/** OWN_RESOURCES (contract.ts OwnResources), as the construct writes it. */
const ownResourcesSchema = z.object({
  rules: z.array(
    z.object({
      name: ruleName,
      target: z.enum(['function', 'topic']),
      targetId: z.string().check(z.regex(/^[.\-_A-Za-z0-9]{1,64}$/, { error: 'expected a target id' })),
      deadLetterQueueArn: z.optional(arn),
      retryAttempts: z.optional(z.number().check(z.int(), z.minimum(0), z.maximum(185))),
      maxEventAgeSeconds: z.optional(z.number().check(z.int(), z.minimum(60), z.maximum(86_400))),
    }),
  ),
  alarmNames: z.array(z.string().check(z.minLength(1), z.maxLength(255))),
  topicKeyArn: z.optional(arn),
  trailArn: z.optional(arn),
});

/** OWN_RESOURCES, parsed: undefined when unset; a ConfigurationError naming the variable when not valid. */
export function parseOwnResources(text: string | undefined): OwnResources | undefined {
  if (text === undefined || text === '') return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigurationError(`Invalid responder configuration: ${ENV.ownResources} is not JSON`, {
      cause: error,
    });
  }
  const parsed = ownResourcesSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${[ENV.ownResources, ...issue.path.map(String)].join('.')}: ${issue.message}`,
    );
    throw new ConfigurationError(`Invalid responder configuration: ${problems.join('; ')}`, {
      cause: parsed.error,
    });
  }
  return parsed.data;
}

/** Reads and validates the responder's environment once; throws a ConfigurationError naming every bad variable. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): ResponderConfig {
  // An empty variable is treated as unset, so CDK or a shell can leave optional ones blank.
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = environmentSchema.safeParse(present);
  // OWN_RESOURCES is JSON with a shape of its own: own-resources.ts validates it after the flat variables.
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
  const ownResources = parseOwnResources(present[ENV.ownResources]);
  return {
    mode: values[ENV.mode],
    notificationTopicArn: values[ENV.notificationTopicArn],
    metricNamespace: values[ENV.metricNamespace],
    requireAgentManagement: values[ENV.requireAgentManagement] === 'true',
    maxRemediationsPerHour: Number(values[ENV.maxRemediationsPerHour]),
    maxExemptionDays: Number(values[ENV.maxExemptionDays]),
    stateTableName: values[ENV.stateTableName],
    scope: values[ENV.scope],
    autoEnableTarget: values[ENV.organizationAutoEnableTarget],
    runtimeTarget: values[ENV.runtimeTarget],
    roleArn: values[ENV.roleArn],
    coverageClusterMetrics: values[ENV.coverageClusterMetrics] === 'true',
    accountName: values[ENV.accountName],
    runbookUrl: values[ENV.runbookUrl],
    accountAliasLookup: values[ENV.accountAliasLookup] === 'true',
    securityHub: values[ENV.securityHub] === 'true',
    ...(ownResources ? { ownResources } : {}),
  };
}
