import {
  type AttributeValue,
  BatchWriteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { EVIDENCE_RETENTION_DAYS } from '../contract.js';
import { exemptionEnd } from '../core/exemption.js';
import type { ClaimRecord, RemediationRecord, SettleOptions, StateStorePort } from '../ports.js';
import { membershipStore } from './membership-store.js';

/**
 * One DynamoDB table (contract: `pk`/`sk` strings, TTL attribute `expiresAt`) holds two kinds of item:
 * - claims (`pk = claim#<key>`, `sk = claim`): at-least-once delivery becomes at-most-once handling. Keys of
 *   events (`event#…`) dedupe one trigger; keys of cases (`case#…`) make one drift one case whichever trigger
 *   sees it first, and carry what the pipeline needs to finish it after a crash (see handlers/flow/keys.ts);
 * - remediation history (`pk = detector#<account>#<region>#<id>`, `sk = remediation#<ISO time>#<event id>`),
 *   which the circuit breaker counts;
 * - organization scope's member count and the loss events that explain a drop (membership-store.ts).
 */

/** The restore history is the evidence the report reads, not only the breaker's count. */
const HISTORY_TTL_SECONDS = EVIDENCE_RETENTION_DAYS * 24 * 60 * 60;

/** MAX_EXEMPTION_DAYS' upper bound, and a day. */
const EXEMPTION_MEMORY_SECONDS = 366 * 24 * 60 * 60;
const DAY_SECONDS = 24 * 60 * 60;

/**
 * When the first sighting of an exemption may be forgotten: not before its end (and a day), however far that is. A
 * refused end years away must stay refused: were the record to expire first, the next read would count from then,
 * and the same tags would become an exemption within reach with no one touching them.
 */
function exemptionMemoryExpiry(until: string, now: Date): string {
  const end = exemptionEnd(until);
  const floor = Math.floor(now.getTime() / 1000) + EXEMPTION_MEMORY_SECONDS;
  const pastTheEnd = end === undefined ? floor : Math.floor(end.getTime() / 1000) + DAY_SECONDS;
  return String(Math.max(floor, pastTheEnd));
}
/** Lambda's longest timeout, plus a minute. */
const MAX_LEASE_MS = 16 * 60 * 1000;
/** A standing drift's day, plus an hour. */
const MAX_CLOSED_MS = 25 * 60 * 60 * 1000;

const epochSeconds = (date: Date, plusSeconds = 0) => String(Math.floor(date.getTime() / 1000) + plusSeconds);
const claimKey = (key: string) => ({ pk: { S: `claim#${key}` }, sk: { S: 'claim' } });
const millis = (value: AttributeValue | undefined) =>
  value?.N === undefined ? undefined : new Date(Number(value.N));
const number = (date: Date) => ({ N: String(date.getTime()) });

function toClaimRecord(item: Record<string, AttributeValue> | undefined): ClaimRecord | undefined {
  const status = item?.status?.S;
  if (item === undefined || (status !== 'IN_PROGRESS' && status !== 'COMPLETED' && status !== 'RETRYABLE')) {
    return undefined;
  }
  return {
    status,
    outcome: item.outcome?.S,
    pendingNotification: item.pendingNotification?.S,
    actFailed: item.actFailed?.BOOL,
    failureAlerted: item.failureAlerted?.BOOL,
    failureAlertedAt: millis(item.failureAlertedAt),
    owner: item.owner?.S,
    actor: item.actor?.S,
    fingerprint: item.fingerprint?.S,
    intent: item.intent?.S,
    leaseUntil: millis(item.leaseUntil),
    closedAt: millis(item.closedAt),
    claimableAt: millis(item.claimableAt),
    fightPagedAt: millis(item.fightPagedAt),
    finding: item.finding?.S,
  };
}

/**
 * When a claim may be taken: free, released for retry, abandoned by a crashed invocation whose lease ran out, or
 * expired (DynamoDB deletes expired items only within days). A case also when it is completed, by another trigger,
 * for a different drift or after it closed (a trigger whose read began before the close may have read the drift
 * the case fixed, and joins it instead).
 */
const CLAIMABLE =
  'attribute_not_exists(pk) OR #status = :retryable OR (#status = :inProgress AND (leaseUntil < :now OR leaseUntil > :leaseHorizon)) OR expiresAt < :nowSeconds';
const CASE_CLAIMABLE = `${CLAIMABLE} OR (#status = :completed AND (attribute_not_exists(#owner) OR #owner <> :owner) AND (claimableAt < :observed OR claimableAt > :claimHorizon OR fingerprint <> :fingerprint OR outcome <> :outcome))`;

/** The history entries of one key in a window (sort keys start with the ISO time, so they sort by time). */
function historyRange(key: string, since: Date, until: Date): Record<string, AttributeValue> {
  return {
    ':pk': { S: key },
    ':from': { S: `remediation#${since.toISOString()}` },
    // Every entry of `until` itself, none after it: an entry dated in the future cannot keep the count up.
    ':to': { S: `remediation#${until.toISOString()}#~` },
  };
}

function historyItem(record: RemediationRecord): Record<string, AttributeValue> {
  return {
    pk: { S: record.detectorKey },
    sk: { S: `remediation#${record.at.toISOString()}#${record.eventId}` },
    generation: { S: record.generation },
    actor: { S: record.actor },
    eventId: { S: record.eventId },
    expiresAt: { N: epochSeconds(record.at, HISTORY_TTL_SECONDS) },
    // A string set takes no duplicates (DynamoDB would reject the whole write).
    ...(record.accounts?.length ? { accounts: { SS: [...new Set(record.accounts)] } } : {}),
  };
}

/** The whole claim item a settle writes (PutItem: what the case no longer needs is gone with it). */
function settledItem(options: SettleOptions): Record<string, AttributeValue> {
  const settled = options.case;
  const keep = options.status === 'RETRYABLE';
  return {
    ...claimKey(options.key),
    status: { S: options.status },
    settledAt: { S: options.now.toISOString() },
    expiresAt: { N: epochSeconds(options.now, options.ttlSeconds) },
    ...(options.outcome ? { outcome: { S: options.outcome } } : {}),
    ...(options.pendingNotification ? { pendingNotification: { S: options.pendingNotification } } : {}),
    ...(options.actFailed ? { actFailed: { BOOL: true } } : {}),
    ...(options.failureAlerted ? { failureAlerted: { BOOL: true } } : {}),
    ...(options.failureAlertedAt ? { failureAlertedAt: number(options.failureAlertedAt) } : {}),
    ...(settled
      ? {
          owner: { S: settled.owner },
          fingerprint: { S: settled.fingerprint },
          claimableAt: number(settled.claimableAt),
          ...(settled.actor ? { actor: { S: settled.actor } } : {}),
          ...(options.status === 'COMPLETED' ? { closedAt: number(options.now) } : {}),
          // A released case keeps its intent: the retry that finds the write done still owes the alert.
          // (Not when this settle writes the remediation's history: the intent is accounted for then.)
          ...(keep && settled.intent && !options.remediation ? { intent: { S: settled.intent } } : {}),
          ...(settled.fightPagedAt ? { fightPagedAt: number(settled.fightPagedAt) } : {}),
          ...(settled.finding ? { finding: { S: settled.finding } } : {}),
        }
      : {}),
  };
}

export function dynamoDbStateStore(client: DynamoDBClient, tableName: string): StateStorePort {
  return {
    ...membershipStore(client, tableName),
    async claim({ key, now, leaseMs, ttlSeconds, case: kase }) {
      const set = ['#status = :inProgress', 'leaseUntil = :lease', 'expiresAt = :expires'];
      const names: Record<string, string> = { '#status': 'status' };
      const values: Record<string, AttributeValue> = {
        ':retryable': { S: 'RETRYABLE' },
        ':inProgress': { S: 'IN_PROGRESS' },
        ':now': number(now),
        ':nowSeconds': { N: epochSeconds(now) },
        ':lease': number(new Date(now.getTime() + leaseMs)),
        // No invocation lives longer than Lambda's 15 minutes: a lease beyond that was not written by one.
        ':leaseHorizon': number(new Date(now.getTime() + MAX_LEASE_MS)),
        ':expires': { N: epochSeconds(now, ttlSeconds) },
      };
      if (kase) {
        set.push('#owner = :owner', 'fingerprint = :fingerprint', 'outcome = :outcome');
        names['#owner'] = 'owner';
        Object.assign(values, {
          ':completed': { S: 'COMPLETED' },
          ':owner': { S: kase.owner },
          ':fingerprint': { S: kase.fingerprint },
          ':outcome': { S: kase.outcome },
          ':observed': number(kase.observedAt),
          // Nothing the responder writes keeps a case closed for more than a day: a later date was forged.
          ':claimHorizon': number(new Date(now.getTime() + MAX_CLOSED_MS)),
        });
        if (kase.intent) {
          set.push('intent = :intent');
          values[':intent'] = { S: kase.intent };
        }
        if (kase.actor) {
          set.push('actor = :actor');
          values[':actor'] = { S: kase.actor };
        }
        if (kase.finding) {
          // A finding still open (not yet RESOLVED) stays the case's: a retry or a takeover updates it, not a new one.
          set.push('finding = if_not_exists(finding, :finding)');
          values[':finding'] = { S: kase.finding };
        }
      }
      try {
        // UpdateItem, not PutItem: taking over a released claim keeps what the previous attempt left in it (a kept
        // alert, whether its failure was paged, its intent), so a retry that crashes in turn does not lose it.
        const output = await client.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: claimKey(key),
            UpdateExpression: `SET ${set.join(', ')}`,
            ConditionExpression: kase ? CASE_CLAIMABLE : CLAIMABLE,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ReturnValues: 'ALL_OLD',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return { claimed: true, previous: toClaimRecord(output.Attributes) };
      } catch (error) {
        if (error instanceof Error && error.name === 'ConditionalCheckFailedException') {
          const item = (error as Error & { Item?: Record<string, AttributeValue> }).Item;
          return { claimed: false, existing: toClaimRecord(item) };
        }
        throw error;
      }
    },

    async settle(options) {
      const claim = settledItem(options);
      if (!options.remediation) {
        await client.send(new PutItemCommand({ TableName: tableName, Item: claim }));
        return;
      }
      const output = await client.send(
        new BatchWriteItemCommand({
          RequestItems: {
            [tableName]: [claim, historyItem(options.remediation)].map((Item) => ({ PutRequest: { Item } })),
          },
        }),
      );
      const unprocessed = output.UnprocessedItems?.[tableName]?.length ?? 0;
      if (unprocessed > 0) {
        // Throttled writes come back unprocessed instead of failing the call: one more try, then give up loudly.
        const retry = await client.send(new BatchWriteItemCommand({ RequestItems: output.UnprocessedItems }));
        const left = retry.UnprocessedItems?.[tableName]?.length ?? 0;
        if (left > 0)
          throw new Error(`DynamoDB left ${left} state item(s) unprocessed in table ${tableName}`);
      }
    },

    async readClaim(key) {
      // A Query on the full key rather than GetItem: the function's policy grants Query, not GetItem.
      const output = await client.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk AND sk = :sk',
          ExpressionAttributeValues: { ':pk': claimKey(key).pk, ':sk': claimKey(key).sk },
          ConsistentRead: true,
        }),
      );
      return toClaimRecord(output.Items?.[0]);
    },

    async exemptionFirstSeen(key, until, now) {
      const item = { pk: { S: key }, sk: { S: 'first-seen' } };
      const output = await client.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk AND sk = :sk',
          ExpressionAttributeValues: { ':pk': item.pk, ':sk': item.sk },
          ConsistentRead: true,
        }),
      );
      const seen = output.Items?.[0];
      const firstSeenAt = millis(seen?.firstSeenAt);
      if (seen?.untilValue?.S === until && firstSeenAt !== undefined) return firstSeenAt;
      await client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: {
            ...item,
            untilValue: { S: until },
            firstSeenAt: number(now),
            expiresAt: { N: exemptionMemoryExpiry(until, now) },
          },
        }),
      );
      return now;
    },

    async forgetFinding(key, finding, replacement) {
      try {
        await client.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: claimKey(key),
            // An organization case keeps the member findings still open (flow/member-findings.ts).
            UpdateExpression: replacement === undefined ? 'REMOVE finding' : 'SET finding = :next',
            ConditionExpression: 'finding = :finding',
            ExpressionAttributeValues: {
              ':finding': { S: finding },
              ...(replacement === undefined ? {} : { ':next': { S: replacement } }),
            },
          }),
        );
      } catch (error) {
        // The case holds another finding by now (or none): nothing of this one to forget.
        if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return;
        throw error;
      }
    },

    async countRemediationsSince(detectorKey, since, until) {
      let count = 0;
      let startKey: Record<string, AttributeValue> | undefined;
      do {
        const page = await client.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
            ExpressionAttributeValues: historyRange(detectorKey, since, until),
            Select: 'COUNT',
            ExclusiveStartKey: startKey,
          }),
        );
        count += page.Count ?? 0;
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      return count;
    },

    async remediationsPerAccountSince(historyKey, since, until) {
      const counts = new Map<string, number>();
      let startKey: Record<string, AttributeValue> | undefined;
      do {
        const page = await client.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
            ExpressionAttributeValues: historyRange(historyKey, since, until),
            ProjectionExpression: 'accounts',
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of page.Items ?? []) {
          for (const account of item.accounts?.SS ?? []) counts.set(account, (counts.get(account) ?? 0) + 1);
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      return counts;
    },
  };
}
