/**
 * The CDK context, validated by one schema at the edge of the app.
 *
 * Over 300 lines on purpose: every context key, its bounds and the rules between keys (Slack IDs together, the SCP
 * keys only with createScp, organization keys only in organization scope) sit in one place, so `cdk synth` reports
 * every problem of a configuration at once.
 */
import { z } from 'zod';
import {
  AWS_REGION_NAME,
  DEFAULTS,
  MAX_EXEMPTION_DAYS,
  MAX_EXEMPTION_DAYS_EXPECTED,
  MAX_REMEDIATIONS_PER_HOUR,
  MAX_REMEDIATIONS_PER_HOUR_EXPECTED,
  ORGANIZATION_AUTO_ENABLE_TARGETS,
  type OrganizationAutoEnableTarget,
  RESPONDER_MODES,
  RESPONDER_SCOPES,
  type ResponderMode,
  type ResponderScope,
  RUNTIME_TARGETS,
  type RuntimeTarget,
} from '../handlers/contract.js';
import { buildScp, ROLE_ARN_EXPECTED, ROLE_ARN_PATTERN, ScpPolicyError } from '../handlers/core/scp.js';
import { COVERAGE_ALARM_MINUTES, SWEEP_INTERVAL_MINUTES } from './responder/props.js';

/** The validated deployment configuration of the app. */
export interface AppConfig {
  /** What the function does on drift: re-enable (`remediate`) or only report (`notify`). */
  readonly mode: ResponderMode;
  /**
   * What the function watches: the detector of this account (`account`), or, from the GuardDuty delegated
   * administrator account, every member account and the organization's auto-enable setting (`organization`).
   */
  readonly scope: ResponderScope;
  /**
   * Organization scope: the lowest auto-enable setting of runtime monitoring (and its agent management) that counts
   * as compliant, and that the function restores (`ALL`: every member account, `NEW`: accounts joining later).
   */
  readonly organizationAutoEnableTarget: OrganizationAutoEnableTarget;
  /** Regions to deploy one stack each to; empty means one environment-agnostic stack (Region chosen at deploy time). */
  readonly regions: readonly string[];
  /** Addresses subscribed to the alert topic (each must confirm the subscription e-mail). */
  readonly notificationEmails: readonly string[];
  /** AWS Chatbot Slack channel bound to the topic, when both ids are configured. */
  readonly slack: { readonly workspaceId: string; readonly channelId: string } | undefined;
  /** Minutes between two scheduled sweeps. */
  readonly sweepIntervalMinutes: number;
  /** Whether EKS add-on (agent) management must be on for a detector to count as compliant. */
  readonly requireAgentManagement: boolean;
  /**
   * Which generation of runtime monitoring counts as compliant: `any` (either) or `unified` (RUNTIME_MONITORING only,
   * what Security Hub GuardDuty.11 also checks; legacy detectors are migrated). See docs/generations.md.
   */
  readonly runtimeTarget: RuntimeTarget;
  /** Re-enables of one detector per hour before its pages fold into one critical page an hour. */
  readonly maxRemediationsPerHour: number;
  /** The longest exemption the function honours, in days. */
  readonly maxExemptionDays: number;
  /** Minutes an EKS cluster may stay unhealthy (runtime coverage) before the coverage alarm fires. */
  readonly coverageAlarmMinutes: number;
  /** Whether the sweep also publishes per-cluster coverage metrics (two custom metrics per EKS cluster). */
  readonly coverageClusterMetrics: boolean;
  /** Whether to create a multi-Region CloudTrail trail (in the first configured Region only). */
  readonly createTrail: boolean;
  /** The account's name alerts show beside its id (`ACCOUNT_NAME`); undefined: the id alone. */
  readonly accountName?: string | undefined;
  /** The runbook alerts link to (`RUNBOOK_URL`); undefined: docs/runbook.md of the repository. */
  readonly runbookUrl?: string | undefined;
  /** Without accountName, name the account in alerts by its IAM alias (iam:ListAccountAliases, once per cold start). */
  readonly lookupAccountAlias?: boolean | undefined;
  /** Whether each drift is also a Security Hub finding, resolved on restore (`SECURITY_HUB`, docs/audit.md). */
  readonly securityHub: boolean;
  /**
   * The service control policy stack (`createScp`, management account only); undefined: no such stack. See
   * infra/scp-stack.ts.
   */
  readonly scp?: ScpConfig | undefined;
}

