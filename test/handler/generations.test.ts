/*
 * The two generations through the real Lambda entry point (aws-sdk-client-mock and the in-memory state table), issue
 * 14: RUNTIME_TARGET=unified migrates a legacy detector in two UpdateDetector requests (RUNTIME_MONITORING, read
 * back, only then EKS_RUNTIME_MONITORING off), a failure between the steps leaves it protected and pages, and both
 * generations enabled is a low-severity cost warning, once a day (the responder disables the legacy one under
 * `unified` in remediate mode). The request order and contents are asserted here; moto cannot show them (it
 * replaces a detector's whole feature list on UpdateDetector), see test/integration/generations.moto.test.ts.
 */
import {
  GetDetectorCommand,
  ListDetectorsCommand,
  UpdateDetectorCommand,
  type UpdateDetectorCommandInput,
} from '@aws-sdk/client-guardduty';
import { PublishCommand } from '@aws-sdk/client-sns';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { expectWellFormedAlert } from '../support/alert-assertions.js';
import {
  awsFault,
  detectorResponse,
  FakeStateTable,
  metricPoints,
  mockAws,
  PROTECTED,
  protocolMessages,
  publishedInputs,
  resetAws,
  runtimeFeature,
} from '../support/aws-mocks.js';
import { lambdaContext, sweepEvent, syntheticFixture } from '../support/fixtures.js';
import { type Handler, loadHandler } from '../support/handler-loader.js';
import { ACCOUNT, REGION, responderEnv } from '../support/mocked-responder.js';

const DETECTOR = '0ab12cd34ef56ab78cd90ef12ab34cd5';
const CASE_KEY = `case#${ACCOUNT}#${REGION}#${DETECTOR}`;
const AGENTS = { ECS_FARGATE_AGENT_MANAGEMENT: 'ENABLED', EC2_AGENT_MANAGEMENT: 'DISABLED' } as const;

/** Only the legacy generation, with agent management: GuardDuty.7 passes, GuardDuty.11 fails. */
const LEGACY_ONLY = detectorResponse([
  runtimeFeature('RUNTIME_MONITORING', 'DISABLED', 'DISABLED', AGENTS),
  runtimeFeature('EKS_RUNTIME_MONITORING', 'ENABLED', 'ENABLED'),
]);
/** Both generations enabled: protected twice, billed twice. */
const BOTH = detectorResponse([
  runtimeFeature('RUNTIME_MONITORING', 'ENABLED', 'ENABLED', AGENTS),
  runtimeFeature('EKS_RUNTIME_MONITORING', 'ENABLED', 'ENABLED'),
]);
/** After the migration (AWS merges: the legacy feature is listed DISABLED, its configuration unchanged). */
const MIGRATED = detectorResponse([
  runtimeFeature('RUNTIME_MONITORING', 'ENABLED', 'ENABLED', AGENTS),
  runtimeFeature('EKS_RUNTIME_MONITORING', 'DISABLED', 'ENABLED'),
]);

const aws = mockAws();
let table: FakeStateTable;

beforeEach(() => {
  resetAws(aws);
  table = new FakeStateTable(aws);
  aws.guardDuty.on(UpdateDetectorCommand).resolves({});
  aws.guardDuty.on(ListDetectorsCommand).resolves({ DetectorIds: [DETECTOR] });
  aws.sns.on(PublishCommand).resolves({ MessageId: 'message-1' });
  process.env.AWS_REGION = REGION;
});
afterAll(() => {
  resetAws(aws);
  delete process.env.RUNTIME_TARGET;
});

let sweeps = 0;
const sweep = () => sweepEvent(REGION, `generations-sweep-${++sweeps}`);
const responder = async (overrides: Record<string, string> = {}): Promise<Handler> =>
  loadHandler(responderEnv(overrides));
const invoke = (handler: Handler, event: unknown) => handler(event, lambdaContext(REGION));
const updates = (): UpdateDetectorCommandInput[] =>
  aws.guardDuty.commandCalls(UpdateDetectorCommand).map((call) => call.args[0].input);
