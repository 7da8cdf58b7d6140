import { beforeAll, describe, expect, inject, it } from 'vitest';
import { dynamoDbStateStore } from '../../handlers/adapters/state-store.js';
import type { StateStorePort } from '../../handlers/ports.js';
import { createStateTable, motoClients } from '../support/moto-aws.js';

// The membership items of the state table (handlers/adapters/membership-store.ts) against moto's DynamoDB: the
// sweep's member count and the loss events that explain a drop, read back with the window the sweep uses.
const endpoint = inject('motoEndpoint');
const REGION = 'ca-central-1';
const TABLE = 'membership-store-test';
const MINUTE = 60_000;
let store: StateStorePort;

beforeAll(async () => {
  const clients = motoClients(endpoint, REGION);
  await createStateTable(clients, TABLE);
  store = dynamoDbStateStore(clients.dynamoDb, TABLE);
});

describe('Adapter: membership items of the state store (moto)', () => {
  it('has no count before the first sweep, then reads back the last one recorded', async () => {
    const key = 'members#123456789012#ca-central-1';
    const first = new Date('2026-11-20T09:00:00.000Z');
    const second = new Date(first.getTime() + 30 * MINUTE);

    expect(await store.memberCount(key)).toBeUndefined();
    await store.recordMemberCount(key, { count: 10, observedAt: first, eventId: 'sweep-1' });
    await store.recordMemberCount(key, { count: 8, observedAt: second, eventId: 'sweep-2' });

    expect(await store.memberCount(key)).toEqual({ count: 8, observedAt: second, eventId: 'sweep-2' });
  });

  it('returns the accounts of the loss events after the last sweep and up to this one, once each', async () => {
    const key = 'members#210987654321#ca-central-1';
    const lastSweep = new Date('2026-11-20T09:00:00.000Z');
    const thisSweep = new Date(lastSweep.getTime() + 30 * MINUTE);
    const at = (minutes: number) => new Date(lastSweep.getTime() + minutes * MINUTE);
    // Before the last sweep's read (that sweep's count already has it), inside the window (twice the same account,
    // and one event naming nobody still out), and after this sweep's read.
    await store.recordMembershipLoss(key, { at: at(-1), eventId: 'before', accounts: ['111111111111'] });
    await store.recordMembershipLoss(key, {
      at: at(5),
      eventId: 'e1',
      accounts: ['222222222222', '333333333333'],
    });
    await store.recordMembershipLoss(key, { at: at(10), eventId: 'e2', accounts: ['333333333333'] });
    await store.recordMembershipLoss(key, { at: at(12), eventId: 'restored', accounts: [] });
    await store.recordMembershipLoss(key, { at: at(31), eventId: 'after', accounts: ['444444444444'] });
    // A redelivered event writes the same item again.
    await store.recordMembershipLoss(key, {
      at: at(5),
      eventId: 'e1',
      accounts: ['222222222222', '333333333333'],
    });

    const explained = await store.membershipLossesSince(key, lastSweep, thisSweep);

    expect([...explained].sort()).toEqual(['222222222222', '333333333333']);
  });

  it('keeps the count and the loss items apart from every other item of the table', async () => {
    const key = 'members#555555555555#ca-central-1';
    await store.recordMemberCount(key, { count: 3, observedAt: new Date(), eventId: 'sweep' });

    expect(await store.membershipLossesSince(key, new Date(0), new Date(Date.now() + MINUTE))).toEqual(
      new Set(),
    );
    expect(await store.readClaim(key)).toBeUndefined();
  });
});
