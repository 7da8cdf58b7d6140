import { readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context } from 'aws-lambda';

/** Every fixture lives here, inside the repository: a fresh clone has nothing beside it. */
export const FIXTURES_DIR = fileURLToPath(new URL('../fixtures/', import.meta.url));

export type Json = Record<string, unknown>;

/** The absolute path of a fixture; a name that resolves outside test/fixtures is refused, not read. */
export function fixturePath(name: string): string {
  const path = resolve(FIXTURES_DIR, name);
  const inside = relative(FIXTURES_DIR, path);
  if (inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
    throw new Error(
      `fixture "${name}" resolves outside test/fixtures (${path}); copy it into the repository`,
    );
  }
  return path;
}

function readFixture(name: string): Json {
  return JSON.parse(readFileSync(fixturePath(name), 'utf8')) as Json;
}

/** A real sample (test/fixtures/cloudtrail, test/fixtures/guardduty), as captured (never edited; see SOURCES.md). */
export function realFixture(relativePath: string): Json {
  return readFixture(relativePath);
}

/** A hand-written fixture from test/fixtures (its name says `synthetic`). */
export function syntheticFixture(name: string): Json {
  if (!name.includes('synthetic')) throw new Error(`synthetic fixture "${name}" must say so in its name`);
  return readFixture(name);
}

/** Wraps a bare CloudTrail record the way EventBridge delivers it. */
export function inEnvelope(
  record: Json,
  envelope: { account?: string; region?: string; id?: string } = {},
): Json {
  return {
    version: '0',
    id: envelope.id ?? `envelope-${String(record.eventID ?? 'unknown')}`,
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.guardduty',
    account: envelope.account ?? String(record.recipientAccountId ?? '123456789012'),
    time: String(record.eventTime ?? '2026-11-20T09:14:03Z'),
    region: envelope.region ?? String(record.awsRegion ?? 'us-east-1'),
    resources: [],
    detail: record,
  };
}

export interface Retarget {
  detectorId?: string;
  region?: string;
  account?: string;
  eventId?: string;
}

/** A copy of an EventBridge CloudTrail event pointed at another detector, Region, account or event id. */
export function retarget(event: Json, target: Retarget): Json {
  const copy = structuredClone(event);
  const detail = copy.detail as Json;
  if (target.region) {
    copy.region = target.region;
    detail.awsRegion = target.region;
  }
  if (target.account) {
    copy.account = target.account;
    detail.recipientAccountId = target.account;
  }
  if (target.eventId) detail.eventID = target.eventId;
  if (target.detectorId && detail.requestParameters && typeof detail.requestParameters === 'object') {
    (detail.requestParameters as Json).detectorId = target.detectorId;
  }
  return copy;
}

/** A scheduled sweep event for a Region. */
export function sweepEvent(region: string, id = `sweep-${region}-${Date.now()}`): Json {
  return { ...syntheticFixture('ScheduledEvent.sweep.synthetic.json'), region, id };
}

export const RESPONDER_FUNCTION_NAME = 'guardduty-drift-responder';
/** The execution role in the own-event fixture (the construct sets RESPONDER_ROLE_ARN to the real one). */
export const RESPONDER_ROLE_ARN = 'arn:aws:iam::123456789012:role/GuardDutyDriftResponderRole';

/** A Lambda context as the runtime passes it; the function name matches the own-event fixture's session name. */
export function lambdaContext(region: string, account = '123456789012'): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: RESPONDER_FUNCTION_NAME,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${account}:function:${RESPONDER_FUNCTION_NAME}`,
    memoryLimitInMB: '256',
    awsRequestId: 'test-request',
    logGroupName: `/aws/lambda/${RESPONDER_FUNCTION_NAME}`,
    logStreamName: 'test',
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
