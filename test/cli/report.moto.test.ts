/*
 * `guardduty-drift report` against moto_server, from a state table the real handler wrote: a restore of an
 * UpdateDetector that turned RUNTIME_MONITORING off, a denied attempt, and the detector as it is now.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UpdateDetectorCommand } from '@aws-sdk/client-guardduty';
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
let detectorId: string;

beforeAll(async () => {
  process.env.AWS_ENDPOINT_URL = endpoint;
  const clients = motoClients(endpoint, REGION);
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
    expect(report.coverage.periodLongerThanHistory).toBe(true);
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
    expect(markdown).toContain('The state table keeps restores 7 days');
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
