/** Exit codes of every command; part of the CLI's contract (docs/runbook.md, `--help`). */
export const EXIT = {
  /** Everything in scope is compliant (or the command did what it was asked). */
  ok: 0,
  /** Something in scope is not compliant (check), or did not end compliant / as asked (enable, backout, exempt). */
  nonCompliant: 1,
  /** Bad arguments: nothing was sent to AWS. */
  usage: 2,
  /** AWS refused or failed: missing credentials, access denied, throttled, unreachable or silent endpoint. */
  aws: 3,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A bad command line; the message says what was received and what was expected. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * What went wrong with an AWS call: `unreachable` is a connection refused, reset or timed out (no answer at all),
 * `unsupported` an endpoint that does not implement the API (an emulator answering HTTP 404 with a web page).
 */
export type AwsErrorKind =
  | 'credentials'
  | 'access-denied'
  | 'region-not-enabled'
  | 'unreachable'
  | 'unsupported'
  | 'aws';

/** An AWS call failed; the message is written for the operator, the SDK error stays in `cause`. */
export class AwsCallError extends Error {
  override readonly name = 'AwsCallError';
  constructor(
    message: string,
    readonly kind: AwsErrorKind,
    options: ErrorOptions,
  ) {
    super(message, options);
  }
}

const CREDENTIAL_ERRORS = new Set(['CredentialsProviderError', 'TokenProviderError']);
const INVALID_TOKEN_ERRORS = new Set([
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'ExpiredTokenException',
  'ExpiredToken',
  'AuthFailure',
]);
const ACCESS_DENIED_ERRORS = new Set(['AccessDeniedException', 'AccessDenied', 'UnauthorizedOperation']);
/** Network failures by Node's `code`: nothing, or nothing usable, came back from the endpoint. */
const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
const TAGGING_ACTIONS = new Set(['guardduty:TagResource', 'guardduty:UntagResource']);

/** Where the CLI sent a call, for messages: the endpoint URL when one is configured, else AWS's own in the Region. */
export interface CallTarget {
  readonly region: string;
  readonly optIn: boolean;
  readonly endpoint: string | undefined;
}

function fieldOf(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

/** The HTTP status and attempt count the SDK records on its errors (`$metadata`), when there are any. */
function metadataOf(error: unknown): { status: number | undefined; attempts: number | undefined } {
  const metadata = fieldOf(error, '$metadata');
  const status = fieldOf(metadata, 'httpStatusCode');
  const attempts = fieldOf(metadata, 'attempts');
  return {
    status: typeof status === 'number' ? status : undefined,
    attempts: typeof attempts === 'number' ? attempts : undefined,
  };
}

function isNetworkFailure(error: unknown, name: string): boolean {
  const code = fieldOf(error, 'code');
  return name === 'TimeoutError' || (typeof code === 'string' && NETWORK_ERROR_CODES.has(code));
}

/** What a network failure was, in words: the SDK's timeout messages name the setting, not what happened. */
function describeNetworkFailure(error: unknown, name: string, detail: string, where: string): string {
  const timeout = /configured (?:timeout of )?(\d+) ms/.exec(detail)?.[1];
  const seconds = timeout === undefined ? '' : ` within ${Number(timeout) / 1000} s`;
  if (name === 'TimeoutError' && detail.includes('requestTimeout'))
    return `no answer from ${where}${seconds}`;
  if (name === 'TimeoutError') return `could not connect to ${where}${seconds}`;
  if (fieldOf(error, 'code') === 'ECONNREFUSED') return `${where} refused the connection`;
  return `could not reach ${where} (${name}: ${detail})`;
}

/**
 * An answer that is no AWS error at all: HTTP 404 with a body the SDK could not read as one (moto serves an HTML
 * page for an API it lacks, which the SDK reports as `SyntaxError: Unexpected token '<'`). Modelled service errors
 * carry `$fault`; these do not.
 */
function isMissingApi(error: unknown): boolean {
  return metadataOf(error).status === 404 && fieldOf(error, '$fault') === undefined;
}

export const NO_CREDENTIALS_MESSAGE =
  'no AWS credentials found; set AWS_PROFILE (or pass --profile) for a profile in ~/.aws/config, ' +
  'run `aws sso login --profile NAME` for an SSO profile, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY';

/**
 * Turns an SDK error into an operator-facing one, naming the IAM action (`guardduty:UpdateDetector`) a denial is
 * about. Errors are matched by `name`, never by class (the SDK's classes differ between packages).
 */
export function explainAwsError(error: unknown, action: string, target: CallTarget): AwsCallError {
  const { region, optIn } = target;
  const name = error instanceof Error ? error.name : 'Error';
  // SDK messages can run over several lines (deserialisation errors): the first one says what happened.
  const detail = (error instanceof Error ? error.message : String(error)).split('\n')[0]?.trim() ?? '';
  if (CREDENTIAL_ERRORS.has(name)) {
    return new AwsCallError(`${NO_CREDENTIALS_MESSAGE} (${detail})`, 'credentials', { cause: error });
  }
  if (INVALID_TOKEN_ERRORS.has(name)) {
    if (optIn && (name === 'UnrecognizedClientException' || name === 'InvalidClientTokenId')) {
      return new AwsCallError(
        `${region} is an opt-in Region that this account has not enabled (${name})`,
        'region-not-enabled',
        { cause: error },
      );
    }
    return new AwsCallError(
      `the AWS credentials were rejected in ${region} (${name}: ${detail}); refresh them (aws sso login, a new session) and retry`,
      'credentials',
      { cause: error },
    );
  }
  if (ACCESS_DENIED_ERRORS.has(name)) {
    return new AwsCallError(
      `access denied in ${region}: the identity needs the IAM permission ${action} (${detail})`,
      'access-denied',
      { cause: error },
    );
  }
  const where =
    target.endpoint ?? `the ${action.split(':')[0] === 'sts' ? 'STS' : 'GuardDuty'} endpoint of ${region}`;
  if (isNetworkFailure(error, name)) {
    const { attempts } = metadataOf(error);
    const tries = attempts && attempts > 1 ? ` (${attempts} attempts)` : '';
    return new AwsCallError(
      `${action} in ${region}: ${describeNetworkFailure(error, name, detail, where)}${tries}; check the network, ` +
        "proxy or VPN, and the endpoint (--endpoint-url, AWS_ENDPOINT_URL, the profile's endpoint_url)",
      'unreachable',
      { cause: error },
    );
  }
  if (isMissingApi(error)) {
    const tagging = TAGGING_ACTIONS.has(action)
      ? ' The endpoint lacks the GuardDuty tagging API (TagResource, UntagResource), which backout, exempt and ' +
        'unexempt need for the exemption tags; the local emulator moto 5.x has none, so run these against AWS.'
      : '';
    return new AwsCallError(
      `${action} in ${region}: ${where} does not implement this API (HTTP 404 with a body that is no AWS error).${tagging}`,
      'unsupported',
      { cause: error },
    );
  }
  return new AwsCallError(`${action} failed in ${region}: ${name}: ${detail}`, 'aws', { cause: error });
}
