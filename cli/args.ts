import { parseArgs } from 'node:util';
import * as z from 'zod/mini';
import { exemptionEnd } from '../handlers/core/exemption.js';
import { RUNTIME_TARGETS, type RuntimeTarget } from '../handlers/core/target.js';
import type { RuntimeFeature } from '../handlers/core/types.js';
import { COVERAGE_MODES, type CoverageMode } from './coverage.js';
import { UsageError } from './errors.js';
import { isKnownRegion, suggestRegion } from './regions.js';

export const COMMANDS = ['check', 'enable', 'migrate', 'backout', 'exempt', 'unexempt'] as const;
export type CommandName = (typeof COMMANDS)[number];
/** Commands with their own parser and help (cli/main.ts routes them first): named in the unknown-command hint. */
export const STANDALONE_COMMANDS = ['report', 'scp'] as const;
const ALL_COMMANDS = [...COMMANDS, ...STANDALONE_COMMANDS].join(', ');

/** Which Regions a command acts on. `default` is the SDK's Region (AWS_REGION or the profile's). */
export type RegionScope =
  | { readonly kind: 'list'; readonly regions: readonly string[] }
  | { readonly kind: 'default' }
  | { readonly kind: 'all' };

export interface GlobalOptions {
  readonly scope: RegionScope;
  readonly profile: string | undefined;
  readonly accountId: string | undefined;
  /** `--endpoint-url`, as the AWS CLI's: where the GuardDuty calls go. */
  readonly endpointUrl: string | undefined;
  readonly json: boolean;
  readonly requireAgentManagement: boolean;
  /** `--target`, as the responder's RUNTIME_TARGET: which generation counts as compliant (default `any`). */
  readonly runtimeTarget: RuntimeTarget;
  /** check: `--coverage` (`enforce`) or `--coverage=report`; undefined: no coverage read. */
  readonly coverage?: CoverageMode | undefined;
}

export interface ExemptionRequest {
  readonly reason: string;
  /** As typed (trimmed): it becomes the `drift-responder:exempt-until` tag value. */
  readonly until: string;
  readonly end: Date;
}

export type ParsedCommand =
  | { readonly command: 'help'; readonly topic: CommandName | undefined }
  | { readonly command: 'version' }
  | { readonly command: 'check'; readonly options: GlobalOptions; readonly strict: boolean }
  | {
      readonly command: 'enable';
      readonly options: GlobalOptions;
      readonly generation: RuntimeFeature | undefined;
      readonly dryRun: boolean;
    }
  | {
      readonly command: 'backout' | 'exempt';
      readonly options: GlobalOptions;
      readonly exemption: ExemptionRequest;
      readonly dryRun: boolean;
    }
  | { readonly command: 'unexempt'; readonly options: GlobalOptions; readonly dryRun: boolean }
  | { readonly command: 'migrate'; readonly options: GlobalOptions; readonly dryRun: boolean };

export const GENERATIONS: Readonly<Record<string, RuntimeFeature>> = {
  runtime: 'RUNTIME_MONITORING',
  eks: 'EKS_RUNTIME_MONITORING',
};

export const DEFAULT_MAX_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

type OptionSpec = { type: 'string' | 'boolean'; multiple?: boolean; short?: string };

