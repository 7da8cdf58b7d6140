import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsCall, AwsCallRecorder } from '../../bench/aws-recorder.js';
import { planMinimal, runMinimal } from '../../bench/org-minimal.js';
import { createResponder } from '../../handlers/composition.js';
import { JsonLogger } from '../../handlers/logger.js';
import { lambdaContext, sweepEvent } from '../support/fixtures.js';
import { responderEnv } from '../support/mocked-responder.js';
import { motoClients } from '../support/moto-aws.js';
import { type StubServer, startStubServer } from '../support/stub-server.js';

const REGION = 'eu-north-1';
const ORGANIZATION = { organization: { region: REGION, scale: { members: 230, driftedEvery: 50 } } };
let stub: StubServer;

const call = (command: string, start: number): AwsCall => ({
  command,
  start,
  end: start + 1,
  failed: false,
  detail: undefined,
  input: {},
});

beforeAll(async () => {
  stub = await startStubServer({ maxLifetimeMs: 60_000 });
  stub.settings = { latencyMs: 0 };
});
afterAll(async () => {
  await stub.stop();
});

describe('the minimal organization sweep of the benchmark (bench/org-minimal.ts)', () => {
  it("sorts the responder's calls into the floor's steps, whatever order they were made in", () => {
    // Prepare: a remediating sweep as the responder made it, a side read started late and the settle before the metrics
    const recorded = [
      call('ListSubscriptionsByTopic', 0),
      call('ListDetectors', 1),
      call('GetDetector', 3),
      call('ListMembers', 3),
      call('ListMembers', 5),
      call('GetMemberDetectors', 6),
      call('Query', 7),
      call('GetMemberDetectors', 8),
      call('UpdateItem', 10),
      call('PutItem', 10.5),
      call('UpdateMemberDetectors', 12),
      call('UpdateMemberDetectors', 12.2),
      call('GetMemberDetectors', 14),
      call('Publish', 16),
      call('BatchWriteItem', 18),
      call('PutMetricData', 18.1),
    ];

    // Act
    const plan = planMinimal([...recorded].reverse());

    // Assert
    const names = (calls: readonly AwsCall[]) => calls.map((entry) => entry.command);
    expect(names(plan.first)).toEqual(['ListDetectors']);
    expect(names(plan.chain)).toEqual(['ListMembers', 'ListMembers']);
    expect(names(plan.pageReads)).toEqual(['GetMemberDetectors', 'GetMemberDetectors']);
    expect(names(plan.alongside)).toEqual(['ListSubscriptionsByTopic', 'GetDetector', 'Query']);
    expect(plan.tail.map(names)).toEqual([
      ['UpdateItem', 'PutItem'],
      ['UpdateMemberDetectors', 'UpdateMemberDetectors'],
      ['GetMemberDetectors'],
      ['Publish'],
      ['BatchWriteItem', 'PutMetricData'],
    ]);
    const placed = [plan.first, plan.chain, plan.pageReads, plan.alongside, ...plan.tail].flat();
    expect(placed).toHaveLength(recorded.length);
  });

  it("replays a real sweep's calls against the same organization without a failure and restores it again", async () => {
    // Prepare: the responder sweeps an organization through the real SDK, every call recorded
    stub.reset(ORGANIZATION);
    // The SDK clients the moto tests use, pointed at the stub (it speaks the same protocols).
    const { guardDuty, sns, cloudWatch, dynamoDb } = motoClients(stub.endpoint, REGION);
    const clients = { guardDuty, sns, cloudWatch, dynamoDb };
    const recorder = new AwsCallRecorder();
    for (const client of Object.values(clients)) recorder.instrument(client.middlewareStack);
    const responder = createResponder({
      env: responderEnv({ AWS_REGION: REGION, RESPONDER_SCOPE: 'organization' }),
      clients,
      logger: new JsonLogger('minimal-test', 'SILENT'),
    });
    const result = await responder.handle(sweepEvent(REGION), lambdaContext(REGION));
    expect(result).toMatchObject({ organization: { outcome: 'remediate', remediatedAccounts: 5 } });
    const calls = recorder.take();
    stub.reset(ORGANIZATION);
    expect(stub.world.organization?.driftedCount()).toBe(5);

    // Act
    const minimal = await runMinimal(clients, planMinimal(calls));

    // Assert: every call sent once, none refused, and the organization protected again by the replayed writes
    expect(minimal).toMatchObject({ calls: calls.length, failed: 0 });
    expect(recorder.take()).toHaveLength(calls.length);
    expect(stub.world.organization?.driftedCount()).toBe(0);
  });
});
