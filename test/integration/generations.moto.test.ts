/*
 * RUNTIME_TARGET=unified end to end against moto_server (issue 14): a detector on the legacy EKS_RUNTIME_MONITORING is
 * moved to RUNTIME_MONITORING by the responder. moto REPLACES a detector's feature list on UpdateDetector (AWS
 * merges), so after the first request the emulator no longer lists the legacy feature and the responder rightly skips
 * the second: here only what the emulator can show is asserted (the first request names RUNTIME_MONITORING alone,
 * the state read back, the alert and the metric). The two requests and their order on AWS's semantics are asserted
 * in test/handler/generations.test.ts.
 */
import { GetDetectorCommand } from '@aws-sdk/client-guardduty';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { lambdaContext, RESPONDER_ROLE_ARN, retarget, syntheticFixture } from '../support/fixtures.js';
import { type GuardDutyTagShim, startGuardDutyTagShim } from '../support/guardduty-tag-shim.js';
import { loadHandler } from '../support/handler-loader.js';
import {
  complianceValues,
  createDetector,
  createStateTable,
  createTopicWithQueue,
  motoClients,
  PROTECTED_LEGACY,
  receivedAlerts,
} from '../support/moto-aws.js';

const motoEndpoint = inject('motoEndpoint');
// A Region no other moto file uses (moto keeps state per Region; files run in parallel).
const REGION = 'us-gov-east-1';
const NAMESPACE = 'GuardDutyDriftResponder';
let shim: GuardDutyTagShim;

beforeAll(async () => {
  shim = await startGuardDutyTagShim(motoEndpoint);
});
afterAll(async () => {
  delete process.env.RUNTIME_TARGET;
  await shim.close();
});

describe('responder against moto_server, RUNTIME_TARGET=unified', () => {
  it('moves a legacy-only detector to RUNTIME_MONITORING with agent management, and says it migrated', async () => {
    // Prepare: the handler's calls go through the shim, which records what reaches the emulator.
    const clients = motoClients(shim.endpoint, REGION);
    await createStateTable(clients, 'drift-state');
    const { topicArn, queueUrl } = await createTopicWithQueue(clients, 'drift-alerts');
    const detectorId = await createDetector(clients, PROTECTED_LEGACY);
    const handler = await loadHandler({
      AWS_ENDPOINT_URL: shim.endpoint,
      AWS_REGION: REGION,
      NOTIFICATION_TOPIC_ARN: topicArn,
      STATE_TABLE_NAME: 'drift-state',
      METRIC_NAMESPACE: NAMESPACE,
      RESPONDER_MODE: 'remediate',
      REQUIRE_AGENT_MANAGEMENT: 'true',
      RUNTIME_TARGET: 'unified',
      RESPONDER_ROLE_ARN,
    });
    // Someone touched the detector (here: a request that disables RUNTIME_MONITORING, which it never had).
    const event = retarget(syntheticFixture('UpdateDetector.disable-runtime-monitoring.synthetic.json'), {
      detectorId,
      region: REGION,
      eventId: `generations-moto-${detectorId}`,
    });

    // Act
    const result = await handler(event, lambdaContext(REGION));

    // Assess: the first (and, on moto, only) request named RUNTIME_MONITORING alone.
    expect(result).toMatchObject({
      reports: [{ outcome: 'remediate', remediation: 'succeeded', detectorId }],
    });
    const updates = shim.requests.filter(
      (request) => request.region === REGION && request.operation === 'UpdateDetector',
    );
    expect(updates.map((request) => request.body)).toEqual([
      {
        features: [
          {
            name: 'RUNTIME_MONITORING',
            status: 'ENABLED',
            additionalConfiguration: [{ name: 'EKS_ADDON_MANAGEMENT', status: 'ENABLED' }],
          },
        ],
      },
    ]);
    const detector = await clients.guardDuty.send(new GetDetectorCommand({ DetectorId: detectorId }));
    const runtime = detector.Features?.find((feature) => feature.Name === 'RUNTIME_MONITORING');
    const legacy = detector.Features?.find((feature) => feature.Name === 'EKS_RUNTIME_MONITORING');
    expect(runtime).toMatchObject({
      Status: 'ENABLED',
      AdditionalConfiguration: [{ Name: 'EKS_ADDON_MANAGEMENT', Status: 'ENABLED' }],
    });
    expect(legacy?.Status ?? 'not listed').not.toBe('ENABLED');
    const alerts = await receivedAlerts(clients, queueUrl);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      outcome: 'remediate',
      remediation: 'succeeded',
      severity: 'medium',
      before: {
        compliant: false,
        runtimeTarget: 'unified',
        securityHub: { 'GuardDuty.7': 'PASSED', 'GuardDuty.11': 'FAILED' },
      },
      after: {
        compliant: true,
        generationInUse: 'RUNTIME_MONITORING',
        securityHub: { 'GuardDuty.7': 'PASSED', 'GuardDuty.11': 'PASSED' },
      },
    });
    expect(String(alerts[0]?.action)).toMatch(
      /step 2 not needed: the read-back lists EKS_RUNTIME_MONITORING as not enabled/,
    );
    expect(await complianceValues(clients, NAMESPACE, REGION)).toEqual([1]);
  });
});
