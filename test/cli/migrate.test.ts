/*
 * `guardduty-drift migrate` with AWS's merge semantics (aws-sdk-client-mock answers as GuardDuty documents it): the
 * two requests, their order and contents, and what a failure between them leaves. The emulator's view is in
 * test/cli/generations.moto.test.ts.
 */
import {
  GetDetectorCommand,
  GuardDutyClient,
  ListDetectorsCommand,
  UpdateDetectorCommand,
  type UpdateDetectorCommandInput,
} from '@aws-sdk/client-guardduty';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { dateIn, runCli, runCliJson } from '../support/cli-harness.js';
import { detectorResponse, runtimeFeature } from '../support/fakes/guardduty.js';

const REGION = 'eu-west-1';
const DETECTOR = '0ab12cd34ef56ab78cd90ef12ab34cd5';
const AGENTS = { ECS_FARGATE_AGENT_MANAGEMENT: 'ENABLED' } as const;
const LEGACY_ONLY = detectorResponse([runtimeFeature('EKS_RUNTIME_MONITORING', 'ENABLED', 'ENABLED')]);
const BOTH = detectorResponse([
  runtimeFeature('RUNTIME_MONITORING', 'ENABLED', 'ENABLED', AGENTS),
  runtimeFeature('EKS_RUNTIME_MONITORING', 'ENABLED', 'ENABLED'),
]);
const MIGRATED = detectorResponse([
  runtimeFeature('RUNTIME_MONITORING', 'ENABLED', 'ENABLED', AGENTS),
  runtimeFeature('EKS_RUNTIME_MONITORING', 'DISABLED', 'ENABLED'),
]);

const guardDuty = mockClient(GuardDutyClient);
const saved = { region: process.env.AWS_REGION, endpoint: process.env.AWS_ENDPOINT_URL };

beforeEach(() => {
  guardDuty.reset();
  guardDuty.on(ListDetectorsCommand).resolves({ DetectorIds: [DETECTOR] });
  guardDuty.on(UpdateDetectorCommand).resolves({});
  delete process.env.AWS_ENDPOINT_URL;
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
});
afterAll(() => {
  guardDuty.restore();
  if (saved.endpoint !== undefined) process.env.AWS_ENDPOINT_URL = saved.endpoint;
  if (saved.region !== undefined) process.env.AWS_REGION = saved.region;
});

const updates = (): UpdateDetectorCommandInput[] =>
  guardDuty.commandCalls(UpdateDetectorCommand).map((call) => call.args[0].input);
const order = () =>
  guardDuty
    .calls()
    .map((call) => (call.args[0] as object).constructor.name)
    .filter((name) => name !== 'ListDetectorsCommand');