const GLOBAL_OPTIONS = {
  region: { type: 'string', multiple: true },
  profile: { type: 'string' },
  'account-id': { type: 'string' },
  'endpoint-url': { type: 'string' },
  json: { type: 'boolean' },
  'require-agent-management': { type: 'string' },
  target: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Record<string, OptionSpec>;

const EXEMPTION_OPTIONS = {
  reason: { type: 'string' },
  until: { type: 'string' },
  'max-days': { type: 'string' },
  'dry-run': { type: 'boolean' },
} as const satisfies Record<string, OptionSpec>;

const COMMAND_OPTIONS = {
  check: {
    ...GLOBAL_OPTIONS,
    'all-regions': { type: 'boolean' },
    strict: { type: 'boolean' },
    coverage: { type: 'string' },
  },
  enable: { ...GLOBAL_OPTIONS, generation: { type: 'string' }, 'dry-run': { type: 'boolean' } },
  migrate: { ...GLOBAL_OPTIONS, 'all-regions': { type: 'boolean' }, 'dry-run': { type: 'boolean' } },
  backout: { ...GLOBAL_OPTIONS, ...EXEMPTION_OPTIONS },
  exempt: { ...GLOBAL_OPTIONS, ...EXEMPTION_OPTIONS },
  unexempt: { ...GLOBAL_OPTIONS, 'dry-run': { type: 'boolean' } },
} as const satisfies Record<CommandName, Record<string, OptionSpec>>;

/**
 * Tag values GuardDuty accepts (the AWS tagging rules): letters, digits, spaces and `_ . : / = + - @`, at most 256.
 * Checked here so a bad reason fails before the tag call instead of halfway through a backout.
 */
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

const received = (issue: { input?: unknown }) =>
  typeof issue.input === 'string' ? ` (received "${issue.input.slice(0, 80)}")` : '';

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

const regionValue = z.string().check(
  z.refine(isKnownRegion, {
    error: (issue) => {
      const value = typeof issue.input === 'string' ? issue.input : '';
      const hint = suggestRegion(value);
      return `unknown Region "${value.slice(0, 40)}"${hint ? `; did you mean ${hint}?` : ''} (expected a Region such as eu-west-1)`;
    },
  }),
);

const common = {
  region: z.optional(z.array(regionValue)),
  profile: z.optional(z.string().check(z.minLength(1, { error: 'must not be empty' }))),
  'account-id': z.optional(
    z
      .string()
      .check(
        z.regex(/^\d{12}$/, { error: (issue) => `expected a 12-digit AWS account id${received(issue)}` }),
      ),
  ),
  'endpoint-url': z.optional(
    z.string().check(
      z.refine(isHttpUrl, {
        error: (issue) =>
          `expected an http:// or https:// URL such as http://127.0.0.1:5000 or https://guardduty.eu-west-1.amazonaws.com${received(issue)}`,
      }),
    ),
  ),
  json: z.optional(z.boolean()),
  'require-agent-management': z.optional(
    z.enum(['true', 'false'], { error: (issue) => `expected "true" or "false"${received(issue)}` }),
  ),
  target: z.optional(
    z.enum(RUNTIME_TARGETS, {
      error: (issue) =>
        `expected "any" (either generation, Security Hub GuardDuty.7) or "unified" (RUNTIME_MONITORING only, GuardDuty.7 and GuardDuty.11)${received(issue)}`,
    }),
  ),
  help: z.optional(z.boolean()),
};

const exemptionFields = {
  reason: z.optional(
    z.string().check(
      z.refine((value) => value.trim().length > 0, { error: 'must not be empty' }),
      z.maxLength(256, { error: 'must be at most 256 characters (the limit of a tag value)' }),
      z.regex(TAG_VALUE, {
        error:
          'may contain only letters, digits, spaces and _ . : / = + - @ (what a GuardDuty tag value accepts), ' +
          'e.g. "CHG-1234 agent conflicts with kernel module"',
      }),
    ),
  ),
  until: z.optional(
    z.string().check(
      z.refine((value) => exemptionEnd(value) !== undefined, {
        error: (issue) =>
          `expected a date YYYY-MM-DD (valid through that whole day, UTC) or a date-time with offset such as 2026-12-01T18:00:00Z${received(issue)}`,
      }),
    ),
  ),
  'max-days': z.optional(
    z.string().check(
      z.regex(/^\d{1,3}$/, {
        error: (issue) => `expected a whole number of days from 1 to 365${received(issue)}`,
      }),
      z.refine((value) => Number(value) >= 1 && Number(value) <= 365, {
        error: (issue) => `expected a whole number of days from 1 to 365${received(issue)}`,
      }),
    ),
  ),
  'dry-run': z.optional(z.boolean()),
};

const SCHEMAS = {
  check: z.object({
    ...common,
    'all-regions': z.optional(z.boolean()),
    strict: z.optional(z.boolean()),
    coverage: z.optional(
      z.enum(COVERAGE_MODES, {
        error: (issue) =>
          `expected --coverage (unhealthy clusters fail the check) or --coverage=report (they are only shown)${received(issue)}`,
      }),
    ),
  }),
  enable: z.object({
    ...common,
    generation: z.optional(
      z.enum(['runtime', 'eks'], {
        error: (issue) =>
          `expected "runtime" (RUNTIME_MONITORING) or "eks" (EKS_RUNTIME_MONITORING, legacy)${received(issue)}`,
      }),
    ),
    'dry-run': z.optional(z.boolean()),
  }),
  backout: z.object({ ...common, ...exemptionFields }),
  exempt: z.object({ ...common, ...exemptionFields }),
  unexempt: z.object({ ...common, 'dry-run': z.optional(z.boolean()) }),
  migrate: z.object({
    ...common,
    'all-regions': z.optional(z.boolean()),
    'dry-run': z.optional(z.boolean()),
  }),
};

function isCommand(value: string | undefined): value is CommandName {
  return (COMMANDS as readonly string[]).includes(value ?? '');
}

function usage(message: string, command?: CommandName, cause?: unknown): UsageError {
  const hint = command ? `guardduty-drift ${command} --help` : 'guardduty-drift --help';
  return new UsageError(`${message}\nRun \`${hint}\` for usage.`, cause === undefined ? {} : { cause });
}

/** The option values, checked against the command's schema; every problem is named with its option. */
function validate<T>(schema: z.ZodMiniType<T>, values: Record<string, unknown>, command: CommandName): T {
  const result = schema.safeParse(values);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const option = issue.path.find((part) => typeof part === 'string');
    return option ? `--${option}: ${issue.message}` : issue.message;
  });
  throw usage(problems.join('\n'), command, result.error);
}

