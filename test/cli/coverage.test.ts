/*
 * `guardduty-drift check --coverage`: the CLI's main, in this process, against aws-sdk-client-mock (moto has no
 * coverage API). Responses are in the API model's shapes (see test/adapters/guardduty-coverage.test.ts).
 */
import {
  type CoverageResource,
  GetCoverageStatisticsCommand,
  GetDetectorCommand,
  GuardDutyClient,
  ListCoverageCommand,
  ListDetectorsCommand,
} from '@aws-sdk/client-guardduty';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../cli/args.js';
import { awsFault, PROTECTED } from '../support/aws-mocks.js';
import { runCli } from '../support/cli-harness.js';

const REGION = 'eu-west-1';
const DETECTOR = '0ab12cd34ef56ab78cd90ef12ab34cd5';
const ACCOUNT = '123456789012';
const MEMBER = '111122223333';
const NOW = new Date('2026-11-20T12:00:00Z');
const guardDuty = mockClient(GuardDutyClient);

function cluster(
  name: string,
  options: Partial<{
    status: 'HEALTHY' | 'UNHEALTHY';
    issue: string;
    management: 'AUTO_MANAGED' | 'MANUAL' | 'DISABLED';
    account: string;
  }> = {},
): CoverageResource {
  const healthy = (options.status ?? 'HEALTHY') === 'HEALTHY';
  const account = options.account ?? ACCOUNT;
  return {
    ResourceId: name,
    DetectorId: account === ACCOUNT ? DETECTOR : 'f'.repeat(32),
    AccountId: account,
    CoverageStatus: options.status ?? 'HEALTHY',
    ...(options.issue ? { Issue: options.issue } : {}),
    UpdatedAt: new Date('2026-11-20T10:00:00Z'),
    ResourceDetails: {
      ResourceType: 'EKS',
      EksClusterDetails: {
        ClusterName: name,
        CoveredNodes: healthy ? 3 : 0,
        CompatibleNodes: 3,
        AddonDetails: { AddonVersion: 'v1.12.1-eksbuild.2', AddonStatus: healthy ? 'ACTIVE' : 'DEGRADED' },
        ManagementType: options.management ?? 'AUTO_MANAGED',
      },
    },
  };
}

/** ListCoverage pages of `size`, GetCoverageStatistics counting the same clusters. */
function coverageOf(resources: readonly CoverageResource[], size = 50): void {
  guardDuty.on(ListCoverageCommand).callsFake(async (input: { NextToken?: string }) => {
    const page = Number(input.NextToken ?? 0);
    const next = (page + 1) * size < resources.length ? String(page + 1) : undefined;
    return { Resources: resources.slice(page * size, (page + 1) * size), NextToken: next };
  });
  const count = (status: string) => resources.filter((resource) => resource.CoverageStatus === status).length;
  guardDuty.on(GetCoverageStatisticsCommand).resolves({
    CoverageStatistics: {
      CountByCoverageStatus: { HEALTHY: count('HEALTHY'), UNHEALTHY: count('UNHEALTHY') },
    },
  });
}

const CONFLICT =
  'Addon Update Failed:EKS Addon issue - ConfigurationConflict: Conflicts found when trying to apply.';
const MIXED = [
  cluster('web'),
  cluster('payments-prod', { status: 'UNHEALTHY', issue: CONFLICT }),
  cluster('sandbox', { status: 'UNHEALTHY', management: 'DISABLED' }),
  cluster('member-batch', {
    status: 'UNHEALTHY',
    account: MEMBER,
    issue: 'EKS Runtime Monitoring enablement permission not granted',
  }),
];

beforeEach(() => {
  guardDuty.reset();
  guardDuty.on(ListDetectorsCommand).resolves({ DetectorIds: [DETECTOR] });
  guardDuty.on(GetDetectorCommand).resolves(PROTECTED);
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
});
afterAll(() => guardDuty.restore());

