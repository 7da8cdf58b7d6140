/*
 * `guardduty-drift report` against moto_server, from a state table the real handler wrote: a restore of an
 * UpdateDetector that turned RUNTIME_MONITORING off, a denied attempt, and the detector as it is now.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchClient, GetMetricDataCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { UpdateDetectorCommand } from '@aws-sdk/client-guardduty';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildEvidence, type EvidenceReport, renderEvidenceMarkdown } from '../../cli/report-evidence.js';
import { runCli } from '../support/cli-harness.js';
import { lambdaContext, RESPONDER_ROLE_ARN, retarget, syntheticFixture } from '../support/fixtures.js';
import { loadHandler } from '../support/handler-loader.js';
import {
  createDetector,
  createStateTable,
  createTopicWithQueue,
  motoClients,
  PROTECTED_RUNTIME,
} from '../support/moto-aws.js';

const endpoint = inject('motoEndpoint');
// A Region no other moto test uses: moto keeps state per Region, shared by every file.
const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const ALICE = 'arn:aws:sts::123456789012:assumed-role/PlatformAdmin/alice@example.com';
const HOUR = 3_600_000;
let detectorId: string;
let clients: ReturnType<typeof motoClients>;
/** The start of the hour in which the seeded non-compliant datapoint lies. */
let nonCompliantHour: Date;

beforeAll(async () => {
  process.env.AWS_ENDPOINT_URL = endpoint;
  clients = motoClients(endpoint, REGION);
  await createStateTable(clients, 'drift-evidence');
  const { topicArn } = await createTopicWithQueue(clients, 'drift-evidence-alerts');
  detectorId = await createDetector(clients, PROTECTED_RUNTIME);
  const handler = await loadHandler({
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: REGION,
    NOTIFICATION_TOPIC_ARN: topicArn,
    STATE_TABLE_NAME: 'drift-evidence',
    METRIC_NAMESPACE: 'GuardDutyDriftResponder',
    RESPONDER_MODE: 'remediate',
    REQUIRE_AGENT_MANAGEMENT: 'true',
    MAX_REMEDIATIONS_PER_HOUR: '3',
    RESPONDER_ROLE_ARN,
  });
  // Someone turns protection off; the real handler restores it and records the restore.
  await clients.guardDuty.send(
    new UpdateDetectorCommand({
      DetectorId: detectorId,
      Features: [
        {
          Name: 'RUNTIME_MONITORING',
          Status: 'DISABLED',
          AdditionalConfiguration: [{ Name: 'EKS_ADDON_MANAGEMENT', Status: 'DISABLED' }],
        },
      ],
    }),
  );
  const disable = retarget(syntheticFixture('UpdateDetector.disable-runtime-monitoring.synthetic.json'), {
    detectorId,
    region: REGION,
    eventId: '5c0f4a1e-0000-4000-8000-00000000e001',
  });
  const restored = await handler(disable, lambdaContext(REGION));
  expect(restored).toMatchObject({ reports: [{ outcome: 'remediate', remediation: 'succeeded' }] });
  // A denied attempt: nothing changed, but someone tried.
  const denied = retarget(syntheticFixture('UpdateDetector.denied-disable.synthetic.json'), {
    detectorId,
    region: REGION,
    eventId: '5c0f4a1e-0000-4000-8000-00000000e002',
  });
  await handler(denied, lambdaContext(REGION));
  // Earlier hours of the compliance metric, as sweeps would have published them: compliant five hours ago, and
  // three hours ago one sweep that left it off (0) and one that found it on (1) in the same hour.
  const now = Date.now();
  nonCompliantHour = new Date(Math.floor((now - 3 * HOUR) / HOUR) * HOUR);
  const point = (at: number, value: number) => ({
    MetricName: 'EksRuntimeMonitoringCompliant',
    Dimensions: [{ Name: 'Region', Value: REGION }],
    Timestamp: new Date(at),
    Value: value,
    Unit: 'None' as const,
  });
  await clients.cloudWatch.send(
    new PutMetricDataCommand({
      Namespace: 'GuardDutyDriftResponder',
      MetricData: [
        point(now - 5 * HOUR, 1),
        point(nonCompliantHour.getTime() + 60_000, 0),
        point(nonCompliantHour.getTime() + 120_000, 1),
      ],
    }),
  );
});
afterAll(() => {
  delete process.env.AWS_ENDPOINT_URL;
});

