import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JsonLogger } from '../handlers/logger.js';

/** Paths and constants shared by the benchmark sections. */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const RESULTS_DIR = join(ROOT, 'bench', 'results');
export const DIST_DIR = join(RESULTS_DIR, 'dist');
export const ACCOUNT_ID = '123456789012';
export const FUNCTION_NAME = 'guardduty-drift-responder';
/** The execution role of the own-event fixture (test/fixtures/UpdateDetector.responder-own-enable.synthetic.json). */
export const ROLE_ARN = `arn:aws:iam::${ACCOUNT_ID}:role/GuardDutyDriftResponderRole`;
export const TABLE_NAME = 'drift-state';
export const TOPIC_NAME = 'drift-alerts';
export const NAMESPACE = 'GuardDutyDriftResponder';

/** What the Lambda environment gives the function: dummy credentials, never real ones. */
export const FUNCTION_ENV = {
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_SESSION_TOKEN: 'testing',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  NOTIFICATION_TOPIC_ARN: `arn:aws:sns:us-east-1:${ACCOUNT_ID}:t`,
  STATE_TABLE_NAME: TABLE_NAME,
  METRIC_NAMESPACE: NAMESPACE,
  LOG_LEVEL: 'INFO',
  RESPONDER_ROLE_ARN: ROLE_ARN,
} as const;

/** Sets the offline SDK environment for this process (no profile, no real credentials, no version nag). */
export function useOfflineEnv(region: string): void {
  Object.assign(process.env, FUNCTION_ENV, { AWS_REGION: region, AWS_DISABLE_REQUEST_COMPRESSION: 'true' });
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_ENDPOINT_URL;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Nearest-rank percentile (p in 0..100). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

export const round = (value: number, digits = 2) => Number(value.toFixed(digits));

/**
 * The logger the function uses, at the deployed level (INFO), formatting every line as in Lambda but writing it to
 * a sink instead of the terminal: the JSON work stays in the measurement, the noise leaves the output.
 */
export function sinkLogger(): JsonLogger {
  return new JsonLogger(FUNCTION_NAME, 'INFO', () => undefined);
}