function globalOptions(values: z.infer<typeof SCHEMAS.check>, allRegions: boolean): GlobalOptions {
  const regions = [...new Set(values.region ?? [])];
  const scope: RegionScope = allRegions
    ? { kind: 'all' }
    : regions.length
      ? { kind: 'list', regions }
      : { kind: 'default' };
  return {
    scope,
    profile: values.profile,
    accountId: values['account-id'],
    endpointUrl: values['endpoint-url'],
    json: values.json ?? false,
    requireAgentManagement: values['require-agent-management'] !== 'false',
    runtimeTarget: values.target ?? 'any',
  };
}

/** Validates --reason/--until/--max-days together: both required, the expiry in the future and within the maximum. */
function exemptionRequest(
  command: 'backout' | 'exempt',
  values: z.infer<typeof SCHEMAS.backout>,
  now: Date,
): ExemptionRequest {
  const what = command === 'backout' ? 'a backout' : 'an exemption';
  const reason = values.reason?.trim();
  if (!reason) {
    throw usage(
      `missing --reason TEXT: ${what} needs a reason, recorded in the drift-responder:exempt-reason tag and shown in every alert`,
      command,
    );
  }
  if (values.until === undefined) {
    throw usage(
      `missing --until DATE: ${what} needs an expiry (YYYY-MM-DD or an ISO 8601 date-time), after which the responder re-enables protection`,
      command,
    );
  }
  const until = values.until.trim();
  const end = exemptionEnd(until);
  if (end === undefined) throw usage(`--until "${until}" is not a date`, command);
  if (end.getTime() <= now.getTime()) {
    throw usage(`--until ${until} is in the past (now ${now.toISOString()}); give a future date`, command);
  }
  const maxDays = Number(values['max-days'] ?? DEFAULT_MAX_DAYS);
  // The latest expiry is the end of the UTC day `maxDays` days from today, so a date-only --until counts in days.
  const startOfToday = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const latest = new Date(startOfToday + (maxDays + 1) * DAY_MS);
  if (end.getTime() > latest.getTime()) {
    const lastDate = new Date(latest.getTime() - DAY_MS).toISOString().slice(0, 10);
    throw usage(
      `--until ${until} is more than ${maxDays} days ahead (latest allowed: ${lastDate}); ` +
        'choose an earlier date, or raise the limit with --max-days N (at most 365) if your change process allows it',
      command,
    );
  }
  return { reason, until, end };
}

