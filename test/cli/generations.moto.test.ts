/*
 * The CLI and the two generations against moto_server (issue 14): `check` shows Security Hub's GuardDuty.7 and
 * GuardDuty.11 verdicts side by side under each --target, `migrate --dry-run` sends no write, and `migrate` moves a
 * legacy detector to RUNTIME_MONITORING. moto replaces a detector's whole feature list on UpdateDetector (AWS merges),
 * so here only what the emulator can show is asserted: which requests reached it (the tag shim records them) and
 * the state read back; the order of the two steps on AWS's merge semantics is test/cli/migrate.test.ts's.
 */
import type { DetectorFeatureConfiguration } from '@aws-sdk/client-guardduty';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { detectorOf, featureOf, runCli, runCliJson } from '../support/cli-harness.js';
import { type GuardDutyTagShim, startGuardDutyTagShim } from '../support/guardduty-tag-shim.js';
import { createDetector, motoClients, PROTECTED_LEGACY, PROTECTED_RUNTIME } from '../support/moto-aws.js';

const motoEndpoint = inject('motoEndpoint');
let shim: GuardDutyTagShim;

// Regions no other moto file uses: moto keeps GuardDuty state per Region and files run in parallel.
const CHECK_REGION = 'ap-southeast-2';
const MIGRATE_REGION = 'us-gov-west-1';

const BOTH: DetectorFeatureConfiguration[] = [...PROTECTED_RUNTIME, ...PROTECTED_LEGACY];

let legacy: string;
let runtime: string;
let both: string;

beforeAll(async () => {
  shim = await startGuardDutyTagShim(motoEndpoint);
  process.env.AWS_ENDPOINT_URL = shim.endpoint;
  const clients = motoClients(shim.endpoint, CHECK_REGION);
  // moto accepts both generations in one CreateDetector (AWS does not): the only way to get a both-enabled detector.
  legacy = await createDetector(clients, PROTECTED_LEGACY);
  runtime = await createDetector(clients, PROTECTED_RUNTIME);
  both = await createDetector(clients, BOTH);
});
afterAll(async () => {
  delete process.env.AWS_ENDPOINT_URL;
  await shim.close();
});

const writes = (region: string, detectorId?: string) =>
  shim.requests.filter(
    (request) =>
      request.region === region &&
      request.operation === 'UpdateDetector' &&
      (detectorId === undefined || request.path.includes(detectorId)),
  );
/** The check table's row of a detector, cells split on the two-space column gaps. */
const rowOf = (stdout: string, detectorId: string) =>
  (stdout.split('\n').find((line) => line.includes(detectorId)) ?? '').split(/\s{2,}/);

describe('Command: check, the two generations and the two controls', () => {
  it.each([
    // [target, exit code, legacy verdict, unified verdict, both verdict]
    ['any', 0, 'COMPLIANT', 'COMPLIANT', 'COMPLIANT'],
    ['unified', 1, 'NON-COMPLIANT', 'COMPLIANT', 'COMPLIANT'],
  ] as const)(
    '--target %s: exit %i; legacy-only %s, unified-only %s, both %s; GuardDuty.7/.11 the same under both targets',
    async (target, code, legacyVerdict, runtimeVerdict, bothVerdict) => {
      // Act
      const run = await runCli(['check', '--region', CHECK_REGION, '--target', target]);

      // Assess: [Region, Detector, Status, Generation, Agent, GuardDuty.7, GuardDuty.11, Exemption, Verdict]
      expect(run.code).toBe(code);
      expect(rowOf(run.stdout, legacy).slice(3)).toEqual([
        'EKS_RUNTIME_MONITORING',
        'ENABLED',
        'PASSED',
        'FAILED',
        '-',
        legacyVerdict,
      ]);
      expect(rowOf(run.stdout, runtime).slice(3)).toEqual([
        'RUNTIME_MONITORING',
        'ENABLED',
        'PASSED',
        'PASSED',
        '-',
        runtimeVerdict,
      ]);
      expect(rowOf(run.stdout, both).slice(5)).toEqual(['PASSED', 'PASSED', '-', bothVerdict]);
      expect(run.stdout).toContain(
        `${CHECK_REGION} ${both}: COMPLIANT\n  note:      both generations are enabled`,
      );
      expect(run.stdout).toMatch(
        new RegExp(
          `3 detector\\(s\\) in 1 Region\\(s\\), target ${target}: .*; 1 with both generations enabled`,
        ),
      );
      expect(writes(CHECK_REGION)).toEqual([]);
    },
  );

  it('puts both verdicts in the JSON document, per detector', async () => {
    const run = await runCliJson(['check', '--region', CHECK_REGION, '--target', 'unified']);

    const byId = Object.fromEntries(
      run.json.regions[0]?.detectors.map((detector) => [detector.detectorId, detector]) ?? [],
    );
    expect(run.json).toMatchObject({ runtimeTarget: 'unified', summary: { bothGenerations: 1 } });
    expect(byId[legacy]).toMatchObject({
      verdict: 'non-compliant',
      securityHub: { 'GuardDuty.7': 'PASSED', 'GuardDuty.11': 'FAILED' },
      before: { responderOutcome: 'remediate', protectedByEither: true, target: 'unified' },
    });
    expect(byId[both]).toMatchObject({
      verdict: 'compliant',
      securityHub: { 'GuardDuty.7': 'PASSED', 'GuardDuty.11': 'PASSED' },
      before: { responderOutcome: 'cost-warning' },
    });
  });
});

