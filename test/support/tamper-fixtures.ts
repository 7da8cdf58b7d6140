// The tamper fixtures (test/fixtures/cloudtrail/tamper, SOURCES.md): one per call of TAMPER_CALLS and a few cases
// more, as EventBridge delivers them, and the responder's own resources as those fixtures name them.
import { TAMPER_CALLS } from '../../handlers/contract.js';
import { type Json, RESPONDER_FUNCTION_NAME, realFixture, syntheticFixture } from './fixtures.js';

const FOLDER = 'cloudtrail/tamper';
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
/** The shared prefix of the default stack's rule and alarm names (infra/responder/own-resources.ts). */
export const OWN_NAME_PREFIX = 'GuardDutyDriftResponder6E49FD0B';
const KEY_ID = '0a1b2c3d-1234-5678-9abc-def012345678';
const TABLE = 'guardduty-drift-responder-state';
const TOPIC_NAME = 'guardduty-drift-responder-alerts';

/** The responder's own resources, as the synthetic fixtures name them (account 123456789012, us-east-1). */
export const FIXTURE_OWN = {
  account: ACCOUNT,
  region: REGION,
  ruleName: (id: string) => `${OWN_NAME_PREFIX}-${id}`,
  alarmName: (id: string) => `${OWN_NAME_PREFIX}-${id}`,
  functionName: RESPONDER_FUNCTION_NAME,
  functionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${RESPONDER_FUNCTION_NAME}`,
  topicName: TOPIC_NAME,
  topicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:${TOPIC_NAME}`,
  keyId: KEY_ID,
  keyArn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/${KEY_ID}`,
  tableName: TABLE,
  tableArn: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${TABLE}`,
} as const;

/** The EventBridge source of a CloudTrail eventSource, from TAMPER_CALLS (the real records carry no envelope). */
function sourceOf(eventSource: unknown): string {
  const entry = Object.entries(TAMPER_CALLS).find(([, call]) => call.eventSource === eventSource);
  if (entry === undefined) throw new Error(`no tamper source for eventSource ${String(eventSource)}`);
  return entry[0];
}

/**
 * A tamper fixture as EventBridge delivers it: a synthetic one as written (an EventBridge event), a real one (a bare
 * CloudTrail record, kept verbatim) in the envelope EventBridge puts around it.
 */
export function tamperFixture(file: string): Json {
  const path = `${FOLDER}/${file}`;
  if (file.includes('synthetic')) return syntheticFixture(path);
  const record = realFixture(path);
  return {
    version: '0',
    id: `envelope-${String(record.eventID)}`,
    'detail-type': 'AWS API Call via CloudTrail',
    source: sourceOf(record.eventSource),
    account: String(record.recipientAccountId),
    time: String(record.eventTime),
    region: String(record.awsRegion),
    resources: [],
    detail: record,
  };
}

/** A copy of an event whose request names other resources (a real record pointed at ours, or ours at another). */
export function withRequest(event: Json, requestParameters: Json): Json {
  const detail = event.detail as Json;
  return {
    ...event,
    detail: { ...detail, requestParameters: { ...(detail.requestParameters as Json), ...requestParameters } },
  };
}
