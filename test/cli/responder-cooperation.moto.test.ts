import { TagResourceCommand } from '@aws-sdk/client-guardduty';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { EXEMPT_REASON_TAG, EXEMPT_UNTIL_TAG } from '../../handlers/core/exemption.js';
import { dateIn, detectorOf, featureOf, runCli } from '../support/cli-harness.js';
import {
  lambdaContext,
  RESPONDER_ROLE_ARN,
  retarget,
  sweepEvent,
  syntheticFixture,
} from '../support/fixtures.js';
import { type GuardDutyTagShim, MOTO_ACCOUNT, startGuardDutyTagShim } from '../support/guardduty-tag-shim.js';
import { loadHandler } from '../support/handler-loader.js';
import {
  createDetector,
  createStateTable,
  createTopicWithQueue,
  motoClients,
  PROTECTED_LEGACY,
  PROTECTED_RUNTIME,
  receivedAlerts,
} from '../support/moto-aws.js';

// The CLI's backout and the responder, against the same emulator: the backout must not be reverted, and once the
// exemption has expired the responder must restore protection. Each test owns a Region.
const motoEndpoint = inject('motoEndpoint');
let shim: GuardDutyTagShim;

beforeAll(async () => {
  shim = await startGuardDutyTagShim(motoEndpoint);
  process.env.AWS_ENDPOINT_URL = shim.endpoint;
});
afterAll(async () => {
  delete process.env.AWS_ENDPOINT_URL;
  await shim.close();
});

async function responderIn(region: string) {
  const clients = motoClients(shim.endpoint, region);
  await createStateTable(clients, 'drift-state');
  const { topicArn, queueUrl } = await createTopicWithQueue(clients, 'drift-alerts');
  const handler = await loadHandler({
    AWS_ENDPOINT_URL: shim.endpoint,
    AWS_REGION: region,
    NOTIFICATION_TOPIC_ARN: topicArn,
    STATE_TABLE_NAME: 'drift-state',
    RESPONDER_MODE: 'remediate',
    REQUIRE_AGENT_MANAGEMENT: 'true',
    MAX_REMEDIATIONS_PER_HOUR: '3',
    RESPONDER_ROLE_ARN,
  });
  return { clients, queueUrl, handler, context: lambdaContext(region) };
}

describe('backout and the responder', () => {
  it.each([
    [
      'RUNTIME_MONITORING',
      'ca-central-1',
      PROTECTED_RUNTIME,
      'UpdateDetector.disable-runtime-monitoring.synthetic.json',
    ],
    [
      'EKS_RUNTIME_MONITORING',
      'af-south-1',
      PROTECTED_LEGACY,
      'UpdateDetector.disable-eks-runtime-monitoring.synthetic.json',
    ],
  ] as const)(
    'a %s backout is reported as exempt, and remediated by the sweep once the exemption has expired',
    async (generation, region, features, fixture) => {
      // Prepare
      const responder = await responderIn(region);
      const detectorId = await createDetector(responder.clients, features);
      const until = dateIn(3);

      // Act: the operator's backout, then the CloudTrail event of its UpdateDetector reaches the responder.
      const backout = await runCli([
        'backout',
        '--region',
        region,
        '--reason',
        'CHG-1234 agent conflicts with a kernel module',
        '--until',
        until,
        '--account-id',
        MOTO_ACCOUNT,
      ]);
      const event = retarget(syntheticFixture(fixture), {
        detectorId,
        region,
        eventId: `cli-backout-${region}`,
      });
      const duringExemption = await responder.handler(event, responder.context);

      // Assess: reported as exempt, not reverted.
      expect(backout.code).toBe(0);
      expect(duringExemption).toMatchObject({ reports: [{ outcome: 'exempt', detectorId }] });
      expect(featureOf(await detectorOf(responder.clients, detectorId), generation)?.Status).toBe('DISABLED');
      expect(await receivedAlerts(responder.clients, responder.queueUrl)).toEqual([
        expect.objectContaining({
          outcome: 'exempt',
          severity: 'medium',
          exemption: {
            status: 'active',
            until,
            reason: 'CHG-1234 agent conflicts with a kernel module',
          },
        }),
      ]);

      // Act: the exemption expires (tags dated in the past, set directly), and the next sweep runs.
      await responder.clients.guardDuty.send(
        new TagResourceCommand({
          ResourceArn: `arn:aws:guardduty:${region}:${MOTO_ACCOUNT}:detector/${detectorId}`,
          Tags: {
            [EXEMPT_UNTIL_TAG]: '2020-01-01',
            [EXEMPT_REASON_TAG]: 'CHG-1234 agent conflicts with a kernel module',
          },
        }),
      );
      const afterExpiry = await responder.handler(sweepEvent(region, `sweep-${region}`), responder.context);

      // Assess: remediated, the same generation back on with agent management.
      expect(afterExpiry).toMatchObject({
        reports: [{ outcome: 'remediate', remediation: 'succeeded', detectorId }],
      });
      const restored = featureOf(await detectorOf(responder.clients, detectorId), generation);
      expect(restored?.Status).toBe('ENABLED');
      expect(restored?.AdditionalConfiguration).toContainEqual({
        Name: 'EKS_ADDON_MANAGEMENT',
        Status: 'ENABLED',
      });
      const check = await runCli(['check', '--region', region]);
      expect(check.code).toBe(0);
      expect(check.stdout).toMatch(new RegExp(`${detectorId}.*expired 2020-01-01\\s+COMPLIANT`));
    },
  );

  it('without the exemption, the same disable is reverted: the tags are what makes the backout stick', async () => {
    const region = 'eu-north-1';
    const responder = await responderIn(region);
    const detectorId = await createDetector(responder.clients, PROTECTED_RUNTIME);
    const backout = await runCli([
      'backout',
      '--region',
      region,
      '--reason',
      'CHG-1',
      '--until',
      dateIn(1),
      '--account-id',
      MOTO_ACCOUNT,
    ]);
    const unexempt = await runCli(['unexempt', '--region', region, '--account-id', MOTO_ACCOUNT]);

    const result = await responder.handler(
      retarget(syntheticFixture('UpdateDetector.disable-runtime-monitoring.synthetic.json'), {
        detectorId,
        region,
        eventId: `cli-unexempted-${region}`,
      }),
      responder.context,
    );

    expect([backout.code, unexempt.code]).toEqual([0, 0]);
    expect(unexempt.stdout).toContain('the responder re-enables protection at its next sweep');
    expect(result).toMatchObject({ reports: [{ outcome: 'remediate', remediation: 'succeeded' }] });
  });
});