describe('Command: migrate', () => {
  it('--dry-run writes nothing: no UpdateDetector reaches the emulator, and it prints both steps in order', async () => {
    // Prepare
    const clients = motoClients(shim.endpoint, MIGRATE_REGION);
    const detectorId = await createDetector(clients, PROTECTED_LEGACY);
    const before = await detectorOf(clients, detectorId);

    // Act
    const run = await runCli(['migrate', '--region', MIGRATE_REGION, '--dry-run']);

    // Assess
    expect(run.code).toBe(0);
    expect(writes(MIGRATE_REGION)).toEqual([]);
    expect((await detectorOf(clients, detectorId)).Features).toEqual(before.Features);
    expect(run.stdout.startsWith('DRY RUN: nothing was written to AWS.')).toBe(true);
    const block = run.stdout.slice(run.stdout.indexOf(`${MIGRATE_REGION} ${detectorId}`));
    const step1 = block.indexOf(
      `would do:  step 1: UpdateDetector ${detectorId}: RUNTIME_MONITORING → ENABLED (EKS_ADDON_MANAGEMENT=ENABLED)`,
    );
    const readBack = block.indexOf(
      'would do:  read back: step 2 is sent only if RUNTIME_MONITORING protects',
    );
    const step2 = block.indexOf(
      `would do:  step 2: UpdateDetector ${detectorId}: EKS_RUNTIME_MONITORING → DISABLED`,
    );
    expect(step1).toBeGreaterThan(0);
    expect(readBack).toBeGreaterThan(step1);
    expect(step2).toBeGreaterThan(readBack);
    expect(block).toContain(
      `aws guardduty update-detector --detector-id ${detectorId} --features '[{"Name":"RUNTIME_MONITORING","Status":"ENABLED","AdditionalConfiguration":[{"Name":"EKS_ADDON_MANAGEMENT","Status":"ENABLED"}]}]' --region ${MIGRATE_REGION}`,
    );
    expect(block).toContain(
      `aws guardduty update-detector --detector-id ${detectorId} --features '[{"Name":"EKS_RUNTIME_MONITORING","Status":"DISABLED","AdditionalConfiguration":[{"Name":"EKS_ADDON_MANAGEMENT","Status":"ENABLED"}]}]' --region ${MIGRATE_REGION}`,
    );
  });

  it('moves a legacy detector to RUNTIME_MONITORING: the first request names RUNTIME_MONITORING only', async () => {
    // Prepare
    const clients = motoClients(shim.endpoint, MIGRATE_REGION);
    const detectorId = await createDetector(clients, PROTECTED_LEGACY);

    // Act
    const run = await runCliJson(['migrate', '--region', MIGRATE_REGION]);
    const check = await runCli(['check', '--region', MIGRATE_REGION, '--target', 'unified']);

    // Assess: what reached the emulator, and what it reads back.
    expect(run.code).toBe(0);
    const [first] = writes(MIGRATE_REGION, detectorId);
    expect(first?.body).toEqual({
      features: [
        {
          name: 'RUNTIME_MONITORING',
          status: 'ENABLED',
          additionalConfiguration: [{ name: 'EKS_ADDON_MANAGEMENT', status: 'ENABLED' }],
        },
      ],
    });
    for (const request of writes(MIGRATE_REGION, detectorId)) {
      const names = (request.body as { features?: { name: string }[] }).features?.map((f) => f.name) ?? [];
      expect(names).toHaveLength(1);
    }
    const detector = await detectorOf(clients, detectorId);
    expect(featureOf(detector, 'RUNTIME_MONITORING')).toMatchObject({
      Status: 'ENABLED',
      AdditionalConfiguration: [{ Name: 'EKS_ADDON_MANAGEMENT', Status: 'ENABLED' }],
    });
    expect(featureOf(detector, 'EKS_RUNTIME_MONITORING')?.Status ?? 'not listed').not.toBe('ENABLED');
    const migrated = run.json.regions[0]?.detectors.find((entry) => entry.detectorId === detectorId);
    expect(migrated).toMatchObject({ ok: true, verdict: 'compliant' });
    expect(migrated?.actions[0]).toMatchObject({ api: 'UpdateDetector', done: true });
    expect(check.code).toBe(0);
    expect(rowOf(check.stdout, detectorId).slice(5)).toEqual(['PASSED', 'PASSED', '-', 'COMPLIANT']);
  });
});