const check = (...extra: string[]) => runCli(['check', '--region', REGION, ...extra], NOW);

describe('CLI: check --coverage', () => {
  it('adds a per-cluster table, unhealthy first, with each next step, and exits 1 for an unhealthy cluster', async () => {
    // Prepare
    coverageOf(MIXED);

    // Act
    const run = await check('--coverage');

    // Assess
    expect(run.code).toBe(1);
    const lines = run.stdout.split('\n');
    const header = lines.findIndex((line) => line.startsWith('Region     Account'));
    expect(lines.slice(header, header + 6).map((line) => line.split(/\s{2,}/))).toEqual([
      [
        'Region',
        'Account',
        'Cluster',
        'Status',
        'Issue',
        'Nodes covered/compatible',
        'Add-on version',
        'Management',
      ],
      [
        expect.stringMatching(/^-+$/),
        expect.any(String),
        expect.any(String),
        expect.any(String),
        expect.any(String),
        expect.any(String),
        expect.any(String),
        expect.any(String),
      ],
      [
        REGION,
        MEMBER,
        'member-batch',
        'UNHEALTHY',
        'EKS Runtime Monitoring enablement permission not granted',
        '0/3',
        'v1.12.1-eksbuild.2',
        'AUTO_MANAGED',
      ],
      [
        REGION,
        ACCOUNT,
        'payments-prod',
        'UNHEALTHY',
        expect.stringMatching(/^Addon Update Failed:EKS Addon issue - ConfigurationCon/),
        '0/3',
        'v1.12.1-eksbuild.2',
        'AUTO_MANAGED',
      ],
      [
        REGION,
        ACCOUNT,
        'sandbox',
        'EXCLUDED',
        expect.stringContaining('agent management is DISABLED'),
        '0/3',
        'v1.12.1-eksbuild.2',
        'DISABLED',
      ],
      [REGION, ACCOUNT, 'web', 'HEALTHY', '-', '3/3', 'v1.12.1-eksbuild.2', 'AUTO_MANAGED'],
    ]);
    expect(run.stdout).toContain(
      `    $ aws eks update-addon --region ${REGION} --cluster-name payments-prod --addon-name aws-guardduty-agent --resolve-conflicts OVERWRITE`,
    );
    // The member's toggle goes through the administrator's detector.
    expect(run.stdout).toContain(
      `$ aws guardduty update-member-detectors --region ${REGION} --detector-id ${DETECTOR} --account-ids ${MEMBER}`,
    );
    expect(run.stdout).toContain(
      '4 EKS cluster(s): 1 covered, 2 unhealthy, 1 excluded; unhealthy clusters count as not compliant',
    );
  });

  it('shows the same with --coverage=report, and keeps the exit code about the detector setting', async () => {
    coverageOf(MIXED);
    const run = await check('--coverage=report');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('2 unhealthy, 1 excluded; reported only (--coverage=report)');
  });

  it('exits 0 when every cluster is covered or excluded', async () => {
    coverageOf([cluster('web'), cluster('sandbox', { status: 'UNHEALTHY', management: 'DISABLED' })]);
    expect((await check('--coverage')).code).toBe(0);
  });

  it('puts each cluster, its state and next step into the --json document, which keeps its exit code', async () => {
    // Prepare
    coverageOf(MIXED);

    // Act
    const run = await check('--coverage', '--json');
    const document = JSON.parse(run.stdout) as { exitCode: number; coverage: Record<string, unknown> };

    // Assess
    expect(run.code).toBe(1);
    expect(document.exitCode).toBe(1);
    expect(document.coverage).toMatchObject({
      mode: 'enforce',
      summary: { covered: 1, unhealthy: 2, excluded: 1, regionErrors: 0 },
      exitCode: 1,
      regions: [
        {
          region: REGION,
          status: 'ok',
          detectorIds: [DETECTOR],
          listingShortfall: null,
          clusters: expect.arrayContaining([
            expect.objectContaining({
              clusterName: 'payments-prod',
              state: 'unhealthy',
              coveredNodes: 0,
              compatibleNodes: 3,
              addonVersion: 'v1.12.1-eksbuild.2',
              managementType: 'AUTO_MANAGED',
              nextStep: expect.objectContaining({ kind: 'configuration-conflict', actionable: true }),
            }),
            expect.objectContaining({ clusterName: 'web', state: 'covered', nextStep: null }),
          ]),
        },
      ],
    });
  });

  it('reads every page of ListCoverage, 50 at a time', async () => {
    // Prepare: 130 clusters, three pages, one unhealthy on the last page.
    coverageOf([
      ...Array.from({ length: 129 }, (_, index) => cluster(`c-${String(index).padStart(3, '0')}`)),
      cluster('last', { status: 'UNHEALTHY', issue: CONFLICT }),
    ]);

    // Act
    const run = await check('--coverage');

    // Assess
    expect(guardDuty.commandCalls(ListCoverageCommand).map((call) => call.args[0].input.NextToken)).toEqual([
      undefined,
      '1',
      '2',
    ]);
    expect(run.stdout).toContain('130 EKS cluster(s): 129 covered, 1 unhealthy, 0 excluded');
    expect(run.code).toBe(1);
  });

  it('exits 3 and names the IAM action when ListCoverage is denied, still reporting the detectors', async () => {
    // Prepare
    guardDuty.on(ListCoverageCommand).rejects(awsFault('guardduty', 'access denied'));
    guardDuty.on(GetCoverageStatisticsCommand).resolves({});

    // Act
    const run = await check('--coverage');

    // Assess
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      /coverage: access denied in eu-west-1: the identity needs the IAM permission guardduty:ListCoverage/,
    );
    expect(run.stdout).toContain(`${REGION}  ${DETECTOR}`);
    expect(run.stdout).toMatch(/eu-west-1 +- +- +ERROR/);
  });

  it('says coverage is unknown, not healthy, where the endpoint has no coverage API', async () => {
    // Prepare: moto's HTML 404.
    const notFound = Object.assign(new SyntaxError("Unexpected token '<'"), {
      $metadata: { httpStatusCode: 404 },
    });
    guardDuty.on(ListCoverageCommand).rejects(notFound).on(GetCoverageStatisticsCommand).rejects(notFound);

    // Act
    const run = await check('--coverage');

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/eu-west-1 +- +- +UNKNOWN/);
    expect(run.stdout).toContain(
      'eu-west-1: coverage unknown, the GuardDuty endpoint does not serve ListCoverage',
    );
  });

  it('calls no coverage API and adds no coverage key without --coverage', async () => {
    coverageOf(MIXED);
    const run = await check('--json');
    expect(guardDuty.commandCalls(ListCoverageCommand)).toHaveLength(0);
    expect(JSON.parse(run.stdout)).not.toHaveProperty('coverage');
    expect(run.code).toBe(0);
  });
});

describe('CLI: parsing --coverage', () => {
  const parse = (...argv: string[]) => parseCommandLine(argv, NOW);

  it('reads --coverage as enforce and --coverage=report as report, for check only', () => {
    expect(parse('check', '--coverage')).toMatchObject({
      command: 'check',
      options: { coverage: 'enforce' },
    });
    expect(parse('check', '--coverage=report')).toMatchObject({ options: { coverage: 'report' } });
    expect(parse('check')).toMatchObject({ options: { coverage: undefined } });
    expect(() => parse('enable', '--coverage')).toThrow(/Unknown option '--coverage'/);
  });

  it('names both forms when the value is wrong, and refuses a separate value', () => {
    expect(() => parse('check', '--coverage=strict')).toThrow(
      /--coverage: expected --coverage \(unhealthy clusters fail the check\) or --coverage=report .*received "strict"/,
    );
    expect(() => parse('check', '--coverage', 'report')).toThrow(/Unexpected argument 'report'/);
  });
});
