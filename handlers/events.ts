import { actorOf, cloudTrailRecordFields } from './cloudtrail-record.js';
import {
  AWS_REGION_NAME,
  CLOUDTRAIL_DETAIL_TYPE,
  GUARDDUTY_EVENT_SOURCE,
  GUARDDUTY_SOURCE,
  SCHEDULED_DETAIL_TYPE,
} from './contract.js';
import { describeChange } from './core/change.js';
import { COVERAGE_DETAIL_TYPES, COVERAGE_UNHEALTHY_DETAIL_TYPE, EKS_RESOURCE_TYPE } from './core/coverage.js';
import {
  type ApiCallInput,
  type CoverageEventInput,
  type ResponderInput,
  type SweepInput,
  TAG_API_CALLS,
  type TagChange,
} from './core/types.js';
import * as z from './schema.js';
import { isTamperSource, parseTamperDetail } from './tamper-events.js';

// Each schema is built when the first input of its kind arrives (`z.once`): a cold start builds the envelope and the
// one detail schema its event needs, not all of them.

/** The EventBridge envelope every input arrives in. */
const envelopeSchema = z.once(() =>
  z.looseObject({
    id: z.string().check(z.minLength(1)),
    'detail-type': z.string(),
    source: z.string(),
    account: z.string().check(z.minLength(1)),
    time: z.string(),
    region: z.string().check(z.regex(AWS_REGION_NAME, { error: 'expected an AWS Region name' })),
    detail: z.unknown(),
  }),
);
type Envelope = z.infer<ReturnType<typeof envelopeSchema>>;

// `status` for detectors and members; `autoEnable` (NEW | ALL | NONE) for the organization configuration.
const additionalConfigurationSchema = () =>
  z.looseObject({
    name: z.string(),
    status: z.optional(z.string()),
    autoEnable: z.optional(z.string()),
  });

/** The CloudTrail fields the responder reads, with the wire's camelCase names. Everything else passes through. */
const cloudTrailDetailSchema = z.once(() =>
  z.looseObject({
    eventSource: z.literal(GUARDDUTY_EVENT_SOURCE),
    ...cloudTrailRecordFields(),
    requestParameters: z.nullish(
      z.looseObject({
        detectorId: z.optional(z.string()),
        enable: z.optional(z.boolean()),
        // UpdateMemberDetectors and the organization loss calls: the member accounts the request names.
        accountIds: z.optional(z.array(z.string())),
        // DisableOrganizationAdminAccount: the delegated administrator removed.
        adminAccountId: z.optional(z.string()),
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
              additionalConfiguration: z.optional(z.array(additionalConfigurationSchema())),
            }),
          ),
        ),
      }),
    ),
    responseElements: z.nullish(z.looseObject({ detectorId: z.optional(z.string()) })),
  }),
);

/** A node count: the event schema says "string", the API a number; anything but a whole number is unknown. */
const nodeCount = () => z.optional(z.union([z.string(), z.number()]));

/**
 * The detail of `GuardDuty Runtime Protection Unhealthy|Healthy` (the GuardDuty user guide's notification schema,
 * "Runtime coverage and troubleshooting for Amazon EKS clusters"): camelCase, node counts as strings.
 */
const coverageDetailSchema = z.once(() =>
  z.looseObject({
    schemaVersion: z.optional(z.string()),
    resourceAccountId: z.optional(z.string().check(z.minLength(1))),
    currentStatus: z.optional(z.string()),
    previousStatus: z.optional(z.string()),
    resourceDetails: z.looseObject({
      resourceType: z.string(),
      eksClusterDetails: z.optional(
        z.looseObject({
          // EKS cluster names (CreateCluster): a letter or digit, then letters, digits, - and _, at most 100.
          clusterName: z
            .string()
            .check(z.regex(/^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/, { error: 'expected an EKS cluster name' })),
          availableNodes: nodeCount(),
          desiredNodes: nodeCount(),
          addonVersion: z.optional(z.string()),
        }),
      ),
    }),
    issue: z.optional(z.string()),
    lastUpdatedAt: z.optional(z.union([z.string(), z.number()])),
  }),
);

