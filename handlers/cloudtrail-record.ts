/**
 * The fields every CloudTrail record carries, as the responder reads them (wire camelCase), and the actor taken from
 * them: shared by the GuardDuty records (events.ts) and the tamper records (tamper-events.ts), which add their own
 * `eventSource` and request parameters. Every field is attacker-controlled text except the ARNs.
 */
import type { Actor } from './core/types.js';
import * as z from './schema.js';

/** The common fields of a record's `detail`, for a `z.looseObject({ ...cloudTrailRecordFields(), … })`. */
export function cloudTrailRecordFields() {
  return {
    eventName: z.string().check(z.minLength(1)),
    eventID: z.string().check(z.minLength(1)),
    eventTime: z.string(),
    awsRegion: z.optional(z.string()),
    recipientAccountId: z.optional(z.string()),
    userIdentity: z.optional(
      z.looseObject({
        type: z.optional(z.string()),
        arn: z.optional(z.string()),
        invokedBy: z.optional(z.string()),
        sessionContext: z.optional(
          z.looseObject({ sessionIssuer: z.optional(z.looseObject({ arn: z.optional(z.string()) })) }),
        ),
      }),
    ),
    sourceIPAddress: z.optional(z.string()),
    userAgent: z.optional(z.string()),
    errorCode: z.optional(z.string()),
    errorMessage: z.optional(z.string()),
  };
}

type RecordFields = z.infer<z.ZodMiniObject<ReturnType<typeof cloudTrailRecordFields>>>;

/** Who made the call, as the record says. */
export function actorOf(record: Pick<RecordFields, 'userIdentity' | 'sourceIPAddress' | 'userAgent'>): Actor {
  return {
    type: record.userIdentity?.type,
    principalArn: record.userIdentity?.arn,
    sessionIssuerArn: record.userIdentity?.sessionContext?.sessionIssuer?.arn,
    sourceIp: record.sourceIPAddress,
    userAgent: record.userAgent,
  };
}
