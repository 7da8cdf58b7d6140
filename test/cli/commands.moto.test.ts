import { UpdateDetectorCommand } from '@aws-sdk/client-guardduty';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { EXEMPT_REASON_TAG, EXEMPT_UNTIL_TAG } from '../../handlers/core/exemption.js';
import { dateIn, detectorOf, featureOf, runCli, runCliJson } from '../support/cli-harness.js';
import { type GuardDutyTagShim, MOTO_ACCOUNT, startGuardDutyTagShim } from '../support/guardduty-tag-shim.js';
import { createDetector, motoClients, PROTECTED_LEGACY, PROTECTED_RUNTIME } from '../support/moto-aws.js';

// Every test owns a Region: moto keeps GuardDuty state per Region and files run in parallel against one server.
const motoEndpoint = inject('motoEndpoint');
let shim: GuardDutyTagShim;

beforeAll(async () => {
  shim = await startGuardDutyTagShim(motoEndpoint);
  // The real wiring: the CLI's SDK clients find the emulator through the standard variable.
  process.env.AWS_ENDPOINT_URL = shim.endpoint;
});
afterAll(async () => {
  delete process.env.AWS_ENDPOINT_URL;
  await shim.close();
});

const clientsFor = (region: string) => motoClients(shim.endpoint, region);
const sent = (region: string, operation: string) =>
  shim.requests.filter((request) => request.region === region && request.operation === operation);

const RUNTIME_OFF = [
  {
    Name: 'RUNTIME_MONITORING' as const,
    Status: 'DISABLED' as const,
    AdditionalConfiguration: [
      { Name: 'EKS_ADDON_MANAGEMENT' as const, Status: 'DISABLED' as const },
      { Name: 'ECS_FARGATE_AGENT_MANAGEMENT' as const, Status: 'ENABLED' as const },
    ],
  },
];

describe('Command: check', () => {
  it('exits 0 and prints a compliant row when runtime monitoring and agent management are on', async () => {
    // Prepare
    const region = 'us-west-1';
    const detectorId = await createDetector(clientsFor(region), PROTECTED_RUNTIME);

    // Act
    const run = await runCli(['check', '--region', region]);

    // Assess
    expect(run.code).toBe(0);
    const row = run.stdout.split('\n').find((line) => line.includes(detectorId));
    expect(row).toMatch(
      /us-west-1\s+\w+\s+ENABLED\s+RUNTIME_MONITORING\s+ENABLED\s+PASSED\s+PASSED\s+-\s+COMPLIANT$/,
    );
    expect(run.stdout).toMatch(
      /^Region\s+Detector\s+Status\s+Generation in use\s+Agent management\s+GuardDuty.7\s+GuardDuty.11\s+Exemption\s+Verdict/,
    );
    expect(run.stderr).toBe(''); // one Region: no progress lines
  });

  it('exits 1 on a non-compliant detector, passes an exempt one unless --strict, and says why', async () => {
    const region = 'us-west-2';
    const clients = clientsFor(region);
    const drifted = await createDetector(clients, RUNTIME_OFF);
    const exempt = await createDetector(clients, RUNTIME_OFF, {
      [EXEMPT_UNTIL_TAG]: dateIn(10),
      [EXEMPT_REASON_TAG]: 'CHG-42 agent conflict',
    });

    const run = await runCliJson(['check', '--region', region]);
    const strict = await runCliJson(['check', '--region', region, '--strict']);
    const text = await runCli(['check', '--region', region]);

    expect(run.code).toBe(1);
    expect(run.json).toMatchObject({ schemaVersion: 1, command: 'check', exitCode: 1 });
    const verdicts = Object.fromEntries(
      run.json.regions[0]?.detectors.map((detector) => [detector.detectorId, detector]) ?? [],
    );
    expect(verdicts[drifted]).toMatchObject({
      verdict: 'non-compliant',
      ok: false,
      before: { responderOutcome: 'remediate', problems: ['RUNTIME_MONITORING is DISABLED'] },
    });
    expect(verdicts[exempt]).toMatchObject({
      verdict: 'exempt',
      ok: true,
      before: {
        responderOutcome: 'exempt',
        exemption: { status: 'active', reason: 'CHG-42 agent conflict' },
      },
    });
    expect(run.json.summary).toMatchObject({ detectors: 2, compliant: 0, nonCompliant: 1, exempt: 1 });
    expect(strict.code).toBe(1);
    expect(strict.json.regions[0]?.detectors.every((detector) => !detector.ok)).toBe(true);
    expect(text.stdout).toContain(`fix now:   guardduty-drift enable --region ${region}`);
    expect(text.stdout).toMatch(new RegExp(`${exempt}.*until ${dateIn(10)}\\s+EXEMPT`));
  });

  it('exits 1 for a Region without a detector', async () => {
    const run = await runCli(['check', '--region', 'me-south-1']);

    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/me-south-1\s+\(none\).*NO DETECTOR/);
    expect(run.stdout).toContain('aws guardduty create-detector --enable --region me-south-1');
  });

  it('scans every Region of the partition with --all-regions, reporting progress on stderr', async () => {
    const run = await runCliJson(['check', '--all-regions']);

    expect(run.json.regions).toHaveLength(36);
    expect(run.json.regions.map((region) => region.region)).toContain('ap-southeast-7');
    expect(run.stderr).toMatch(/^scanning 36 Regions, 6 at a time\n/);
    expect(run.stderr.match(/^\[\d+\/36\] [a-z0-9-]+: (ok|error)$/gm)).toHaveLength(36);
    // moto 5.2.1 does not serve the two newest Regions: they fail on their own, the scan goes on, the exit code is 3.
    const failed = run.json.regions.filter((region) => region.status !== 'ok').map((region) => region.region);
    expect(failed).toEqual(['me-west-1', 'sa-west-1']);
    expect(run.code).toBe(3);
  });

  it('names the IAM action when access is denied, and exits 3', async () => {
    const region = 'eu-central-1';
    await createDetector(clientsFor(region), PROTECTED_RUNTIME);
    shim.deny('GetDetector');
    try {
      const run = await runCliJson(['check', '--region', region]);

      expect(run.code).toBe(3);
      expect(run.json.regions[0]).toMatchObject({ status: 'error', errorKind: 'access-denied' });
      expect(run.json.regions[0]?.error).toMatch(
        /^access denied in eu-central-1: the identity needs the IAM permission guardduty:GetDetector/,
      );
    } finally {
      shim.allow('GetDetector');
    }
  });
});

