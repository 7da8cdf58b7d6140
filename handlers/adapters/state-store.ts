import {
  type AttributeValue,
  BatchWriteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { ClaimRecord, RemediationRecord, StateStorePort } from '../ports.js';

/**
 * One DynamoDB table (contract: `pk`/`sk` strings, TTL attribute `expiresAt`) holds two kinds of item:
 * - claims (`pk = claim#<dedupe key>`, `sk = claim`): at-least-once delivery becomes at-most-once handling;
 * - remediation history (`pk = detector#<account>#<region>#<id>`, `sk = remediation#<ISO time>#<event id>`),
 *   which the circuit breaker counts.
 */

const HISTORY_TTL_SECONDS = 7 * 24 * 60 * 60;

const epochSeconds = (date: Date, plusSeconds = 0) => String(Math.floor(date.getTime() / 1000) + plusSeconds);
const claimKey = (key: string) => ({ pk: { S: `claim#${key}` }, sk: { S: 'claim' } });

function toClaimRecord(item: Record<string, AttributeValue> | undefined): ClaimRecord | undefined {
  const status = item?.status?.S;
  if (item === undefined || (status !== 'IN_PROGRESS' && status !== 'COMPLETED' && status !== 'RETRYABLE')) {
    return undefined;
  }
  return {
    status,
    outcome: item.outcome?.S,
    pendingNotification: item.pendingNotification?.S,
    failureAlerted: item.failureAlerted?.BOOL,
    alsoCompleteKey: item.alsoCompleteKey?.S,
  };
}

/** The history entries of one key since a moment (sort keys start with the ISO time, so they sort by time). */
function historyRange(key: string, since: Date): Record<string, AttributeValue> {
  return {
    ':pk': { S: key },
    ':from': { S: `remediation#${since.toISOString()}` },
    ':to': { S: 'remediation#~' },
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

export function dynamoDbStateStore(client: DynamoDBClient, tableName: string): StateStorePort {
  return {
    async claim(key, now, leaseMs, ttlSeconds) {
      try {
        // UpdateItem, not PutItem: taking over a released claim keeps what the previous attempt left in it (a kept
        // alert, whether its failure was paged), so a retry that crashes in turn does not lose it.
        const output = await client.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: claimKey(key),
            UpdateExpression: 'SET #status = :inProgress, leaseUntil = :lease, expiresAt = :expires',
            // Free, released for retry, or abandoned by a crashed invocation whose lease ran out.
            ConditionExpression:
              'attribute_not_exists(pk) OR #status = :retryable OR (#status = :inProgress AND leaseUntil < :now)',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':retryable': { S: 'RETRYABLE' },
              ':inProgress': { S: 'IN_PROGRESS' },
              ':now': { N: String(now.getTime()) },
              ':lease': { N: String(now.getTime() + leaseMs) },
              ':expires': { N: epochSeconds(now, ttlSeconds) },
            },
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
      const claim: Record<string, AttributeValue> = {
        ...claimKey(options.key),
        status: { S: options.status },
        settledAt: { S: options.now.toISOString() },
        expiresAt: { N: epochSeconds(options.now, options.ttlSeconds) },
        ...(options.outcome ? { outcome: { S: options.outcome } } : {}),
        ...(options.pendingNotification ? { pendingNotification: { S: options.pendingNotification } } : {}),
        ...(options.failureAlerted ? { failureAlerted: { BOOL: true } } : {}),
        // A kept alert remembers the standing drift it must mark once it is delivered.
        ...(options.status === 'RETRYABLE' && options.alsoComplete
          ? { alsoCompleteKey: { S: options.alsoComplete.key } }
          : {}),
      };
      const extra: Record<string, AttributeValue>[] = [];
      if (options.remediation) extra.push(historyItem(options.remediation));
      if (options.alsoComplete && options.status === 'COMPLETED') {
        extra.push({
          ...claimKey(options.alsoComplete.key),
          status: { S: 'COMPLETED' },
          settledAt: { S: options.now.toISOString() },
          expiresAt: { N: epochSeconds(options.now, options.alsoComplete.ttlSeconds) },
          ...(options.outcome ? { outcome: { S: options.outcome } } : {}),
        });
      }
      if (extra.length === 0) {
        await client.send(new PutItemCommand({ TableName: tableName, Item: claim }));
        return;
      }
      const output = await client.send(
        new BatchWriteItemCommand({
          RequestItems: { [tableName]: [claim, ...extra].map((Item) => ({ PutRequest: { Item } })) },
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

    async countRemediationsSince(detectorKey, since) {
      let count = 0;
      let startKey: Record<string, AttributeValue> | undefined;
      do {
        const page = await client.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
            ExpressionAttributeValues: historyRange(detectorKey, since),
            Select: 'COUNT',
            ExclusiveStartKey: startKey,
          }),
        );
        count += page.Count ?? 0;
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      return count;
    },

    async remediationsPerAccountSince(historyKey, since) {
      const counts = new Map<string, number>();
      let startKey: Record<string, AttributeValue> | undefined;
      do {
        const page = await client.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
            ExpressionAttributeValues: historyRange(historyKey, since),
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