function wholeNumber(value: string | number | undefined): number | undefined {
  const number = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  return typeof number === 'number' && Number.isSafeInteger(number) && number >= 0 ? number : undefined;
}

/** A timestamp as ISO text or epoch seconds (or milliseconds); undefined when it is neither. */
function timestamp(value: string | number | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const date = typeof value === 'number' ? new Date(value < 1e12 ? value * 1000 : value) : new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** The coverage event of one cluster; ECS and EC2 coverage are well-formed events this responder has no business with. */
function parseCoverageEvent(event: Envelope): ParsedEvent {
  const parsed = coverageDetailSchema().safeParse(event.detail);
  if (!parsed.success) return { status: 'invalid', problems: problemsOf(parsed.error, 'detail') };
  const detail = parsed.data;
  if (detail.resourceDetails.resourceType !== EKS_RESOURCE_TYPE) {
    return {
      status: 'unsupported',
      reason: `coverage of ${detail.resourceDetails.resourceType} resources is not watched (EKS clusters only)`,
      eventId: event.id,
    };
  }
  const eks = detail.resourceDetails.eksClusterDetails;
  if (eks === undefined) {
    return {
      status: 'invalid',
      problems: ['detail.resourceDetails.eksClusterDetails: required for an EKS resource'],
    };
  }
  // The detail-type says which way it changed; a currentStatus that contradicts it is not an event to trust.
  const status = event['detail-type'] === COVERAGE_UNHEALTHY_DETAIL_TYPE ? 'UNHEALTHY' : 'HEALTHY';
  const current = detail.currentStatus?.toUpperCase();
  if (current !== undefined && current !== status) {
    return {
      status: 'invalid',
      problems: [
        `detail.currentStatus: "${detail.currentStatus}" contradicts the detail-type "${event['detail-type']}"`,
      ],
    };
  }
  const input: CoverageEventInput = {
    kind: 'coverage',
    eventId: event.id,
    eventTime: event.time,
    accountId: event.account,
    region: event.region,
    detailType: event['detail-type'],
    previousStatus: detail.previousStatus,
    cluster: {
      accountId: detail.resourceAccountId ?? event.account,
      clusterName: eks.clusterName,
      coverageStatus: status,
      issue: detail.issue === '' ? undefined : detail.issue,
      // The event's availableNodes/desiredNodes are the API's coveredNodes/compatibleNodes.
      coveredNodes: wholeNumber(eks.availableNodes),
      compatibleNodes: wholeNumber(eks.desiredNodes),
      addonVersion: eks.addonVersion,
      addonStatus: undefined,
      managementType: undefined,
      detectorId: undefined,
      updatedAt: timestamp(detail.lastUpdatedAt),
    },
  };
  return { status: 'ok', input };
}

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
  const envelope = envelopeSchema().safeParse(raw);
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
  if (
    event.source === GUARDDUTY_SOURCE &&
    (COVERAGE_DETAIL_TYPES as readonly string[]).includes(event['detail-type'])
  ) {
    return parseCoverageEvent(event);
  }
  if (isTamperSource(event.source) && event['detail-type'] === CLOUDTRAIL_DETAIL_TYPE) {
    const tamper = parseTamperDetail({ ...event, source: event.source }, event.detail, problemsOf);
    return tamper.status === 'unsupported' ? { ...tamper, eventId: event.id } : tamper;
  }
  if (event.source !== GUARDDUTY_SOURCE || event['detail-type'] !== CLOUDTRAIL_DETAIL_TYPE) {
    return {
      status: 'unsupported',
      reason: `source "${event.source}" with detail-type "${event['detail-type']}" is not a GuardDuty API call or the sweep schedule (nor a coverage event or a tamper call)`,
      eventId: event.id,
    };
  }

  const detail = cloudTrailDetailSchema().safeParse(event.detail);
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
    actor: actorOf(record),
    errorCode: record.errorCode,
    errorMessage: record.errorMessage,
    change: describeChange(record.eventName, request),
    // A repeated account would make GetMemberDetectors read it twice and the history set invalid.
    memberAccountIds: request?.accountIds && [...new Set(request.accountIds)],
    adminAccountId: request?.adminAccountId,
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