describe('Command: enable', () => {
  it('re-enables RUNTIME_MONITORING in one request with its full additional configuration, and reads it back', async () => {
    const region = 'us-east-2';
    const clients = clientsFor(region);
    const detectorId = await createDetector(clients, RUNTIME_OFF);

    const run = await runCliJson(['enable', '--region', region]);

    expect(run.code).toBe(0);
    // What was sent: exactly one UpdateDetector, one feature, agent management on, the other entry kept as it was.
    expect(sent(region, 'UpdateDetector').map((request) => request.body)).toEqual([
      {
        features: [
          {
            name: 'RUNTIME_MONITORING',
            status: 'ENABLED',
            additionalConfiguration: [
              { name: 'EKS_ADDON_MANAGEMENT', status: 'ENABLED' },
              { name: 'ECS_FARGATE_AGENT_MANAGEMENT', status: 'ENABLED' },
            ],
          },
        ],
      },
    ]);
    const feature = featureOf(await detectorOf(clients, detectorId), 'RUNTIME_MONITORING');
    expect(feature?.Status).toBe('ENABLED');
    expect(feature?.AdditionalConfiguration).toContainEqual({
      Name: 'EKS_ADDON_MANAGEMENT',
      Status: 'ENABLED',
    });
    const [result] = run.json.regions[0]?.detectors ?? [];
    expect(result).toMatchObject({
      ok: true,
      before: { compliant: false },
      after: { compliant: true, generationInUse: 'RUNTIME_MONITORING', agentManagement: 'ENABLED' },
      actions: [{ api: 'UpdateDetector', done: true }],
    });
    expect(result?.actions[0]?.awsCli).toBe(
      `aws guardduty update-detector --detector-id ${detectorId} --features '[{"Name":"RUNTIME_MONITORING","Status":"ENABLED","AdditionalConfiguration":[{"Name":"EKS_ADDON_MANAGEMENT","Status":"ENABLED"},{"Name":"ECS_FARGATE_AGENT_MANAGEMENT","Status":"ENABLED"}]}]' --region us-east-2`,
    );
  });

  it('enables the legacy generation with --generation eks and never names both generations', async () => {
    const region = 'ap-northeast-1';
    const clients = clientsFor(region);
    const detectorId = await createDetector(clients, [{ Name: 'S3_DATA_EVENTS', Status: 'ENABLED' }]);

    const run = await runCli(['enable', '--region', region, '--generation', 'eks']);

    expect(run.code).toBe(0);
    const bodies = sent(region, 'UpdateDetector').map((request) => request.body);
    expect(bodies).toEqual([
      {
        features: [
          {
            name: 'EKS_RUNTIME_MONITORING',
            status: 'ENABLED',
            additionalConfiguration: [{ name: 'EKS_ADDON_MANAGEMENT', status: 'ENABLED' }],
          },
        ],
      },
    ]);
    expect(featureOf(await detectorOf(clients, detectorId), 'EKS_RUNTIME_MONITORING')?.Status).toBe(
      'ENABLED',
    );
    expect(run.stdout).toMatch(/before: +detector ENABLED; no runtime feature listed -> NON-COMPLIANT/);
    expect(run.stdout).toMatch(/after: +detector ENABLED; EKS_RUNTIME_MONITORING ENABLED .* -> COMPLIANT/);
  });

  it('resumes a suspended detector', async () => {
    const region = 'mx-central-1';
    const clients = clientsFor(region);
    const detectorId = await createDetector(clients, PROTECTED_RUNTIME);
    await clients.guardDuty.send(new UpdateDetectorCommand({ DetectorId: detectorId, Enable: false }));

    const run = await runCli(['enable', '--region', region]);

    expect(run.code).toBe(0);
    expect(sent(region, 'UpdateDetector').at(-1)?.body).toEqual({ enable: true });
    expect((await detectorOf(clients, detectorId)).Status).toBe('ENABLED');
  });

  it('writes nothing with --dry-run, and leaves a compliant detector alone', async () => {
    const region = 'ap-northeast-2';
    const clients = clientsFor(region);
    const drifted = await createDetector(clients, RUNTIME_OFF);

    const dry = await runCliJson(['enable', '--region', region, '--dry-run']);
    const after = await detectorOf(clients, drifted);
    await runCli(['enable', '--region', region]);
    const again = await runCliJson(['enable', '--region', region]);

    expect(dry.code).toBe(0);
    expect(dry.json.dryRun).toBe(true);
    expect(dry.json.regions[0]?.detectors[0]?.actions).toEqual([
      expect.objectContaining({ api: 'UpdateDetector', done: false }),
    ]);
    expect(featureOf(after, 'RUNTIME_MONITORING')?.Status).toBe('DISABLED');
    expect(sent(region, 'UpdateDetector')).toHaveLength(1); // the real run only
    expect(again.code).toBe(0);
    expect(again.json.regions[0]?.detectors[0]).toMatchObject({
      actions: [],
      notes: ['already compliant (RUNTIME_MONITORING in use); nothing to do'],
    });
  });
});