describe('Command: migrate (AWS merge semantics)', () => {
  it('sends RUNTIME_MONITORING, reads back, then EKS_RUNTIME_MONITORING off, one feature per request', async () => {
    // Prepare
    guardDuty.on(GetDetectorCommand).resolvesOnce(LEGACY_ONLY).resolvesOnce(BOTH).resolves(MIGRATED);

    // Act
    const run = await runCliJson(['migrate', '--region', REGION]);

    // Assess
    expect(run.code).toBe(0);
    expect(order()).toEqual([
      'GetDetectorCommand',
      'UpdateDetectorCommand',
      'GetDetectorCommand',
      'UpdateDetectorCommand',
      'GetDetectorCommand',
    ]);
    expect(updates()).toEqual([
      {
        DetectorId: DETECTOR,
        Features: [
          {
            Name: 'RUNTIME_MONITORING',
            Status: 'ENABLED',
            AdditionalConfiguration: [{ Name: 'EKS_ADDON_MANAGEMENT', Status: 'ENABLED' }],
          },
        ],
      },
      {
        DetectorId: DETECTOR,
        Features: [
          {
            Name: 'EKS_RUNTIME_MONITORING',
            Status: 'DISABLED',
            AdditionalConfiguration: [{ Name: 'EKS_ADDON_MANAGEMENT', Status: 'ENABLED' }],
          },
        ],
      },
    ]);
    const [detector] = run.json.regions[0]?.detectors ?? [];
    expect(detector?.actions.map((action) => [action.api, action.done])).toEqual([
      ['UpdateDetector', true],
      ['GetDetector', true],
      ['UpdateDetector', true],
    ]);
    expect(detector).toMatchObject({
      ok: true,
      verdict: 'compliant',
      after: { controls: { 'GuardDuty.7': 'PASSED', 'GuardDuty.11': 'PASSED' } },
    });
  });

  it('leaves EKS_RUNTIME_MONITORING alone and exits 1 when RUNTIME_MONITORING does not read back', async () => {
    // Prepare: the first request is accepted, but the detector still lists only the legacy feature.
    guardDuty.on(GetDetectorCommand).resolves(LEGACY_ONLY);

    // Act
    const run = await runCli(['migrate', '--region', REGION]);

    // Assess
    expect(run.code).toBe(1);
    expect(updates().map((input) => input.Features?.map((feature) => feature.Name))).toEqual([
      ['RUNTIME_MONITORING'],
    ]);
    expect(run.stdout).toMatch(/not done: +step 2: UpdateDetector .*: EKS_RUNTIME_MONITORING → DISABLED/);
    expect(run.stdout).toContain(
      'note:      step 2 not sent: RUNTIME_MONITORING does not read back protecting (RUNTIME_TARGET=unified: only EKS_RUNTIME_MONITORING is enabled',
    );
    expect(run.stdout).toContain('EKS_RUNTIME_MONITORING was left as it was, so its protection is kept');
  });

  it('says the detector is protected when the second request fails, and exits 3', async () => {
    guardDuty.on(GetDetectorCommand).resolvesOnce(LEGACY_ONLY).resolves(BOTH);
    guardDuty
      .on(UpdateDetectorCommand)
      .resolvesOnce({})
      .rejects(Object.assign(new Error('Internal server error'), { name: 'InternalServerErrorException' }));

    const run = await runCli(['migrate', '--region', REGION]);

    expect(run.code).toBe(3);
    expect(run.stdout).toMatch(/did: +step 1: UpdateDetector/);
    expect(run.stdout).toMatch(/not done: +step 2: UpdateDetector/);
    expect(run.stdout).toContain(
      'the detector is protected by RUNTIME_MONITORING (step 1 read back), but EKS_RUNTIME_MONITORING is still enabled and billing',
    );
  });

  it('sends only the second request when RUNTIME_MONITORING already protects', async () => {
    guardDuty.on(GetDetectorCommand).resolvesOnce(BOTH).resolves(MIGRATED);

    const run = await runCli(['migrate', '--region', REGION]);

    expect(run.code).toBe(0);
    expect(updates().map((input) => input.Features?.map((feature) => feature.Name))).toEqual([
      ['EKS_RUNTIME_MONITORING'],
    ]);
    expect(run.stdout).toMatch(/did: +UpdateDetector .*: EKS_RUNTIME_MONITORING → DISABLED/);
  });

  it('does nothing to a unified-only detector, nor to an exempt one', async () => {
    guardDuty.on(GetDetectorCommand).resolves(MIGRATED);
    const done = await runCli(['migrate', '--region', REGION]);
    guardDuty.on(GetDetectorCommand).resolves(
      detectorResponse([runtimeFeature('EKS_RUNTIME_MONITORING', 'ENABLED', 'ENABLED')], {
        tags: { 'drift-responder:exempt-until': dateIn(10), 'drift-responder:exempt-reason': 'CHG-9' },
      }),
    );
    const exempt = await runCli(['migrate', '--region', REGION]);

    expect(updates()).toEqual([]);
    expect(done.code).toBe(0);
    expect(done.stdout).toContain(
      'already on RUNTIME_MONITORING, and EKS_RUNTIME_MONITORING is not enabled: nothing to do',
    );
    expect(exempt.stdout).toContain(`exempt until ${dateIn(10)}: not migrated`);
  });
});
