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

    const first = await store.claim({ key: 'event#a', now: now, leaseMs: 60_000, ttlSeconds: 3600 });
    const whileLeased = await store.claim({ key: 'event#a', now: now, leaseMs: 60_000, ttlSeconds: 3600 });
    await store.settle({
      key: 'event#a',
      status: 'RETRYABLE',
      now,
      ttlSeconds: 3600,
      outcome: 'remediate',
      pendingNotification: '{"kept":true}',
      failureAlerted: true,
    });
    const takeover = await store.claim({ key: 'event#a', now: now, leaseMs: 60_000, ttlSeconds: 3600 });
    await store.settle({ key: 'event#a', status: 'COMPLETED', now, ttlSeconds: 3600, outcome: 'remediate' });
    const afterCompletion = await store.claim({
      key: 'event#a',
      now: now,
      leaseMs: 60_000,
      ttlSeconds: 3600,
    });

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
    await store.claim({ key: 'event#crashed', now: then, leaseMs: 60_000, ttlSeconds: 3600 });

    expect(
      await store.claim({ key: 'event#crashed', now: new Date(), leaseMs: 60_000, ttlSeconds: 3600 }),
    ).toMatchObject({
      claimed: true,
      previous: { status: 'IN_PROGRESS' },
    });
  });

  it('settles a claim and writes the history in one request, and counts per detector and per account', async () => {
    const now = new Date();
    const later = new Date(now.getTime() + 1000);
    await store.claim({ key: 'event#b', now: now, leaseMs: 60_000, ttlSeconds: 3600 });

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

    expect(
      await store.countRemediationsSince(
        'organization#1#eu-central-1',
        new Date(now.getTime() - HOUR),
        later,
      ),
    ).toBe(2);
    expect(
      await store.countRemediationsSince(
        'organization#1#eu-central-1',
        new Date(now.getTime() + HOUR),
        later,
      ),
    ).toBe(0);
    expect(
      await store.remediationsPerAccountSince(
        'organization#1#eu-central-1',
        new Date(now.getTime() - HOUR),
        later,
      ),
    ).toEqual(
      new Map([
        ['111111111111', 1],
        ['222222222222', 2],
        ['organization-configuration', 1],
      ]),
    );
  });

  it('does not count history entries dated in the future (anyone who can write the table could keep a count up)', async () => {
    const now = new Date();
    const key = 'detector#1#eu-central-1#future';
    for (const [index, at] of [new Date(now.getTime() - 1000), new Date('2099-01-01T00:00:00Z')].entries()) {
      await store.settle({
        key: `event#future-${index}`,
        status: 'COMPLETED',
        now,
        ttlSeconds: 3600,
        remediation: {
          detectorKey: key,
          at,
          eventId: `f${index}`,
          generation: 'RUNTIME_MONITORING',
          actor: 'x',
        },
      });
    }
    expect(await store.countRemediationsSince(key, new Date(now.getTime() - HOUR), now)).toBe(1);
  });

  it('makes one drift one case: a second trigger joins it, a closed case opens again for a new drift', async () => {
    const key = 'case#1#eu-central-1#detector-a';
    const t0 = new Date();
    const at = (ms: number) => new Date(t0.getTime() + ms);
    const kase = (owner: string, observedAt: Date, fingerprint = 'RUNTIME_MONITORING=DISABLED') => ({
      owner,
      fingerprint,
      outcome: 'remediate',
      observedAt,
      intent: JSON.stringify({ owner }),
    });
    const claim = (owner: string, now: Date, observedAt: Date, fingerprint?: string) =>
      store.claim({
        key,
        now,
        leaseMs: 60_000,
        ttlSeconds: 3600,
        case: kase(owner, observedAt, fingerprint),
      });
    const close = (owner: string, now: Date) =>
      store.settle({
        key,
        status: 'COMPLETED',
        now,
        ttlSeconds: 3600,
        outcome: 'remediate',
        case: {
          owner,
          actor: 'arn:aws:iam::1:user/mallory',
          fingerprint: 'RUNTIME_MONITORING=DISABLED',
          claimableAt: now,
        },
      });

    const byEvent = await claim('event#e1', at(0), at(0));
    const sweepMeanwhile = await claim('sweep#s1', at(10), at(5));
    await close('event#e1', at(1000));
    const sweepThatReadBeforeTheClose = await claim('sweep#s1', at(1100), at(900));
    const sameEventAgain = await claim('event#e1', at(1200), at(1150));
    const newDriftAfterTheClose = await claim('sweep#s2', at(2000), at(1500));

    expect(byEvent).toEqual({ claimed: true, previous: undefined });
    expect(sweepMeanwhile).toMatchObject({
      claimed: false,
      existing: { status: 'IN_PROGRESS', owner: 'event#e1' },
    });
    expect(sweepThatReadBeforeTheClose).toMatchObject({ claimed: false, existing: { status: 'COMPLETED' } });
    expect(sameEventAgain).toMatchObject({ claimed: false });
    expect(newDriftAfterTheClose).toMatchObject({
      claimed: true,
      previous: { status: 'COMPLETED', owner: 'event#e1', actor: 'arn:aws:iam::1:user/mallory' },
    });
    expect(await store.readClaim(key)).toMatchObject({
      status: 'IN_PROGRESS',
      owner: 'sweep#s2',
      intent: '{"owner":"sweep#s2"}',
    });
  });

  it('opens a new case for a different drift at once, and repeats a standing one only after its day', async () => {
    const key = 'case#1#eu-central-1#detector-b';
    const t0 = new Date();
    const at = (ms: number) => new Date(t0.getTime() + ms);
    const claim = (owner: string, ms: number, fingerprint: string) =>
      store.claim({
        key,
        now: at(ms),
        leaseMs: 60_000,
        ttlSeconds: 3600,
        case: { owner, fingerprint, outcome: 'would-remediate', observedAt: at(ms) },
      });
    await claim('sweep#1', 0, 'A');
    await store.settle({
      key,
      status: 'COMPLETED',
      now: at(10),
      ttlSeconds: 3600,
      outcome: 'would-remediate',
      case: { owner: 'sweep#1', actor: undefined, fingerprint: 'A', claimableAt: at(24 * HOUR) },
    });

    expect(await claim('sweep#2', 30 * 60_000, 'A')).toMatchObject({ claimed: false });
    expect(await claim('sweep#3', 60 * 60_000, 'B')).toMatchObject({ claimed: true });
  });

  it('remembers when an exemption was first seen, and starts over when its end changes', async () => {
    const key = 'exemption#1#eu-central-1#detector-c';
    const t0 = new Date(Date.now() - 10_000);
    const later = new Date();

    const first = await store.exemptionFirstSeen(key, '2027-01-31', t0);
    const again = await store.exemptionFirstSeen(key, '2027-01-31', later);
    const moved = await store.exemptionFirstSeen(key, '2027-03-31', later);

    expect(first.getTime()).toBe(t0.getTime());
    expect(again.getTime()).toBe(t0.getTime());
    expect(moved.getTime()).toBe(later.getTime());
  });
});