describe('Command: backout', () => {
  it('sets the exemption tags first, then disables the generation in use in its own request', async () => {
    const region = 'ap-northeast-3';
    const clients = clientsFor(region);
    const detectorId = await createDetector(clients, PROTECTED_RUNTIME);
    const until = dateIn(7);

    const run = await runCliJson([
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

    expect(run.code).toBe(0);
    const writes = shim.requests.filter(
      (request) => request.region === region && ['TagResource', 'UpdateDetector'].includes(request.operation),
    );
    expect(writes.map((request) => request.operation)).toEqual(['TagResource', 'UpdateDetector']);
    expect(writes[0]).toMatchObject({
      path: `/tags/arn:aws:guardduty:${region}:${MOTO_ACCOUNT}:detector/${detectorId}`,
      body: {
        tags: {
          'drift-responder:exempt-until': until,
          'drift-responder:exempt-reason': 'CHG-1234 agent conflicts with a kernel module',
        },
      },
    });
    expect(writes[1]?.body).toEqual({
      features: [
        {
          name: 'RUNTIME_MONITORING',
          status: 'DISABLED',
          additionalConfiguration: [
            { name: 'EKS_ADDON_MANAGEMENT', status: 'DISABLED' },
            { name: 'ECS_FARGATE_AGENT_MANAGEMENT', status: 'DISABLED' },
            { name: 'EC2_AGENT_MANAGEMENT', status: 'DISABLED' },
          ],
        },
      ],
    });
    const detector = await detectorOf(clients, detectorId);
    expect(featureOf(detector, 'RUNTIME_MONITORING')?.Status).toBe('DISABLED');
    expect(detector.Tags).toMatchObject({ 'drift-responder:exempt-until': until });
    expect(run.json.regions[0]?.detectors[0]).toMatchObject({
      ok: true,
      verdict: 'exempt',
      after: { responderOutcome: 'exempt', exemption: { status: 'active', until } },
    });
  });

  it('disables each enabled generation in a request of its own when both are on', async () => {
    const region = 'ap-southeast-1';
    const clients = clientsFor(region);
    const detectorId = await createDetector(clients, [...PROTECTED_RUNTIME, ...PROTECTED_LEGACY]);

    const run = await runCli([
      'backout',
      '--region',
      region,
      '--reason',
      'CHG-7 rollback',
      '--until',
      dateIn(1),
      '--account-id',
      MOTO_ACCOUNT,
    ]);

    const updates = sent(region, 'UpdateDetector').map(
      (request) => (request.body as { features: { name: string; status: string }[] }).features,
    );
    expect(updates).toEqual([
      [expect.objectContaining({ name: 'RUNTIME_MONITORING', status: 'DISABLED' })],
      [expect.objectContaining({ name: 'EKS_RUNTIME_MONITORING', status: 'DISABLED' })],
    ]);
    // moto replaces the feature list on each UpdateDetector, so only the last request's feature is readable here.
    expect(featureOf(await detectorOf(clients, detectorId), 'EKS_RUNTIME_MONITORING')?.Status).toBe(
      'DISABLED',
    );
    expect(run.code).toBe(0);
  });

  it('refuses without a reason, with a past or too distant expiry, and sends nothing', async () => {
    const region = 'ap-south-1';
    const before = shim.requests.length;

    const missing = await runCli(['backout', '--region', region, '--until', dateIn(3)]);
    const past = await runCli(['backout', '--region', region, '--reason', 'x', '--until', '2020-01-01']);
    const far = await runCli(['backout', '--region', region, '--reason', 'x', '--until', dateIn(45)]);
    const allowed = await runCli([
      'backout',
      '--region',
      region,
      '--reason',
      'x',
      '--until',
      dateIn(45),
      '--max-days',
      '60',
      '--dry-run',
      '--account-id',
      MOTO_ACCOUNT,
    ]);

    expect([missing.code, past.code, far.code]).toEqual([2, 2, 2]);
    expect(missing.stderr).toContain('missing --reason TEXT');
    expect(past.stderr).toContain('--until 2020-01-01 is in the past');
    expect(far.stderr).toContain('is more than 30 days ahead');
    expect(allowed.code).toBe(1); // accepted, but the Region has no detector
    expect(shim.requests.slice(before).map((request) => request.operation)).toEqual(['ListDetectors']);
  });

  it('does not disable anything when tagging is denied', async () => {
    const region = 'ap-southeast-3';
    const clients = clientsFor(region);
    const detectorId = await createDetector(clients, PROTECTED_RUNTIME);
    shim.deny('TagResource');
    try {
      const run = await runCli([
        'backout',
        '--region',
        region,
        '--reason',
        'CHG-9',
        '--until',
        dateIn(2),
        '--account-id',
        MOTO_ACCOUNT,
      ]);

      expect(run.code).toBe(3);
      expect(run.stdout).toContain('the identity needs the IAM permission guardduty:TagResource');
      expect(sent(region, 'UpdateDetector')).toEqual([]);
      expect(featureOf(await detectorOf(clients, detectorId), 'RUNTIME_MONITORING')?.Status).toBe('ENABLED');
    } finally {
      shim.allow('TagResource');
    }
  });
});

describe('Commands: exempt and unexempt', () => {
  it('sets and removes the exemption tags without touching the features', async () => {
    const region = 'eu-west-2';
    const clients = clientsFor(region);
    const detectorId = await createDetector(clients, PROTECTED_RUNTIME);
    const until = `${dateIn(5)}T18:00:00Z`;
    // The account comes from the credential chain here (AWS_ACCOUNT_ID), not from --account-id.
    process.env.AWS_ACCOUNT_ID = MOTO_ACCOUNT;
    try {
      const exempted = await runCli([
        'exempt',
        '--region',
        region,
        '--reason',
        'CHG-5 load test',
        '--until',
        until,
      ]);
      const tagged = await detectorOf(clients, detectorId);
      const unexempted = await runCliJson(['unexempt', '--region', region]);
      const untagged = await detectorOf(clients, detectorId);

      expect(exempted.code).toBe(0);
      expect(tagged.Tags).toEqual({
        'drift-responder:exempt-until': until,
        'drift-responder:exempt-reason': 'CHG-5 load test',
      });
      expect(unexempted.code).toBe(0);
      expect(untagged.Tags ?? {}).toEqual({});
      expect(unexempted.json.regions[0]?.detectors[0]?.actions[0]?.awsCli).toBe(
        `aws guardduty untag-resource --resource-arn arn:aws:guardduty:${region}:${MOTO_ACCOUNT}:detector/${detectorId} --tag-keys drift-responder:exempt-until drift-responder:exempt-reason --region ${region}`,
      );
      expect(sent(region, 'UpdateDetector')).toEqual([]);
    } finally {
      delete process.env.AWS_ACCOUNT_ID;
    }
  });

  it('builds the detector ARN in the partition of the Region', async () => {
    const region = 'cn-north-1';
    const detectorId = await createDetector(clientsFor(region), PROTECTED_RUNTIME);

    const run = await runCli([
      'exempt',
      '--region',
      region,
      '--reason',
      'CHG-8',
      '--until',
      dateIn(1),
      '--account-id',
      MOTO_ACCOUNT,
    ]);

    expect(run.code).toBe(0);
    expect(sent(region, 'TagResource')[0]?.path).toBe(
      `/tags/arn:aws-cn:guardduty:cn-north-1:${MOTO_ACCOUNT}:detector/${detectorId}`,
    );
  });

  it('asks STS for the account when plain access keys carry none', async () => {
    const region = 'ap-east-1';
    const detectorId = await createDetector(clientsFor(region), PROTECTED_RUNTIME);

    const run = await runCli(['exempt', '--region', region, '--reason', 'CHG-3', '--until', dateIn(1)]);

    expect(run.code).toBe(0);
    expect(sent(region, 'TagResource')[0]?.path).toBe(
      `/tags/arn:aws:guardduty:${region}:${MOTO_ACCOUNT}:detector/${detectorId}`,
    );
  });

  it('refuses an --account-id that is not the account the credentials carry', async () => {
    const region = 'ap-east-1';
    await createDetector(clientsFor(region), PROTECTED_RUNTIME);
    process.env.AWS_ACCOUNT_ID = MOTO_ACCOUNT;
    try {
      const run = await runCli([
        'exempt',
        '--region',
        region,
        '--reason',
        'CHG-4',
        '--until',
        dateIn(1),
        '--account-id',
        '999999999999',
      ]);

      expect(run.code).toBe(2);
      expect(run.stderr).toContain(
        `--account-id 999999999999 does not match the account of the credentials (${MOTO_ACCOUNT})`,
      );
    } finally {
      delete process.env.AWS_ACCOUNT_ID;
    }
  });

  it('makes no STS call when --account-id is given', async () => {
    const region = 'cn-northwest-1';
    const detectorId = await createDetector(clientsFor(region), PROTECTED_RUNTIME);
    // Any STS call would go to a port where nothing listens, and fail the command.
    process.env.AWS_ENDPOINT_URL_STS = 'http://127.0.0.1:9';
    try {
      const args = [
        '--region',
        region,
        '--reason',
        'CHG-9',
        '--until',
        dateIn(1),
        '--account-id',
        MOTO_ACCOUNT,
      ];
      const run = await runCli(['exempt', ...args]);

      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(sent(region, 'TagResource')[0]?.path).toBe(
        `/tags/arn:aws-cn:guardduty:${region}:${MOTO_ACCOUNT}:detector/${detectorId}`,
      );
    } finally {
      delete process.env.AWS_ENDPOINT_URL_STS;
    }
  });
});
