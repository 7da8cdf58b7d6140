import { GetDetectorCommand, UpdateDetectorCommand } from '@aws-sdk/client-guardduty';
import { describe, expect, inject, it } from 'vitest';
import {
  lambdaContext,
  RESPONDER_ROLE_ARN,
  retarget,
  sweepEvent,
  syntheticFixture,
} from '../support/fixtures.js';
import { type Handler, loadHandler } from '../support/handler-loader.js';
import {
  complianceValues,
  createDetector,
  createStateTable,
  createTopicWithQueue,
  type MotoClients,
  motoClients,
  PROTECTED_LEGACY,
  PROTECTED_RUNTIME,
  receivedAlerts,
} from '../support/moto-aws.js';

// Every test gets a Region of its own: moto keeps state per Region, and its GetMetricData ignores the namespace once
// dimensions are given, so only a Region of its own makes a metric read-back belong to one test.
const endpoint = inject('motoEndpoint');
const NAMESPACE = 'GuardDutyDriftResponder';
let eventCounter = 0;

interface World {
  readonly region: string;
  readonly clients: MotoClients;
  readonly queueUrl: string;
  readonly handler: Handler;
  readonly context: ReturnType<typeof lambdaContext>;
}

/** A Region with the state table, the alert topic with an SQS subscriber, and a cold-started handler. */
async function world(region: string, mode: 'remediate' | 'notify'): Promise<World> {
  const clients = motoClients(endpoint, region);
  await createStateTable(clients, 'drift-state');
  const { topicArn, queueUrl } = await createTopicWithQueue(clients, 'drift-alerts');
  const handler = await loadHandler({
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: region,
    NOTIFICATION_TOPIC_ARN: topicArn,
    STATE_TABLE_NAME: 'drift-state',
    METRIC_NAMESPACE: NAMESPACE,
    RESPONDER_MODE: mode,
    REQUIRE_AGENT_MANAGEMENT: 'true',
    MAX_REMEDIATIONS_PER_HOUR: '3',
    RESPONDER_ROLE_ARN,
  });
  return { region, clients, queueUrl, handler, context: lambdaContext(region) };
}

/** The synthetic CloudTrail event for `fixture`, aimed at this detector, with an event id of its own. */
function eventFor(w: World, fixture: string, detectorId: string): Record<string, unknown> {
  eventCounter += 1;
  return retarget(syntheticFixture(fixture), {
    detectorId,
    region: w.region,
    eventId: `moto-event-${eventCounter}-${detectorId}`,
  });
}

async function featuresOf(w: World, detectorId: string) {
  const output = await w.clients.guardDuty.send(new GetDetectorCommand({ DetectorId: detectorId }));
  return { status: output.Status, features: output.Features ?? [] };
}

/** What an operator does in the console or CLI: turn the runtime feature off. */
async function switchOff(
  w: World,
  detectorId: string,
  name: 'RUNTIME_MONITORING' | 'EKS_RUNTIME_MONITORING',
) {
  await w.clients.guardDuty.send(
    new UpdateDetectorCommand({
      DetectorId: detectorId,
      Features: [
        {
          Name: name,
          Status: 'DISABLED',
          AdditionalConfiguration: [{ Name: 'EKS_ADDON_MANAGEMENT', Status: 'DISABLED' }],
        },
      ],
    }),
  );
}

