import {
  type AttributeValue,
  type DynamoDBClient,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import type { MemberCountRecord, StateStorePort } from '../ports.js';

/**
 * Organization scope's membership items in the state table, under `members#<account>#<region>` (flow/keys.ts):
 * - `sk = count`: how many members the last sweep saw, and when its read began;
 * - `sk = loss#<ISO time>#<event id>`: the accounts one loss event (DisassociateMembers, DeleteMembers) took out of
 *   the member list and the responder did not bring back, so the next sweep's drop is explained.
 * Both live a week: an older count is no baseline, an older loss explains nothing a sweep has not already seen.
 */

const MEMBERSHIP_TTL_SECONDS = 7 * 24 * 60 * 60;

const epochSeconds = (date: Date, plusSeconds = 0) => String(Math.floor(date.getTime() / 1000) + plusSeconds);
const millis = (value: AttributeValue | undefined) =>
  value?.N === undefined ? undefined : new Date(Number(value.N));
const number = (date: Date) => ({ N: String(date.getTime()) });

export function membershipStore(
  client: DynamoDBClient,
  tableName: string,
): Pick<
  StateStorePort,
  'memberCount' | 'recordMemberCount' | 'recordMembershipLoss' | 'membershipLossesSince'
> {
  return {
    async memberCount(key) {
      const output = await client.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk AND sk = :sk',
          ExpressionAttributeValues: { ':pk': { S: key }, ':sk': { S: 'count' } },
          ConsistentRead: true,
        }),
      );
      const item = output.Items?.[0];
      const count = item?.count?.N === undefined ? Number.NaN : Number(item.count.N);
      const observedAt = millis(item?.observedAt);
      // An item that does not read as a count is no baseline: the sweep starts again rather than compare with it.
      if (!Number.isSafeInteger(count) || count < 0 || observedAt === undefined) return undefined;
      return { count, observedAt, eventId: item?.eventId?.S ?? 'unknown' } satisfies MemberCountRecord;
    },

    async recordMemberCount(key, record) {
      await client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: {
            pk: { S: key },
            sk: { S: 'count' },
            count: { N: String(record.count) },
            observedAt: number(record.observedAt),
            eventId: { S: record.eventId },
            expiresAt: { N: epochSeconds(record.observedAt, MEMBERSHIP_TTL_SECONDS) },
          },
        }),
      );
    },

    async recordMembershipLoss(key, loss) {
      await client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: {
            pk: { S: key },
            sk: { S: `loss#${loss.at.toISOString()}#${loss.eventId}` },
            eventId: { S: loss.eventId },
            ...(loss.accounts.length > 0 ? { accounts: { SS: [...new Set(loss.accounts)] } } : {}),
            expiresAt: { N: epochSeconds(loss.at, MEMBERSHIP_TTL_SECONDS) },
          },
        }),
      );
    },

    async membershipLossesSince(key, since, until) {
      const accounts = new Set<string>();
      let startKey: Record<string, AttributeValue> | undefined;
      do {
        const page = await client.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
            ExpressionAttributeValues: {
              ':pk': { S: key },
              // After `since` (a loss the previous sweep's read already saw is in its count), up to `until`.
              ':from': { S: `loss#${since.toISOString()}#~` },
              ':to': { S: `loss#${until.toISOString()}#~` },
            },
            ProjectionExpression: 'accounts',
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of page.Items ?? [])
          for (const account of item.accounts?.SS ?? []) accounts.add(account);
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      return accounts;
    },
  };
}