/** The GuardDuty calls in the order they were made. */
const callOrder = () =>
  aws.guardDuty
    .calls()
    .map((call) => (call.args[0] as object).constructor.name)
    .filter((name) => /Detector/.test(name));
/** The error an invocation failed with, and the one that caused it (a sweep wraps each detector's failure). */
async function failureOf(run: Promise<unknown>): Promise<string> {
  try {
    await run;
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : '';
    return `${error instanceof Error ? error.message : String(error)}: ${cause}`;
  }
  return 'no failure';
}
const featureNames = (input: UpdateDetectorCommandInput) =>
  (input.Features ?? []).map((feature) => feature.Name);

describe('RUNTIME_TARGET=unified: the two-step migration of a legacy detector', () => {
  it('enables RUNTIME_MONITORING, reads it back, and only then disables EKS_RUNTIME_MONITORING in a second request', async () => {
    // Prepare
    aws.guardDuty.on(GetDetectorCommand).resolvesOnce(LEGACY_ONLY).resolvesOnce(BOTH).resolves(MIGRATED);
    const handler = await responder({ RUNTIME_TARGET: 'unified' });

    // Act
    const result = await invoke(handler, sweep());

    // Assess: the order of the calls, and one runtime feature per request.
    expect(callOrder()).toEqual([
      'ListDetectorsCommand',
      'GetDetectorCommand',
      'UpdateDetectorCommand',
      'GetDetectorCommand',
      'UpdateDetectorCommand',
      'GetDetectorCommand',
    ]);
    const [first, second] = updates();
    expect(first).toEqual({
      DetectorId: DETECTOR,
      Features: [
        {
          Name: 'RUNTIME_MONITORING',
          Status: 'ENABLED',
          AdditionalConfiguration: [
            { Name: 'EKS_ADDON_MANAGEMENT', Status: 'ENABLED' },
            { Name: 'ECS_FARGATE_AGENT_MANAGEMENT', Status: 'ENABLED' },
            { Name: 'EC2_AGENT_MANAGEMENT', Status: 'DISABLED' },
          ],
        },
      ],
    });
    expect(second).toEqual({
      DetectorId: DETECTOR,
      Features: [
        {
          Name: 'EKS_RUNTIME_MONITORING',
          Status: 'DISABLED',
          // Sent back as it was: the add-on is the one RUNTIME_MONITORING's agent management now manages.
          AdditionalConfiguration: [{ Name: 'EKS_ADDON_MANAGEMENT', Status: 'ENABLED' }],
        },
      ],
    });
    for (const input of updates()) expect(featureNames(input)).toHaveLength(1);
    expect(result).toMatchObject({ reports: [{ outcome: 'remediate', remediation: 'succeeded' }] });
    const alert = expectWellFormedAlert(publishedInputs(aws)[0], {
      outcome: 'remediate',
      severity: 'medium',
    });
    expect(publishedInputs(aws)[0]?.Subject).toMatch(
      /Migrated to RUNTIME_MONITORING; EKS_RUNTIME_MONITORING is off/,
    );
    expect(String(alert.action)).toMatch(
      /step 1: UpdateDetector .*RUNTIME_MONITORING → ENABLED.*read back: compliant; step 2: .*EKS_RUNTIME_MONITORING → DISABLED/,
    );
    expect(alert.before).toMatchObject({
      securityHub: { 'GuardDuty.7': 'PASSED', 'GuardDuty.11': 'FAILED' },
    });
    expect(alert.after).toMatchObject({
      compliant: true,
      runtimeTarget: 'unified',
      securityHub: { 'GuardDuty.7': 'PASSED', 'GuardDuty.11': 'PASSED' },
    });
    expect(metricPoints(aws)).toEqual(
      expect.arrayContaining([
        { name: 'RemediationSucceeded', value: 1 },
        { name: 'EksRuntimeMonitoringCompliant', value: 1 },
      ]),
    );
  });

  it('leaves the legacy generation on and pages when RUNTIME_MONITORING does not read back (a failure between the steps)', async () => {
    // Prepare: the first request is accepted, but the read-back still shows only the legacy feature.
    aws.guardDuty.on(GetDetectorCommand).resolves(LEGACY_ONLY);
    const handler = await responder({ RUNTIME_TARGET: 'unified' });

    // Act
    expect(await failureOf(invoke(handler, sweep()))).toMatch(/remediation of detector .* failed/);

    // Assess: one request only, and it never touched the legacy feature.
    expect(updates()).toHaveLength(1);
    expect(updates().map(featureNames)).toEqual([['RUNTIME_MONITORING']]);
    expect(publishedInputs(aws)).toHaveLength(1);
    const alert = expectWellFormedAlert(publishedInputs(aws)[0], { outcome: 'remediate', severity: 'high' });
    expect(alert.remediation).toBe('failed');
    expect(publishedInputs(aws)[0]?.Subject).toMatch(
      /Migration to RUNTIME_MONITORING FAILED; legacy still protects/,
    );
    expect(String(alert.action)).toMatch(
      /step 2 \(EKS_RUNTIME_MONITORING → DISABLED\) not sent: EKS_RUNTIME_MONITORING stays as it was/,
    );
    // Still protected: the legacy feature is as it was, GuardDuty.7 passes.
    expect(alert.after).toMatchObject({
      compliant: false,
      generationInUse: 'EKS_RUNTIME_MONITORING',
      securityHub: { 'GuardDuty.7': 'PASSED', 'GuardDuty.11': 'FAILED' },
    });
    expect(metricPoints(aws)).toEqual(expect.arrayContaining([{ name: 'RemediationFailed', value: 1 }]));
  });

  it('pages, protected, when the second request fails, and the retry disables the legacy generation', async () => {
    // Prepare: step 1 works (its read-back shows both generations), step 2 is refused once.
    aws.guardDuty
      .on(GetDetectorCommand)
      .resolvesOnce(LEGACY_ONLY)
      .resolvesOnce(BOTH)
      // The retry's read, then its read-back.
      .resolvesOnce(BOTH)
      .resolves(MIGRATED);
    aws.guardDuty
      .on(UpdateDetectorCommand)
      .resolvesOnce({})
      .rejectsOnce(awsFault('guardduty', 'server error (500)'))
      .resolves({});
    const handler = await responder({ RUNTIME_TARGET: 'unified' });
    const event = sweep();

    // Act
    expect(await failureOf(invoke(handler, event))).toMatch(/disabling EKS_RUNTIME_MONITORING failed/);
    const paged = publishedInputs(aws).length;
    const retry = await invoke(handler, event);

    // Assess: the page of the failure says the detector is protected; the retry sends only the second request.
    expect(paged).toBe(1);
    const failure = expectWellFormedAlert(publishedInputs(aws)[0], {
      outcome: 'remediate',
      severity: 'high',
    });
    expect(publishedInputs(aws)[0]?.Subject).toMatch(
      /Migrated; disabling EKS_RUNTIME_MONITORING FAILED \(paying twice\)/,
    );
    expect(failure).toMatchObject({ remediation: 'failed', after: { compliant: true } });
    expect(String(failure.action)).toMatch(
      /The detector is protected by RUNTIME_MONITORING; both generations bill/,
    );
    expect(updates().map(featureNames)).toEqual([
      ['RUNTIME_MONITORING'],
      ['EKS_RUNTIME_MONITORING'],
      ['EKS_RUNTIME_MONITORING'],
    ]);
    expect(retry).toMatchObject({ reports: [{ outcome: 'cost-warning', remediation: 'succeeded' }] });
    expectWellFormedAlert(publishedInputs(aws)[1], { outcome: 'cost-warning', severity: 'low' });
  });

  it('in notify mode writes nothing and reports the migration it would make, medium', async () => {
    aws.guardDuty.on(GetDetectorCommand).resolves(LEGACY_ONLY);
    const handler = await responder({ RUNTIME_TARGET: 'unified', RESPONDER_MODE: 'notify' });

    await invoke(handler, sweep());

    expect(updates()).toEqual([]);
    const alert = expectWellFormedAlert(publishedInputs(aws)[0], {
      outcome: 'would-remediate',
      severity: 'medium',
    });
    expect(String(alert.action)).toMatch(
      /Remediate mode would send UpdateDetector .*RUNTIME_MONITORING → ENABLED.*; after its read-back, UpdateDetector .*EKS_RUNTIME_MONITORING → DISABLED/,
    );
  });

  it('ignores its own second request (the legacy disable) instead of reading the detector again', async () => {
    // Prepare: the responder's own UpdateDetector, as CloudTrail records it, with the legacy disable.
    const own = syntheticFixture('UpdateDetector.responder-own-enable.synthetic.json');
    const detail = own.detail as Record<string, unknown>;
    const ownRetire = {
      ...own,
      detail: {
        ...detail,
        requestParameters: {
          detectorId: DETECTOR,
          features: [
            {
              name: 'EKS_RUNTIME_MONITORING',
              status: 'DISABLED',
              additionalConfiguration: [{ name: 'EKS_ADDON_MANAGEMENT', status: 'ENABLED' }],
            },
          ],
        },
      },
    };
    aws.guardDuty.on(GetDetectorCommand).resolves(MIGRATED);

    // Act
    const unified = await invoke(await responder({ RUNTIME_TARGET: 'unified' }), ownRetire);
    const readsUnderUnified = aws.guardDuty.commandCalls(GetDetectorCommand).length;
    const any = await invoke(await responder({ RUNTIME_TARGET: 'any' }), ownRetire);

    // Assess: under `any` the responder never disables the legacy feature, so such a call is not its own.
    expect(unified).toMatchObject({
      reports: [{ outcome: 'ignored', reason: "the responder's own re-enable" }],
    });
    expect(readsUnderUnified).toBe(0);
    expect(any).toMatchObject({ reports: [{ outcome: 'compliant' }] });
    expect(publishedInputs(aws)).toEqual([]);
  });
});