describe('responder against moto_server', () => {
  it.each([
    [
      'RUNTIME_MONITORING',
      'eu-south-1',
      PROTECTED_RUNTIME,
      'UpdateDetector.disable-runtime-monitoring.synthetic.json',
    ],
    [
      'EKS_RUNTIME_MONITORING',
      'eu-south-2',
      PROTECTED_LEGACY,
      'UpdateDetector.disable-eks-runtime-monitoring.synthetic.json',
    ],
  ] as const)(
    're-enables %s after it is switched off, alerts the subscriber and records compliance',
    async (generation, region, features, fixture) => {
      // Prepare
      const w = await world(region, 'remediate');
      const detectorId = await createDetector(w.clients, features);
      await switchOff(w, detectorId, generation);

      // Act
      const result = await w.handler(eventFor(w, fixture, detectorId), w.context);

      // Assess
      expect(result).toMatchObject({
        reports: [{ outcome: 'remediate', remediation: 'succeeded', detectorId }],
      });
      const after = await featuresOf(w, detectorId);
      const restored = after.features.find((feature) => feature.Name === generation);
      expect(restored?.Status).toBe('ENABLED');
      expect(restored?.AdditionalConfiguration).toContainEqual({
        Name: 'EKS_ADDON_MANAGEMENT',
        Status: 'ENABLED',
      });
      // Exactly one generation per request: the other one was never added.
      const other = generation === 'RUNTIME_MONITORING' ? 'EKS_RUNTIME_MONITORING' : 'RUNTIME_MONITORING';
      expect(after.features.find((feature) => feature.Name === other)).toBeUndefined();

      const alerts = await receivedAlerts(w.clients, w.queueUrl);
      expect(alerts).toHaveLength(1);
      expect(alerts[0]).toMatchObject({
        outcome: 'remediate',
        remediation: 'succeeded',
        severity: 'high',
        accountId: '123456789012',
        region,
        detectorId,
        mode: 'remediate',
        actor: 'arn:aws:sts::123456789012:assumed-role/PlatformAdmin/alice@example.com',
        eventTime: '2026-11-20T09:14:03Z',
        before: { compliant: false },
        after: { compliant: true, generationInUse: generation },
      });
      expect(alerts[0]?.eventId).toMatch(/^moto-event-/);
      expect(await complianceValues(w.clients, NAMESPACE, region)).toEqual([1]);
      expect(await complianceValues(w.clients, NAMESPACE, region, 'DriftDetected')).toEqual([1]);
      expect(await complianceValues(w.clients, NAMESPACE, region, 'RemediationSucceeded')).toEqual([1]);
    },
  );

  it('in notify mode reports would-remediate and leaves the detector as it is', async () => {
    const w = await world('eu-central-2', 'notify');
    const detectorId = await createDetector(w.clients, PROTECTED_RUNTIME);
    await switchOff(w, detectorId, 'RUNTIME_MONITORING');

    const result = await w.handler(
      eventFor(w, 'UpdateDetector.disable-runtime-monitoring.synthetic.json', detectorId),
      w.context,
    );

    expect(result).toMatchObject({ reports: [{ outcome: 'would-remediate', detectorId }] });
    const after = await featuresOf(w, detectorId);
    expect(after.features.find((feature) => feature.Name === 'RUNTIME_MONITORING')?.Status).toBe('DISABLED');
    const alerts = await receivedAlerts(w.clients, w.queueUrl);
    expect(alerts).toEqual([
      expect.objectContaining({ outcome: 'would-remediate', mode: 'notify', detectorId }),
    ]);
    expect(await complianceValues(w.clients, NAMESPACE, w.region)).toEqual([0]);
  });

  it("writes nothing and sends nothing for the responder's own re-enable event", async () => {
    const w = await world('eu-west-3', 'remediate');
    const detectorId = await createDetector(w.clients, PROTECTED_RUNTIME);
    const before = await featuresOf(w, detectorId);

    const result = await w.handler(
      eventFor(w, 'UpdateDetector.responder-own-enable.synthetic.json', detectorId),
      w.context,
    );

    expect(result).toMatchObject({
      reports: [{ outcome: 'ignored', reason: "the responder's own re-enable" }],
    });
    expect(await featuresOf(w, detectorId)).toEqual(before);
    expect(await receivedAlerts(w.clients, w.queueUrl)).toEqual([]);
    expect(await complianceValues(w.clients, NAMESPACE, w.region)).toEqual([]);
  });

  it('sends one message for an event delivered twice', async () => {
    const w = await world('ca-west-1', 'notify');
    const detectorId = await createDetector(w.clients, PROTECTED_RUNTIME);
    await switchOff(w, detectorId, 'RUNTIME_MONITORING');
    const event = eventFor(w, 'UpdateDetector.disable-runtime-monitoring.synthetic.json', detectorId);

    const first = await w.handler(event, w.context);
    const second = await w.handler(event, w.context);

    expect(first).toMatchObject({ reports: [{ outcome: 'would-remediate' }] });
    expect(second).toMatchObject({
      reports: [{ outcome: 'ignored', reason: expect.stringMatching(/^duplicate/) }],
    });
    expect(await receivedAlerts(w.clients, w.queueUrl)).toHaveLength(1);
  });

  it('reports an exempt detector without touching it, and remediates it once the exemption has expired', async () => {
    const w = await world('ap-south-2', 'remediate');
    // Within MAX_EXEMPTION_DAYS (30 by default) of the run: a later end is refused, not honoured.
    const inTenDays = new Date(Date.now() + 10 * 24 * 60 * 60 * 1000).toISOString().slice(0, 10);
    const exempt = await createDetector(w.clients, PROTECTED_RUNTIME, {
      'drift-responder:exempt-until': inTenDays,
      'drift-responder:exempt-reason': 'CHG-1234 agent conflicts with a kernel module',
    });
    const expired = await createDetector(w.clients, PROTECTED_RUNTIME, {
      'drift-responder:exempt-until': '2020-01-01T00:00:00Z',
      'drift-responder:exempt-reason': 'old change',
    });
    await switchOff(w, exempt, 'RUNTIME_MONITORING');
    await switchOff(w, expired, 'RUNTIME_MONITORING');

    const fixture = 'UpdateDetector.disable-runtime-monitoring.synthetic.json';
    const exemptResult = await w.handler(eventFor(w, fixture, exempt), w.context);
    const expiredResult = await w.handler(eventFor(w, fixture, expired), w.context);

    expect(exemptResult).toMatchObject({ reports: [{ outcome: 'exempt' }] });
    expect((await featuresOf(w, exempt)).features.find((f) => f.Name === 'RUNTIME_MONITORING')?.Status).toBe(
      'DISABLED',
    );
    expect(expiredResult).toMatchObject({ reports: [{ outcome: 'remediate', remediation: 'succeeded' }] });
    expect((await featuresOf(w, expired)).features.find((f) => f.Name === 'RUNTIME_MONITORING')?.Status).toBe(
      'ENABLED',
    );
    const alerts = await receivedAlerts(w.clients, w.queueUrl);
    expect(alerts).toHaveLength(2);
    expect(alerts).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          outcome: 'exempt',
          severity: 'medium',
          exemption: expect.objectContaining({
            status: 'active',
            reason: 'CHG-1234 agent conflicts with a kernel module',
          }),
        }),
        expect.objectContaining({
          outcome: 'remediate',
          exemption: expect.objectContaining({ status: 'expired' }),
        }),
      ]),
    );
  });

  it('resumes a suspended detector', async () => {
    const w = await world('me-central-1', 'remediate');
    const detectorId = await createDetector(w.clients, PROTECTED_RUNTIME);
    await w.clients.guardDuty.send(new UpdateDetectorCommand({ DetectorId: detectorId, Enable: false }));

    const result = await w.handler(
      eventFor(w, 'UpdateDetector.suspend-detector.synthetic.json', detectorId),
      w.context,
    );

    expect(result).toMatchObject({ reports: [{ outcome: 'remediate', remediation: 'succeeded' }] });
    expect((await featuresOf(w, detectorId)).status).toBe('ENABLED');
    expect(await receivedAlerts(w.clients, w.queueUrl)).toHaveLength(1);
  });

  it('reports a denied attempt to disable protection and writes nothing', async () => {
    const w = await world('il-central-1', 'remediate');
    const detectorId = await createDetector(w.clients, PROTECTED_RUNTIME);
    const before = await featuresOf(w, detectorId);

    const result = await w.handler(
      eventFor(w, 'UpdateDetector.denied-disable.synthetic.json', detectorId),
      w.context,
    );

    expect(result).toMatchObject({ reports: [{ outcome: 'disable-denied' }] });
    expect(await featuresOf(w, detectorId)).toEqual(before);
    expect(await receivedAlerts(w.clients, w.queueUrl)).toEqual([
      expect.objectContaining({ outcome: 'disable-denied', severity: 'high', detectorId }),
    ]);
    expect(await complianceValues(w.clients, NAMESPACE, w.region, 'DisableDenied')).toEqual([1]);
  });
});

