/** Exit codes of every command; part of the CLI's contract (docs/runbook.md, `--help`). */
export const EXIT = {
  /** Everything in scope is compliant (or the command did what it was asked). */
  ok: 0,
  /** Something in scope is not compliant (check), or did not end compliant / as asked (enable, backout, exempt). */
  nonCompliant: 1,
  /** Bad arguments: nothing was sent to AWS. */
  usage: 2,
  /** AWS refused or failed: missing credentials, access denied, throttled, unreachable. */
  aws: 3,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A bad command line; the message says what was received and what was expected. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** An AWS call failed; the message is written for the operator, the SDK error stays in `cause`. */
export class AwsCallError extends Error {
  override readonly name = 'AwsCallError';
  constructor(
    message: string,
    readonly kind: 'credentials' | 'access-denied' | 'region-not-enabled' | 'aws',
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

export const NO_CREDENTIALS_MESSAGE =
  'no AWS credentials found; set AWS_PROFILE (or pass --profile) for a profile in ~/.aws/config, ' +
  'run `aws sso login --profile NAME` for an SSO profile, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY';

/**
 * Turns an SDK error into an operator-facing one, naming the IAM action (`guardduty:UpdateDetector`) a denial is
 * about. Errors are matched by `name`, never by class (the SDK's classes differ between packages).
 */
export function explainAwsError(
  error: unknown,
  action: string,
  region: string,
  optIn: boolean,
): AwsCallError {
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
  return new AwsCallError(`${action} failed in ${region}: ${name}: ${detail}`, 'aws', { cause: error });
}