/** What the SCP stack needs: the roles the policy exempts (at least one) and where to attach it. */
export interface ScpConfig {
  readonly responderRoleArn?: string | undefined;
  readonly breakGlassRoleArn?: string | undefined;
  /** Root (`r-…`), OU (`ou-…-…`) or account ids to attach the policy to; empty: created, attached to nothing. */
  readonly targetIds: readonly string[];
}

/** Thrown when the CDK context holds an invalid configuration; its message lists every problem, one per line. */
export class AppConfigError extends Error {
  constructor(
    readonly problems: readonly string[],
    options?: ErrorOptions,
  ) {
    super(
      `Invalid configuration (CDK context, see docs/deploy.md):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      options,
    );
    this.name = 'AppConfigError';
  }
}

// `-c key=value` on the command line always gives strings; cdk.json gives JSON types. Accept both.
const fromList = (value: unknown): unknown =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item.length > 0)
    : value;
const fromBoolean = (value: unknown): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;
const fromNumber = (value: unknown): unknown =>
  typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value;

/** `"a", "b"`, for the messages of the enumerated keys. */
const oneOf = (values: readonly string[]): string => values.map((value) => `"${value}"`).join(', ');

const SLACK_WORKSPACE_ID = /^[0-9A-Z]{1,255}$/;
const SLACK_CHANNEL_ID = /^[A-Za-z0-9]+$/;
// The TargetId pattern of organizations:AttachPolicy: a root, an account or an organizational unit.
const SCP_TARGET_ID = /^(r-[0-9a-z]{4,32}|\d{12}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/;
const SCP_KEYS = ['scpResponderRoleArn', 'scpBreakGlassRoleArn', 'scpTargetIds'] as const;
const roleArn = z
  .string({ error: `must be ${ROLE_ARN_EXPECTED}` })
  .regex(ROLE_ARN_PATTERN, { error: `must be ${ROLE_ARN_EXPECTED}` })
  .optional();

const schema = z.object({
  mode: z.enum(RESPONDER_MODES, { error: `must be one of ${oneOf(RESPONDER_MODES)}` }).default(DEFAULTS.mode),
  scope: z
    .enum(RESPONDER_SCOPES, { error: `must be one of ${oneOf(RESPONDER_SCOPES)}` })
    .default(DEFAULTS.scope),
  organizationAutoEnableTarget: z
    .enum(ORGANIZATION_AUTO_ENABLE_TARGETS, {
      error: `must be one of ${oneOf(ORGANIZATION_AUTO_ENABLE_TARGETS)} (upper case)`,
    })
    .default(DEFAULTS.organizationAutoEnableTarget),
  regions: z.preprocess(
    fromList,
    z
      .array(z.string().regex(AWS_REGION_NAME, { error: 'must be Region names such as "eu-west-1"' }), {
        error: 'must be a list of Region names (JSON array, or comma-separated on the command line)',
      })
      .refine((regions) => new Set(regions).size === regions.length, { error: 'must not repeat a Region' })
      .default([]),
  ),
  notificationEmails: z.preprocess(
    fromList,
    z
      .array(z.email({ error: 'must be e-mail addresses such as "secops@example.com"' }), {
        error: 'must be a list of e-mail addresses (JSON array, or comma-separated on the command line)',
      })
      .default([]),
  ),
  slackWorkspaceId: z
    .string({ error: 'must be a string' })
    .regex(SLACK_WORKSPACE_ID, {
      error: 'must be a Slack workspace (team) id such as "T012AB3CD" (upper-case letters and digits)',
    })
    .optional(),
  slackChannelId: z
    .string({ error: 'must be a string' })
    .regex(SLACK_CHANNEL_ID, { error: 'must be a Slack channel id such as "C012AB3CD" (letters and digits)' })
    .optional(),
  sweepIntervalMinutes: z.preprocess(
    fromNumber,
    z
      .number({ error: 'must be a whole number of minutes' })
      .int({ error: 'must be a whole number of minutes' })
      .min(SWEEP_INTERVAL_MINUTES.min, { error: `must be at least ${SWEEP_INTERVAL_MINUTES.min}` })
      .max(SWEEP_INTERVAL_MINUTES.max, { error: `must be at most ${SWEEP_INTERVAL_MINUTES.max}` })
      .default(SWEEP_INTERVAL_MINUTES.default),
  ),
  requireAgentManagement: z.preprocess(
    fromBoolean,
    z.boolean({ error: 'must be true or false' }).default(DEFAULTS.requireAgentManagement),
  ),
  runtimeTarget: z
    .enum(RUNTIME_TARGETS, { error: `must be one of ${oneOf(RUNTIME_TARGETS)}` })
    .default(DEFAULTS.runtimeTarget),
  // The function's own bounds (handlers/contract.ts): a value outside them would fail every cold start.
  maxRemediationsPerHour: z.preprocess(
    fromNumber,
    z
      .number({ error: `must be ${MAX_REMEDIATIONS_PER_HOUR_EXPECTED}` })
      .int({ error: `must be ${MAX_REMEDIATIONS_PER_HOUR_EXPECTED}` })
      .min(MAX_REMEDIATIONS_PER_HOUR.min, { error: `must be ${MAX_REMEDIATIONS_PER_HOUR_EXPECTED}` })
      .max(MAX_REMEDIATIONS_PER_HOUR.max, { error: `must be ${MAX_REMEDIATIONS_PER_HOUR_EXPECTED}` })
      .default(MAX_REMEDIATIONS_PER_HOUR.default),
  ),
  maxExemptionDays: z.preprocess(
    fromNumber,
    z
      .number({ error: `must be ${MAX_EXEMPTION_DAYS_EXPECTED}` })
      .int({ error: `must be ${MAX_EXEMPTION_DAYS_EXPECTED}` })
      .min(MAX_EXEMPTION_DAYS.min, { error: `must be ${MAX_EXEMPTION_DAYS_EXPECTED}` })
      .max(MAX_EXEMPTION_DAYS.max, { error: `must be ${MAX_EXEMPTION_DAYS_EXPECTED}` })
      .default(MAX_EXEMPTION_DAYS.default),
  ),
  coverageAlarmMinutes: z.preprocess(
    fromNumber,
    z
      .number({ error: 'must be a whole number of minutes' })
      .int({ error: 'must be a whole number of minutes' })
      .min(COVERAGE_ALARM_MINUTES.min, { error: `must be at least ${COVERAGE_ALARM_MINUTES.min}` })
      .max(COVERAGE_ALARM_MINUTES.max, { error: `must be at most ${COVERAGE_ALARM_MINUTES.max} (one day)` })
      .default(COVERAGE_ALARM_MINUTES.default),
  ),
  coverageClusterMetrics: z.preprocess(
    fromBoolean,
    z.boolean({ error: 'must be true or false' }).default(false),
  ),
  createTrail: z.preprocess(fromBoolean, z.boolean({ error: 'must be true or false' }).default(false)),
  accountName: z
    .string({ error: 'must be a name of 1 to 64 characters' })
    .min(1, { error: 'must be a name of 1 to 64 characters' })
    .max(64, { error: 'must be a name of 1 to 64 characters' })
    .optional(),
  runbookUrl: z
    .string({ error: 'must be an https URL without a #fragment' })
    .regex(/^https:\/\/[^\s#]{1,400}$/, { error: 'must be an https URL without a #fragment' })
    .optional(),
  lookupAccountAlias: z.preprocess(fromBoolean, z.boolean({ error: 'must be true or false' }).default(false)),
  securityHub: z.preprocess(fromBoolean, z.boolean({ error: 'must be true or false' }).default(false)),
  createScp: z.preprocess(fromBoolean, z.boolean({ error: 'must be true or false' }).default(false)),
  scpResponderRoleArn: roleArn,
  scpBreakGlassRoleArn: roleArn,
  scpTargetIds: z.preprocess(
    fromList,
    z
      .array(
        z.string().regex(SCP_TARGET_ID, {
          error: 'must be a root id (r-…), an OU id (ou-…-…) or a 12-digit account id',
        }),
        {
          error:
            'must be a list of root, OU or account ids (JSON array, or comma-separated on the command line)',
        },
      )
      .refine((ids) => new Set(ids).size === ids.length, { error: 'must not repeat an id' })
      .default([]),
  ),
});

/** The context keys this app understands, without the prefix. */
export const CONFIG_KEYS = Object.keys(schema.shape) as readonly (keyof typeof schema.shape)[];

/**
 * Validates the app's keys of a CDK context (as returned by `app.node.getAllContext()`: `cdk.json` "context" and
 * `cdk deploy -c key=value`). Other keys (feature flags, `aws:cdk:*`) are left alone, but a key one or two letters
 * away from one of ours is an error, so a typo never silently falls back to a default.
 * @throws AppConfigError naming each wrong key, what it must be and what it received.
 */
export function loadAppConfig(context: Readonly<Record<string, unknown>>): AppConfig {
  const known: readonly string[] = CONFIG_KEYS;
  const raw: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, value] of Object.entries(context)) {
    if (known.includes(key)) {
      raw[key] = value;
      continue;
    }
    const near = known.find((candidate) => editDistance(key.toLowerCase(), candidate.toLowerCase()) <= 2);
    if (near !== undefined) problems.push(`${key} is not a known key; did you mean ${near}?`);
  }
  if (problems.length > 0) throw new AppConfigError(problems);
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const listed = {
      ...raw,
      regions: fromList(raw.regions),
      notificationEmails: fromList(raw.notificationEmails),
      scpTargetIds: fromList(raw.scpTargetIds),
    };
    for (const issue of parsed.error.issues) {
      const [head, ...rest] = issue.path;
      const where = rest.length > 0 ? `${String(head)}[${rest.map(String).join('][')}]` : String(head);
      problems.push(`${where} ${issue.message} (received ${describe(valueAt(listed, issue.path))})`);
    }
    throw new AppConfigError(problems, { cause: parsed.error });
  }
  const {
    slackWorkspaceId,
    slackChannelId,
    createScp,
    scpResponderRoleArn,
    scpBreakGlassRoleArn,
    scpTargetIds,
    ...rest
  } = parsed.data;
  if ((slackWorkspaceId === undefined) !== (slackChannelId === undefined)) {
    throw new AppConfigError([
      'slackWorkspaceId and slackChannelId must be set together ' +
        `(received workspace ${describe(slackWorkspaceId)}, channel ${describe(slackChannelId)})`,
    ]);
  }
  if (rest.scope !== 'organization' && raw.organizationAutoEnableTarget !== undefined) {
    throw new AppConfigError([
      'organizationAutoEnableTarget applies only with scope "organization" ' +
        `(received ${describe(raw.organizationAutoEnableTarget)} with scope ${describe(rest.scope)})`,
    ]);
  }
  const slack =
    slackWorkspaceId !== undefined && slackChannelId !== undefined
      ? { workspaceId: slackWorkspaceId, channelId: slackChannelId }
      : undefined;
  const scp = createScp
    ? scpConfig({
        responderRoleArn: scpResponderRoleArn,
        breakGlassRoleArn: scpBreakGlassRoleArn,
        targetIds: scpTargetIds,
      })
    : undefined;
  if (!createScp) {
    const stray = SCP_KEYS.filter((key) => raw[key] !== undefined);
    if (stray.length > 0) {
      throw new AppConfigError(
        stray.map((key) => `${key} applies only with createScp true (received ${describe(raw[key])})`),
      );
    }
  }
  return scp === undefined ? { ...rest, slack } : { ...rest, slack, scp };
}

/** The SCP keys once parsed: at least one exempt role, and a document within the SCP size limit. */
function scpConfig(scp: ScpConfig): ScpConfig {
  if (scp.responderRoleArn === undefined && scp.breakGlassRoleArn === undefined) {
    throw new AppConfigError([
      'createScp needs scpResponderRoleArn or scpBreakGlassRoleArn (or both): a policy that exempts no role ' +
        "would deny the responder's own remediation (and every backout) in the accounts it is attached to",
    ]);
  }
  try {
    buildScp(scp);
  } catch (error) {
    if (error instanceof ScpPolicyError)
      throw new AppConfigError([`createScp: ${error.message}`], { cause: error });
    throw error;
  }
  return scp;
}

/** Levenshtein distance, for "did you mean". */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current = root;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

function describe(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}
