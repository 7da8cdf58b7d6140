/**
 * The edge of the tamper watch: CloudTrail records of the calls in TAMPER_CALLS, validated with zod and reduced to a
 * TamperInput. Request parameters differ per service; each field is optional. A record whose own fields read but
 * whose request parameters do not (a field of an unexpected type or shape) is still a watched call: it is kept, its
 * request marked unreadable, and reported as possibly about the responder's own (core/tamper.ts), never dropped or
 * left to the dead-letter queue. A record whose own fields do not read is invalid. Split from events.ts, which keeps
 * the GuardDuty records.
 */

import { actorOf, cloudTrailRecordFields } from './cloudtrail-record.js';
import { TAMPER_CALLS, type TamperSource } from './contract.js';
import type { EnvironmentChange, TamperInput } from './core/tamper.js';
import * as z from './schema.js';

const strings = () => z.optional(z.array(z.string()));

// Built when the first tamper record arrives (`z.once`), not at a cold start that meets only GuardDuty events.
const requestSchema = z.once(() =>
  z.looseObject({
    // CloudTrail
    name: z.optional(z.string()),
    trailName: z.optional(z.string()),
    isMultiRegionTrail: z.optional(z.boolean()),
    eventSelectors: z.optional(
      z.array(
        z.looseObject({
          readWriteType: z.optional(z.string()),
          includeManagementEvents: z.optional(z.boolean()),
        }),
      ),
    ),
    advancedEventSelectors: z.optional(
      z.array(
        z.looseObject({
          fieldSelectors: z.array(
            z.looseObject({ field: z.string(), equals: strings(), notEquals: strings() }),
          ),
        }),
      ),
    ),
    // EventBridge (`name` as above)
    rule: z.optional(z.string()),
    state: z.optional(z.string()),
    eventPattern: z.optional(z.string()),
    scheduleExpression: z.optional(z.string()),
    eventBusName: z.optional(z.string()),
    targets: z.optional(z.array(z.looseObject({ id: z.string(), arn: z.string() }))),
    ids: strings(),
    // Lambda
    functionName: z.optional(z.string()),
    reservedConcurrentExecutions: z.optional(z.number()),
    // CloudTrail may record the variables, or a placeholder instead of them.
    environment: z.optional(
      z.union([
        z.looseObject({ variables: z.optional(z.union([z.record(z.string(), z.string()), z.string()])) }),
        z.string(),
      ]),
    ),
    statementId: z.optional(z.string()),
    // SNS
    topicArn: z.optional(z.string()),
    subscriptionArn: z.optional(z.string()),
    attributeName: z.optional(z.string()),
    label: z.optional(z.string()),
    // KMS
    keyId: z.optional(z.string()),
    pendingWindowInDays: z.optional(z.number()),
    // CloudWatch
    alarmNames: strings(),
    // DynamoDB
    tableName: z.optional(z.string()),
  }),
);

const recordShape = () => ({
  eventSource: z.string(),
  ...cloudTrailRecordFields(),
  resources: z.nullish(z.array(z.looseObject({ ARN: z.optional(z.string()) }))),
});
const detailSchema = z.once(() =>
  z.looseObject({ ...recordShape(), requestParameters: z.nullish(requestSchema()) }),
);
/** The record without its request parameters: read when the parameters do not. */
const recordSchema = z.once(() => z.looseObject({ ...recordShape(), requestParameters: z.unknown() }));

type Request = z.infer<ReturnType<typeof requestSchema>>;

export function isTamperSource(source: string): source is TamperSource {
  return Object.hasOwn(TAMPER_CALLS, source);
}

export type ParsedTamper =
  | { readonly status: 'ok'; readonly input: TamperInput }
  | { readonly status: 'unsupported'; readonly reason: string }
  | { readonly status: 'invalid'; readonly problems: readonly string[] };

function environmentOf(environment: Request['environment']): EnvironmentChange | undefined {
  if (environment === undefined) return undefined;
  if (typeof environment === 'string' || typeof environment.variables === 'string') return { kind: 'hidden' };
  return { kind: 'variables', variables: environment.variables ?? {} };
}

/** One tamper record from the EventBridge envelope's fields. */
export function parseTamperDetail(
  envelope: { readonly source: TamperSource; readonly account: string; readonly region: string },
  detail: unknown,
  problemsOf: (error: z.core.$ZodError, prefix: string) => string[],
): ParsedTamper {
  const strict = detailSchema().safeParse(detail);
  const read = strict.success ? strict : recordSchema().safeParse(detail);
  if (!read.success) return { status: 'invalid', problems: problemsOf(strict.error ?? read.error, 'detail') };
  const record = read.data;
  const unreadable = strict.success ? undefined : problemsOf(strict.error, 'detail');
  const request: Request = strict.success ? (strict.data.requestParameters ?? {}) : {};
  const raw = record.requestParameters;
  const fields = raw !== null && typeof raw === 'object' ? Object.keys(raw) : [];
  const calls = TAMPER_CALLS[envelope.source];
  if (record.eventSource !== calls.eventSource) {
    return {
      status: 'invalid',
      problems: [
        `detail.eventSource: "${record.eventSource}" is not ${calls.eventSource} (source ${envelope.source})`,
      ],
    };
  }
  if (!(calls.eventNames as readonly string[]).includes(record.eventName)) {
    return {
      status: 'unsupported',
      reason: `${record.eventName} from ${envelope.source} is not a call the tamper watch acts on`,
    };
  }
  const input: TamperInput = {
    kind: 'tamper',
    eventId: record.eventID,
    eventTime: record.eventTime,
    accountId: record.recipientAccountId ?? envelope.account,
    region: record.awsRegion ?? envelope.region,
    source: envelope.source,
    eventName: record.eventName,
    actor: actorOf(record),
    invokedBy: record.userIdentity?.invokedBy,
    errorCode: record.errorCode,
    errorMessage: record.errorMessage,
    request: {
      trailName: envelope.source === 'aws.cloudtrail' ? (request.name ?? request.trailName) : undefined,
      eventSelectors: request.eventSelectors,
      advancedEventSelectors: request.advancedEventSelectors,
      isMultiRegionTrail: request.isMultiRegionTrail,
      ruleName: envelope.source === 'aws.events' ? (request.name ?? request.rule) : undefined,
      eventBusName: request.eventBusName,
      ruleState: request.state,
      eventPattern: request.eventPattern,
      scheduleExpression: request.scheduleExpression,
      targets: request.targets?.map((target) => ({ id: target.id, arn: target.arn })),
      targetIds: request.ids,
      functionName: request.functionName,
      reservedConcurrentExecutions: request.reservedConcurrentExecutions,
      environment: environmentOf(request.environment),
      statementId: request.statementId,
      topicArn: request.topicArn,
      subscriptionArn: request.subscriptionArn,
      attributeName: request.attributeName,
      label: request.label,
      keyId: request.keyId,
      pendingWindowInDays: request.pendingWindowInDays,
      alarmNames: request.alarmNames,
      tableName: request.tableName,
      resourceArns: (record.resources ?? []).flatMap((resource) => (resource.ARN ? [resource.ARN] : [])),
      fields,
      ...(unreadable ? { unreadable } : {}),
    },
  };
  return { status: 'ok', input };
}