/** Parses and validates a command line (argv without `node` and the script). Throws UsageError on any problem. */
export function parseCommandLine(argv: readonly string[], now: Date): ParsedCommand {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h')
    return { command: 'help', topic: undefined };
  if (first === 'help') {
    const topic = rest[0];
    if (topic !== undefined && !isCommand(topic))
      throw usage(`unknown command "${topic}" (expected one of: ${ALL_COMMANDS})`);
    return { command: 'help', topic };
  }
  if (first === '--version' || first === 'version') return { command: 'version' };
  if (!isCommand(first)) {
    throw usage(
      first.startsWith('-')
        ? `expected a command before ${first} (one of: ${ALL_COMMANDS})`
        : `unknown command "${first}" (expected one of: ${ALL_COMMANDS})`,
    );
  }
  if (rest.includes('--help') || rest.includes('-h')) return { command: 'help', topic: first };

  let values: Record<string, unknown>;
  try {
    const parsed = parseArgs({
      // `--coverage` alone is `--coverage=enforce`: parseArgs has no option with an optional value.
      args:
        first === 'check'
          ? rest.map((arg) => (arg === '--coverage' ? '--coverage=enforce' : arg))
          : [...rest],
      options: COMMAND_OPTIONS[first],
      strict: true,
      allowPositionals: false,
    });
    values = parsed.values;
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw usage(`${first}: ${message}`, first, error);
  }

  switch (first) {
    case 'check': {
      const data = validate(SCHEMAS.check, values, first);
      if (data['all-regions'] && data.region?.length) {
        throw usage('--all-regions and --region exclude each other: give one of them', first);
      }
      return {
        command: 'check',
        options: { ...globalOptions(data, data['all-regions'] ?? false), coverage: data.coverage },
        strict: data.strict ?? false,
      };
    }
    case 'enable': {
      const data = validate(SCHEMAS.enable, values, first);
      if (data.generation === 'eks' && data.target === 'unified') {
        throw usage(
          '--generation eks and --target unified exclude each other: the unified target accepts RUNTIME_MONITORING only',
          first,
        );
      }
      return {
        command: 'enable',
        options: globalOptions(data, false),
        generation: data.generation === undefined ? undefined : GENERATIONS[data.generation],
        dryRun: data['dry-run'] ?? false,
      };
    }
    case 'backout':
    case 'exempt': {
      const data = validate(SCHEMAS[first], values, first);
      return {
        command: first,
        options: globalOptions(data, false),
        exemption: exemptionRequest(first, data, now),
        dryRun: data['dry-run'] ?? false,
      };
    }
    case 'migrate': {
      const data = validate(SCHEMAS.migrate, values, first);
      if (data['all-regions'] && data.region?.length) {
        throw usage('--all-regions and --region exclude each other: give one of them', first);
      }
      if (data.target === 'any') {
        throw usage(
          '--target any makes no sense for migrate: it always moves a detector to RUNTIME_MONITORING (the unified target)',
          first,
        );
      }
      const options = globalOptions(data, data['all-regions'] ?? false);
      return {
        command: 'migrate',
        options: { ...options, runtimeTarget: 'unified' },
        dryRun: data['dry-run'] ?? false,
      };
    }
    case 'unexempt': {
      const data = validate(SCHEMAS.unexempt, values, first);
      return { command: 'unexempt', options: globalOptions(data, false), dryRun: data['dry-run'] ?? false };
    }
  }
}
