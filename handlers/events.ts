import * as z from 'zod/mini';
import {
  CLOUDTRAIL_DETAIL_TYPE,
  GUARDDUTY_EVENT_SOURCE,
  GUARDDUTY_SOURCE,
  SCHEDULED_DETAIL_TYPE,
} from './contract.js';
import { describeChange } from './core/change.js';
import {
  type ApiCallInput,
  type ResponderInput,
  type SweepInput,
  TAG_API_CALLS,
  type TagChange,
} from './core/types.js';

/** The EventBridge envelope every input arrives in. */
const envelopeSchema = z.looseObject({
  id: z.string().check(z.minLength(1)),
  'detail-type': z.string(),
  source: z.string(),
  account: z.string().check(z.minLength(1)),
  time: z.string(),
  region: z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { error: 'expected an AWS Region name' })),
  detail: z.unknown(),
});

// `status` for detectors and members; `autoEnable` (NEW | ALL | NONE) for the organization configuration.
const additionalConfigurationSchema = z.looseObject({
  name: z.string(),
  status: z.optional(z.string()),
  autoEnable: z.optional(z.string()),
});

/** The CloudTrail fields the responder reads, with the wire's camelCase names. Everything else passes through. */
const cloudTrailDetailSchema = z.looseObject({
  eventSource: z.literal(GUARDDUTY_EVENT_SOURCE),
  eventName: z.string().check(z.minLength(1)),
  eventID: z.string().check(z.minLength(1)),
  eventTime: z.string(),
  awsRegion: z.optional(z.string()),
  recipientAccountId: z.optional(z.string()),
  userIdentity: z.optional(
    z.looseObject({
      type: z.optional(z.string()),
      arn: z.optional(z.string()),
      sessionContext: z.optional(
        z.looseObject({ sessionIssuer: z.optional(z.looseObject({ arn: z.optional(z.string()) })) }),
      ),
    }),
  ),
  sourceIPAddress: z.optional(z.string()),
  userAgent: z.optional(z.string()),
  errorCode: z.optional(z.string()),
  errorMessage: z.optional(z.string()),
  requestParameters: z.nullish(
    z.looseObject({
      detectorId: z.optional(z.string()),
      enable: z.optional(z.boolean()),
      // UpdateMemberDetectors: the member accounts the request names.
      accountIds: z.optional(z.array(z.string())),
      // TagResource / UntagResource.
      resourceArn: z.optional(z.string()),
      tags: z.optional(z.record(z.string(), z.string())),
      tagKeys: z.optional(z.array(z.string())),
      features: z.optional(
        z.array(
          z.looseObject({
            name: z.string(),
            status: z.optional(z.string()),
            autoEnable: z.optional(z.string()),
            additionalConfiguration: z.optional(z.array(additionalConfigurationSchema)),
          }),
        ),
      ),
    }),
  ),
  responseElements: z.nullish(z.looseObject({ detectorId: z.optional(z.string()) })),
});

/** The detector a GuardDuty ARN names: `arn:aws:guardduty:REGION:ACCOUNT:detector/ID` (nothing else). */
function detectorOfArn(arn: string): TagChange['detector'] {
  const match = /^arn:aws[a-z-]*:guardduty:([a-z0-9-]+):(\d{12}):detector\/([a-z0-9]{32})$/.exec(arn);
  if (!match?.[1] || !match[2] || !match[3]) return undefined;
  return { region: match[1], accountId: match[2], detectorId: match[3] };
}

export type ParsedEvent =
  | { readonly status: 'ok'; readonly input: ResponderInput }
  | { readonly status: 'unsupported'; readonly reason: string; readonly eventId: string | undefined }
  | { readonly status: 'invalid'; readonly problems: readonly string[] };

function problemsOf(error: z.core.$ZodError, prefix: string): string[] {
  return error.issues.map(
    (issue) => `${[prefix, ...issue.path.map(String)].filter(Boolean).join('.')}: ${issue.message}`,
  );
}

/**
 * Validates an EventBridge event at the edge. `invalid` is input that claims to be ours but is malformed (it must not
 * be silently dropped); `unsupported` is a well-formed event the responder has no business with.
 */
export function parseEvent(raw: unknown): ParsedEvent {
  const envelope = envelopeSchema.safeParse(raw);
  if (!envelope.success) return { status: 'invalid', problems: problemsOf(envelope.error, '') };
  const event = envelope.data;

  if (event.source === 'aws.events' && event['detail-type'] === SCHEDULED_DETAIL_TYPE) {
    const sweep: SweepInput = {
      kind: 'sweep',
      eventId: event.id,
      eventTime: event.time,
      accountId: event.account,
      region: event.region,
    };
    return { status: 'ok', input: sweep };
  }
  if (event.source !== GUARDDUTY_SOURCE || event['detail-type'] !== CLOUDTRAIL_DETAIL_TYPE) {
    return {
      status: 'unsupported',
      reason: `source "${event.source}" with detail-type "${event['detail-type']}" is not a GuardDuty API call or the sweep schedule`,
      eventId: event.id,
    };
  }

  const detail = cloudTrailDetailSchema.safeParse(event.detail);
  if (!detail.success) return { status: 'invalid', problems: problemsOf(detail.error, 'detail') };
  const record = detail.data;
  const request = record.requestParameters ?? undefined;
  const input: ApiCallInput = {
    kind: 'api-call',
    eventId: record.eventID,
    eventTime: record.eventTime,
    eventName: record.eventName,
    // CloudTrail can omit both; the envelope always has them.
    accountId: record.recipientAccountId ?? event.account,
    region: record.awsRegion ?? event.region,
    detectorId: request?.detectorId ?? record.responseElements?.detectorId ?? undefined,
    actor: {
      type: record.userIdentity?.type,
      principalArn: record.userIdentity?.arn,
      sessionIssuerArn: record.userIdentity?.sessionContext?.sessionIssuer?.arn,
      sourceIp: record.sourceIPAddress,
      userAgent: record.userAgent,
    },
    errorCode: record.errorCode,
    errorMessage: record.errorMessage,
    change: describeChange(record.eventName, request),
    // A repeated account would make GetMemberDetectors read it twice and the history set invalid.
    memberAccountIds: request?.accountIds && [...new Set(request.accountIds)],
    organizationFeatures:
      record.eventName === 'UpdateOrganizationConfiguration'
        ? request?.features?.map((feature) => ({
            name: feature.name,
            autoEnable: feature.autoEnable,
            additionalConfiguration: feature.additionalConfiguration?.map((config) => ({
              name: config.name,
              autoEnable: config.autoEnable,
            })),
          }))
        : undefined,
    tagChange:
      request?.resourceArn !== undefined && (TAG_API_CALLS as readonly string[]).includes(record.eventName)
        ? {
            resourceArn: request.resourceArn,
            detector: detectorOfArn(request.resourceArn),
            set: request.tags ?? {},
            removed: request.tagKeys ?? [],
          }
        : undefined,
  };
  return { status: 'ok', input };
}
