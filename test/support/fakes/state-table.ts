/**
 * The one in-memory model of the state table (`pk`/`sk` strings, TTL attribute `expiresAt`), answering the requests
 * the state store makes in the DynamoDB JSON shapes, which are the SDK's input and output shapes as well (awsJson1_0
 * sends them as they are). The tests bind it behind aws-sdk-client-mock (test/support/aws-mocks.ts FakeStateTable);
 * the loopback stub server (test/support/stub-server.ts) answers the real SDK with it. Nothing here imports an SDK.
 *
 * - UpdateItem: the claim (and forgetting a resolved Security Hub finding). Its ConditionExpression is evaluated
 *   (test/support/fakes/expression.ts) and its SET (with if_not_exists) or REMOVE applied, keeping every other attribute; a failed condition is a ConditionalCheckFailedException that carries
 *   the item (ReturnValuesOnConditionCheckFailure: ALL_OLD).
 * - PutItem and BatchWriteItem: the settle (unconditional), with the history entry.
 * - Query: a `BETWEEN` sort-key range (history; `Select: COUNT` counts only) or one full key (reading a claim).
 */
import type {
  AttributeValue,
  BatchWriteItemCommandInput,
  PutItemCommandInput,
  QueryCommandInput,
  UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { applySet, assertAllUsed, conditionHolds } from './expression.js';

export type Item = Record<string, AttributeValue>;
export type StateTableOperation = 'UpdateItem' | 'PutItem' | 'BatchWriteItem' | 'Query';
/** Which calls a fault fails: the claim (UpdateItem), the settle (PutItem, BatchWriteItem) or a read (Query). */
export type StateTableFault = 'claim' | 'settle' | 'query';

const FAULT_OF: Record<StateTableOperation, StateTableFault> = {
  UpdateItem: 'claim',
  PutItem: 'settle',
  BatchWriteItem: 'settle',
  Query: 'query',
};

/** The claim was held by someone else: DynamoDB's ConditionalCheckFailedException, with the item it found. */
export class ConditionalCheckFailed extends Error {
  override readonly name = 'ConditionalCheckFailedException';
  constructor(readonly item: Item | undefined) {
    super('The conditional request failed');
  }
}

export interface StateTableCall {
  readonly operation: StateTableOperation;
  /** `pk` of the item or query (the first item's, for a batch). */
  readonly pk: string | undefined;
}

export class StateTable {
  readonly items = new Map<string, Item>();
  /** A fault set on an operation makes every such call reject with it (before it changes anything). */
  readonly faults: Partial<Record<StateTableFault, Error>> = {};
  /** Every request answered, oldest first. */
  readonly calls: StateTableCall[] = [];

  /** The claim: UpdateItem, applied only when its ConditionExpression holds (evaluated as DynamoDB would). */
  updateItem(input: UpdateItemCommandInput): { Attributes?: Item } {
    const key = input.Key ?? {};
    this.enter('UpdateItem', key.pk?.S);
    const id = idOf(key);
    const existing = this.items.get(id);
    const scope = {
      names: input.ExpressionAttributeNames ?? {},
      values: input.ExpressionAttributeValues ?? {},
    };
    assertAllUsed([input.UpdateExpression, input.ConditionExpression], scope);
    if (input.ConditionExpression && !conditionHolds(input.ConditionExpression, existing, scope)) {
      throw new ConditionalCheckFailed(
        input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' ? existing : undefined,
      );
    }
    this.items.set(id, applySet(input.UpdateExpression ?? '', { ...existing, ...key }, scope));
    return existing && input.ReturnValues === 'ALL_OLD' ? { Attributes: existing } : {};
  }

  /** The settle without history: an unconditional PutItem. */
  putItem(input: PutItemCommandInput): Record<string, never> {
    this.enter('PutItem', input.Item?.pk?.S);
    this.store(input.Item ?? {});
    return {};
  }

  /** The settle with history or a standing-drift key: every put of the batch is written. */
  batchWriteItem(input: BatchWriteItemCommandInput): { UnprocessedItems: Record<string, never> } {
    const requests = Object.values(input.RequestItems ?? {}).flat();
    this.enter('BatchWriteItem', requests[0]?.PutRequest?.Item?.pk?.S);
    for (const request of requests) if (request.PutRequest?.Item) this.store(request.PutRequest.Item);
    return { UnprocessedItems: {} };
  }

  query(input: QueryCommandInput): { Items?: Item[]; Count: number; ScannedCount: number } {
    const values = input.ExpressionAttributeValues ?? {};
    const pk = values[':pk']?.S;
    this.enter('Query', pk);
    let items: Item[];
    if (values[':sk'] !== undefined) {
      const item = this.items.get(`${pk}|${values[':sk'].S}`);
      items = item ? [item] : [];
    } else {
      const from = values[':from']?.S ?? '';
      const to = values[':to']?.S ?? '';
      items = [...this.items.values()].filter((item) => {
        const sk = item.sk?.S ?? '';
        return item.pk?.S === pk && sk >= from && sk <= to;
      });
    }
    return {
      ...(input.Select === 'COUNT' ? {} : { Items: items }),
      Count: items.length,
      ScannedCount: items.length,
    };
  }

  /** A claim record as a previous invocation left it. */
  seedClaim(key: string, fields: Item): void {
    this.store({ pk: { S: `claim#${key}` }, sk: { S: 'claim' }, ...fields });
  }

  /** Remediation history entries of a detector (or the organization), as the settle after a remediation writes them. */
  seedRemediations(detectorKey: string, times: readonly Date[], accounts?: readonly string[]): void {
    for (const [index, time] of times.entries()) {
      this.store({
        pk: { S: detectorKey },
        sk: { S: `remediation#${time.toISOString()}#seeded-${index}` },
        ...(accounts ? { accounts: { SS: [...accounts] } } : {}),
      });
    }
  }

  claimOf(key: string): Item | undefined {
    return this.items.get(`claim#${key}|claim`);
  }

  /** A copy of every item, to put back with restore(). */
  snapshot(): Item[] {
    return structuredClone([...this.items.values()]);
  }

  restore(items: readonly Item[]): void {
    this.items.clear();
    for (const item of structuredClone(items)) this.store(item);
  }

  private enter(operation: StateTableOperation, pk: string | undefined): void {
    const fault = this.faults[FAULT_OF[operation]];
    if (fault) throw fault;
    this.calls.push({ operation, pk });
  }

  private store(item: Item): void {
    this.items.set(idOf(item), item);
  }
}

const idOf = (item: Item) => `${item.pk?.S}|${item.sk?.S}`;