describe('sweep against moto_server', () => {
  it('evaluates every detector of the Region, remediates the drifted one and measures both', async () => {
    const w = await world('ap-southeast-4', 'remediate');
    const healthy = await createDetector(w.clients, PROTECTED_RUNTIME);
    const drifted = await createDetector(w.clients, PROTECTED_LEGACY);
    await w.clients.guardDuty.send(
      new UpdateDetectorCommand({
        DetectorId: drifted,
        Features: [{ Name: 'EKS_RUNTIME_MONITORING', Status: 'DISABLED' }],
      }),
    );

    const result = await w.handler(sweepEvent(w.region, 'sweep-run-1'), w.context);

    expect(result).toMatchObject({
      trigger: 'sweep',
      reports: expect.arrayContaining([
        { outcome: 'compliant', detectorId: healthy },
        expect.objectContaining({ outcome: 'remediate', remediation: 'succeeded', detectorId: drifted }),
      ]),
    });
    const alerts = await receivedAlerts(w.clients, w.queueUrl);
    expect(alerts).toEqual([
      expect.objectContaining({ outcome: 'remediate', actor: 'scheduled sweep', detectorId: drifted }),
    ]);
    // Two evaluations in the same minute, both compliant in the end: the minimum is 1.
    expect(await complianceValues(w.clients, NAMESPACE, w.region)).toEqual([1]);
  });

  it('pages once for a standing drift in notify mode, however many sweeps find it', async () => {
    const w = await world('ap-southeast-5', 'notify');
    const drifted = await createDetector(w.clients, PROTECTED_RUNTIME);
    await switchOff(w, drifted, 'RUNTIME_MONITORING');

    const first = await w.handler(sweepEvent(w.region, 'sweep-a'), w.context);
    const second = await w.handler(sweepEvent(w.region, 'sweep-b'), w.context);

    expect(first).toMatchObject({ reports: [{ outcome: 'would-remediate', detectorId: drifted }] });
    expect(second).toMatchObject({
      reports: [{ outcome: 'ignored', reason: expect.stringMatching(/^duplicate/) }],
    });
    expect(await receivedAlerts(w.clients, w.queueUrl)).toHaveLength(1);
  });

  it('does not page again at the sweep for a drift an event already reported (notify mode)', async () => {
    const w = await world('ap-southeast-6', 'notify');
    const drifted = await createDetector(w.clients, PROTECTED_RUNTIME);
    await switchOff(w, drifted, 'RUNTIME_MONITORING');

    const event = await w.handler(
      eventFor(w, 'UpdateDetector.disable-runtime-monitoring.synthetic.json', drifted),
      w.context,
    );
    const sweep = await w.handler(sweepEvent(w.region, 'sweep-after-event'), w.context);

    expect(event).toMatchObject({ reports: [{ outcome: 'would-remediate' }] });
    expect(sweep).toMatchObject({
      reports: [{ outcome: 'ignored', reason: expect.stringMatching(/^duplicate/) }],
    });
    expect(await receivedAlerts(w.clients, w.queueUrl)).toHaveLength(1);
  });

  it('reports a Region without any detector', async () => {
    const w = await world('ap-east-2', 'remediate');

    const result = await w.handler(sweepEvent(w.region, 'sweep-empty'), w.context);

    expect(result).toMatchObject({ reports: [{ outcome: 'detector-deleted', detectorId: null }] });
    expect(await receivedAlerts(w.clients, w.queueUrl)).toEqual([
      expect.objectContaining({
        outcome: 'detector-deleted',
        severity: 'critical',
        actor: 'scheduled sweep',
      }),
    ]);
    expect(await complianceValues(w.clients, NAMESPACE, w.region)).toEqual([0]);
  });
});