const args = (...more: string[]) => [
  'report',
  '--table',
  'drift-evidence',
  '--region',
  REGION,
  '--account-id',
  ACCOUNT,
  ...more,
];

describe('Command: report (evidence)', () => {
  it('JSON: the restore (when, who, what), the denied attempt and the verdict now, parseable', async () => {
    const run = await runCli(args('--format', 'json', '--since', '30d'));

    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as EvidenceReport;
    expect(report.schemaVersion).toBe(1);
    const target = report.targets.find((entry) => entry.detectorId === detectorId);
    expect(target).toMatchObject({
      accountId: ACCOUNT,
      region: REGION,
      current: { verdict: 'compliant', generationInUse: 'RUNTIME_MONITORING' },
      lastCase: { outcome: 'remediate', actor: ALICE },
    });
    expect(target?.restores).toEqual([
      expect.objectContaining({
        actor: ALICE,
        generation: 'RUNTIME_MONITORING',
        eventId: '5c0f4a1e-0000-4000-8000-00000000e001',
      }),
    ]);
    expect(report.deniedAttempts).toEqual([
      expect.objectContaining({ eventId: '5c0f4a1e-0000-4000-8000-00000000e002' }),
    ]);
    expect(report.summary).toMatchObject({ restores: 1, deniedAttempts: 1 });
    expect(report.coverage).toMatchObject({ remediationHistoryDays: 400, periodLongerThanHistory: false });
  });

  it('JSON: hour by hour, the compliance metric says the responder watched, and the hour an evaluation left it off', async () => {
    const run = await runCli(args('--format', 'json', '--since', '30d'));

    const report = JSON.parse(run.stdout) as EvidenceReport;
    expect(report.watch?.metric).toBe('GuardDutyDriftResponder/EksRuntimeMonitoringCompliant');
    expect(report.watch?.unavailable).toEqual([]);
    const watch = report.watch?.regions.find((region) => region.region === REGION);
    // 30 days of hours, the current one included; the hour five hours ago, the handler's hour (now): compliant.
    expect(watch).toMatchObject({ hours: 30 * 24, compliantHours: 2, nonCompliantHours: 1 });
    expect(watch?.unreportedHours).toBe(30 * 24 - 3);
    // The lowest value of the hour counts: one evaluation that left protection off makes it a non-compliant hour.
    expect(watch?.runs).toContainEqual({
      from: nonCompliantHour.toISOString(),
      to: new Date(nonCompliantHour.getTime() + HOUR).toISOString(),
      state: 'non-compliant',
    });
  });

  it('a metric it may not read is named with the permission it needs; the table and the detectors still report', async () => {
    // moto grants everything: the denial is AWS's (an identity without cloudwatch:GetMetricData).
    const cloudWatch = mockClient(CloudWatchClient);
    cloudWatch.on(GetMetricDataCommand).rejects(
      Object.assign(new Error('User is not authorized to perform: cloudwatch:GetMetricData'), {
        name: 'AccessDeniedException',
      }),
    );
    try {
      const run = await runCli(args('--format', 'json', '--since', '30d'));

      expect(run.code).toBe(0);
      const report = JSON.parse(run.stdout) as EvidenceReport;
      expect(report.watch).toMatchObject({
        regions: [],
        unavailable: [
          { region: REGION, reason: 'access denied: the identity needs cloudwatch:GetMetricData' },
        ],
      });
      expect(report.summary).toMatchObject({ restores: 1, deniedAttempts: 1 });
    } finally {
      cloudWatch.restore();
    }
  });

  it('the table keeps what the report reads: restores and denied attempts live 400 days, not days', async () => {
    const { Items = [] } = await clients.dynamoDb.send(new ScanCommand({ TableName: 'drift-evidence' }));
    const expiresIn = (match: (pk: string) => boolean) =>
      Items.filter((item) => match(item.pk?.S ?? '')).map(
        (item) => (Number(item.expiresAt?.N) * 1000 - Date.now()) / 86_400_000,
      );

    const restores = expiresIn((pk) => pk.startsWith('detector#'));
    const denied = expiresIn((pk) => pk === 'claim#event#5c0f4a1e-0000-4000-8000-00000000e002');
    expect(restores).toHaveLength(1);
    expect(denied).toHaveLength(1);
    for (const days of [...restores, ...denied]) {
      expect(days).toBeGreaterThan(399);
      expect(days).toBeLessThanOrEqual(400);
    }
    // The case (the at-least-once bookkeeping of the drift) still goes two days after it closed.
    const cases = expiresIn((pk) => pk.startsWith('claim#case#'));
    expect(cases).toHaveLength(1);
    for (const days of cases) expect(days).toBeLessThanOrEqual(2);
  });

  it('Markdown to a file: the tables a person reads, and the note on what the table can vouch for', async () => {
    const output = join(mkdtempSync(join(tmpdir(), 'evidence-')), 'report.md');

    const run = await runCli(args('--output', output));

    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    const markdown = readFileSync(output, 'utf8');
    expect(markdown).toContain('# GuardDuty EKS Runtime Monitoring: evidence report');
    expect(markdown).toContain(
      `| ${ACCOUNT} | ${REGION} | \`${detectorId}\` | compliant | RUNTIME_MONITORING |`,
    );
    expect(markdown).toContain(
      `| ${ALICE} | RUNTIME_MONITORING | \`5c0f4a1e-0000-4000-8000-00000000e001\` |`,
    );
    expect(markdown).toContain('CloudTrail event `5c0f4a1e-0000-4000-8000-00000000e002`');
    expect(markdown).toContain(
      'The period is within the state table history (400 days of restores and denied attempts).',
    );
    expect(markdown).toContain('## Watched by the responder');
    expect(markdown).toMatch(
      /- eu-west-1: compliant in 2 of 2160 hours \(0\.1%\), non-compliant evaluations in 1, no report in 2157/,
    );
  });

  it('HTML to a file: one page with the timeline row of the detector', async () => {
    const output = join(mkdtempSync(join(tmpdir(), 'evidence-')), 'report.html');

    const run = await runCli(args('--format', 'html', '--output', output));

    expect(run.code).toBe(0);
    const html = readFileSync(output, 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain(`${ACCOUNT} ${REGION} ${detectorId}</text>`);
  });

  it('refuses a bad period or format, and a missing table, before any AWS call', async () => {
    expect((await runCli(['report', '--since', '90d'])).stderr).toContain('--table: missing');
    expect((await runCli(args('--since', 'last-quarter'))).code).toBe(2);
    expect((await runCli(args('--format', 'pdf'))).stderr).toContain(
      '--format: expected "md", "html" or "json"',
    );
  });
});

describe('Evidence model', () => {
  it('keeps restores of the period only, and a pipe in an actor cannot break the Markdown table', () => {
    const report = buildEvidence({
      items: [
        {
          pk: `detector#${ACCOUNT}#${REGION}#d1`,
          sk: 'remediation#2026-11-20T09:14:41.000Z#e1',
          actor: 'a|b',
          generation: 'RUNTIME_MONITORING',
          eventId: 'e1',
        },
        {
          pk: `detector#${ACCOUNT}#${REGION}#d1`,
          sk: 'remediation#2026-01-01T00:00:00.000Z#e0',
          actor: 'old',
          generation: 'RUNTIME_MONITORING',
          eventId: 'e0',
        },
        { pk: 'claim#event#e9', sk: 'claim', outcome: 'compliant', settledAt: '2026-11-20T10:00:00.000Z' },
      ],
      current: [],
      since: new Date('2026-11-01T00:00:00Z'),
      until: new Date('2026-11-30T00:00:00Z'),
      table: 't',
      generatedAt: new Date('2026-11-30T00:00:00Z'),
    });

    expect(report.targets[0]?.restores.map((restore) => restore.eventId)).toEqual(['e1']);
    expect(report.deniedAttempts).toEqual([]);
    expect(renderEvidenceMarkdown(report)).toContain('| a\\|b |');
  });
});
