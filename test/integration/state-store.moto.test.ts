import { beforeAll, describe, expect, inject, it } from 'vitest';
import { dynamoDbStateStore } from '../../handlers/adapters/state-store.js';
import type { StateStorePort } from '../../handlers/ports.js';
import { createStateTable, motoClients } from '../support/moto-aws.js';

// The DynamoDB adapter against moto's DynamoDB: the conditional claim, the settle (with history and a second key in
// one BatchWriteItem), and the three reads, with the table exactly as the contract describes it.
const endpoint = inject('motoEndpoint');
const REGION = 'eu-central-1';
const HOUR = 60 * 60 * 1000;
let store: StateStorePort;

beforeAll(async () => {
  const clients = motoClients(endpoint, REGION);
  await createStateTable(clients, 'state-store-test');
  store = dynamoDbStateStore(clients.dynamoDb, 'state-store-test');
});

describe('Adapter: DynamoDB state store (moto)', () => {
  it('grants a claim once, refuses it while leased or completed, and hands a released one over with its kept data', async () => {
    const now = new Date();

    const first = await store.claim('event#a', now, 60_000, 3600);
    const whileLeased = await store.claim('event#a', now, 60_000, 3600);
    await store.settle({
      key: 'event#a',
      status: 'RETRYABLE',
      now,
      ttlSeconds: 3600,
      outcome: 'remediate',
      pendingNotification: '{"kept":true}',
      failureAlerted: true,
    });
    const takeover = await store.claim('event#a', now, 60_000, 3600);
    await store.settle({ key: 'event#a', status: 'COMPLETED', now, ttlSeconds: 3600, outcome: 'remediate' });
    const afterCompletion = await store.claim('event#a', now, 60_000, 3600);

    expect(first).toEqual({ claimed: true, previous: undefined });
    expect(whileLeased).toMatchObject({ claimed: false });
    expect(takeover).toMatchObject({
      claimed: true,
      previous: {
        status: 'RETRYABLE',
        outcome: 'remediate',
        pendingNotification: '{"kept":true}',
        failureAlerted: true,
      },
    });
    expect(afterCompletion).toMatchObject({ claimed: false });
    expect(await store.readClaim('event#a')).toMatchObject({ status: 'COMPLETED' });
  });

  it('takes over a claim whose lease ran out (a crashed invocation)', async () => {
    const then = new Date(Date.now() - 10 * 60_000);
    await store.claim('event#crashed', then, 60_000, 3600);

    expect(await store.claim('event#crashed', new Date(), 60_000, 3600)).toMatchObject({
      claimed: true,
      previous: { status: 'IN_PROGRESS' },
    });
  });

  it('settles a claim, writes the history and marks a second key in one request, and counts per detector and per account', async () => {
    const now = new Date();
    await store.claim('event#b', now, 60_000, 3600);

    await store.settle({
      key: 'event#b',
      status: 'COMPLETED',
      now,
      ttlSeconds: 3600,
      outcome: 'remediate',
      remediation: {
        detectorKey: 'organization#1#eu-central-1',
        at: now,
        eventId: 'b',
        generation: 'RUNTIME_MONITORING',
        actor: 'x',
        accounts: ['111111111111', '222222222222'],
      },
      alsoComplete: { key: 'drift#standing', ttlSeconds: 3600 },
    });
    await store.settle({
      key: 'event#c',
      status: 'COMPLETED',
      now,
      ttlSeconds: 3600,
      remediation: {
        detectorKey: 'organization#1#eu-central-1',
        at: new Date(now.getTime() + 1),
        eventId: 'c',
        generation: 'RUNTIME_MONITORING',
        actor: 'x',
        accounts: ['222222222222', 'organization-configuration'],
      },
    });

    expect(await store.readClaim('drift#standing')).toMatchObject({
      status: 'COMPLETED',
      outcome: 'remediate',
    });
    expect(await store.claim('drift#standing', now, 60_000, 3600)).toMatchObject({ claimed: false });
    expect(
      await store.countRemediationsSince('organization#1#eu-central-1', new Date(now.getTime() - HOUR)),
    ).toBe(2);
    expect(
      await store.countRemediationsSince('organization#1#eu-central-1', new Date(now.getTime() + HOUR)),
    ).toBe(0);
    expect(
      await store.remediationsPerAccountSince('organization#1#eu-central-1', new Date(now.getTime() - HOUR)),
    ).toEqual(
      new Map([
        ['111111111111', 1],
        ['222222222222', 2],
        ['organization-configuration', 1],
      ]),
    );
  });
});