describe('Both generations enabled: the cost warning', () => {
  it('under `any` warns once a day, low, with the command that disables the legacy one, and writes nothing', async () => {
    // Prepare
    aws.guardDuty.on(GetDetectorCommand).resolves(BOTH);
    const handler = await responder({ RUNTIME_TARGET: 'any' });

    // Act: two sweeps the same day, then one after the day is over.
    const first = await invoke(handler, sweep());
    const sameDay = await invoke(handler, sweep());
    const kept = table.claimOf(CASE_KEY) ?? {};
    const claimableAt = Number(kept.claimableAt?.N ?? 0);
    table.seedClaim(CASE_KEY, { ...kept, claimableAt: { N: String(Date.now() - 1000) } });
    await invoke(handler, sweep());

    // Assess
    expect(updates()).toEqual([]);
    expect(first).toMatchObject({ reports: [{ outcome: 'cost-warning' }] });
    expect(sameDay).toMatchObject({
      reports: [{ outcome: 'ignored', reason: expect.stringMatching(/duplicate/) }],
    });
    // The case closes for a day (claimableAt in ms, about 24 h after the first warning).
    expect(claimableAt - Date.now()).toBeGreaterThan(23 * 60 * 60 * 1000);
    expect(publishedInputs(aws)).toHaveLength(2);
    const alert = expectWellFormedAlert(publishedInputs(aws)[0], {
      outcome: 'cost-warning',
      severity: 'low',
    });
    expect(publishedInputs(aws)[0]?.Subject).toMatch(
      /^\[LOW\] .*Both runtime monitoring generations on: paying twice$/,
    );
    expect(String(alert.action)).toContain(
      `aws guardduty update-detector --detector-id ${DETECTOR} --features '[{"Name":"EKS_RUNTIME_MONITORING","Status":"DISABLED","AdditionalConfiguration":[{"Name":"EKS_ADDON_MANAGEMENT","Status":"ENABLED"}]}]' --region ${REGION}`,
    );
    expect(protocolMessages(publishedInputs(aws)[0] ?? {}).email).toContain(
      'Security Hub GuardDuty.7 PASSED, GuardDuty.11 PASSED',
    );
    // Protected: compliance stays 1 (at least once per sweep) and a cost is no drift.
    const points = metricPoints(aws);
    const compliance = points.filter((point) => point.name === 'EksRuntimeMonitoringCompliant');
    expect(compliance.length).toBeGreaterThanOrEqual(3);
    expect(compliance.every((point) => point.value === 1)).toBe(true);
    expect(points.some((point) => point.name === 'DriftDetected')).toBe(false);
  });

  it('does not offer the legacy disable while RUNTIME_MONITORING lacks agent management: it points to migrate', async () => {
    aws.guardDuty
      .on(GetDetectorCommand)
      .resolves(
        detectorResponse([
          runtimeFeature('RUNTIME_MONITORING', 'ENABLED', 'DISABLED', AGENTS),
          runtimeFeature('EKS_RUNTIME_MONITORING', 'ENABLED', 'ENABLED'),
        ]),
      );
    const handler = await responder({ RUNTIME_TARGET: 'any' });

    await invoke(handler, sweep());

    const alert = expectWellFormedAlert(publishedInputs(aws)[0], {
      outcome: 'cost-warning',
      severity: 'low',
    });
    expect(String(alert.action)).toMatch(/guardduty-drift migrate --region us-east-1/);
    expect(String(alert.action)).not.toMatch(/update-detector/);
  });

  it('under `unified` in remediate mode disables the legacy generation (one request) and says so, low', async () => {
    aws.guardDuty.on(GetDetectorCommand).resolvesOnce(BOTH).resolves(MIGRATED);
    const handler = await responder({ RUNTIME_TARGET: 'unified' });

    const result = await invoke(handler, sweep());

    expect(updates().map(featureNames)).toEqual([['EKS_RUNTIME_MONITORING']]);
    expect(updates()[0]?.Features?.[0]).toMatchObject({ Status: 'DISABLED' });
    expect(result).toMatchObject({ reports: [{ outcome: 'cost-warning', remediation: 'succeeded' }] });
    expectWellFormedAlert(publishedInputs(aws)[0], { outcome: 'cost-warning', severity: 'low' });
    expect(publishedInputs(aws)[0]?.Subject).toMatch(
      /Redundant EKS_RUNTIME_MONITORING disabled \(both generations were on\)$/,
    );
  });

  it('under `unified` in notify mode only warns', async () => {
    aws.guardDuty.on(GetDetectorCommand).resolves(BOTH);
    const handler = await responder({ RUNTIME_TARGET: 'unified', RESPONDER_MODE: 'notify' });

    await invoke(handler, sweep());

    expect(updates()).toEqual([]);
    expectWellFormedAlert(publishedInputs(aws)[0], { outcome: 'cost-warning', severity: 'low' });
  });
});

describe('RUNTIME_TARGET=any keeps the rule of GuardDuty.7', () => {
  it('leaves a legacy-only detector alone: compliant, no write, no page', async () => {
    aws.guardDuty.on(GetDetectorCommand).resolves(LEGACY_ONLY);
    const handler = await responder();

    const result = await invoke(handler, sweep());

    expect(result).toMatchObject({ reports: [{ outcome: 'compliant' }] });
    expect(updates()).toEqual([]);
    expect(publishedInputs(aws)).toEqual([]);
  });

  it('leaves a unified-only detector alone as well', async () => {
    aws.guardDuty.on(GetDetectorCommand).resolves(PROTECTED);
    const handler = await responder({ RUNTIME_TARGET: 'unified' });

    const result = await invoke(handler, sweep());

    expect(result).toMatchObject({ reports: [{ outcome: 'compliant' }] });
    expect(updates()).toEqual([]);
  });
});
