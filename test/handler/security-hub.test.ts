/*
 * SECURITY_HUB=true through the composition root, with the Security Hub client mocked (aws-sdk-client-mock stubs the
 * class the adapter loads on first use): one finding per drift, the same id for every trigger and retry of it, a new
 * one after a confirmed restore, resolved with BatchImportFindings (Compliance PASSED) then BatchUpdateFindings
 * (Workflow RESOLVED); and every Security Hub fault leaves the page and the remediation as they would be without it.
 */
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetDetectorCommand, ListDetectorsCommand, UpdateDetectorCommand } from '@aws-sdk/client-guardduty';
import {
  BatchImportFindingsCommand,
  type BatchImportFindingsCommandInput,
  BatchUpdateFindingsCommand,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { PublishCommand } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createResponder } from '../../handlers/composition.js';
import { JsonLogger } from '../../handlers/logger.js';
import { forged, SEPARATORS, stringLeaves, UNSAFE } from '../alerts/hostile-text.js';
import {
  awsFault,
  DRIFTED,
  detectorResponse,
  FakeStateTable,
  metricPoints,
  mockAws,
  PROTECTED,
  publishedInputs,
  resetAws,
  runtimeFeature,
} from '../support/aws-mocks.js';
import { lambdaContext, retarget, sweepEvent, syntheticFixture } from '../support/fixtures.js';
import { ACCOUNT, REGION, responderEnv } from '../support/mocked-responder.js';

const DETECTOR = '0ab12cd34ef56ab78cd90ef12ab34cd5';
const CASE_KEY = `case#${ACCOUNT}#${REGION}#${DETECTOR}`;
const DISABLE = 'UpdateDetector.disable-runtime-monitoring.synthetic.json';
const DETECTOR_ARN = `arn:aws:guardduty:${REGION}:${ACCOUNT}:detector/${DETECTOR}`;
const PRODUCT_ARN = `arn:aws:securityhub:${REGION}:${ACCOUNT}:product/${ACCOUNT}/default`;

const aws = mockAws();
const hub = mockClient(SecurityHubClient);
let table: FakeStateTable;
let lines: Record<string, unknown>[];

beforeEach(() => {
  resetAws(aws);
  hub.reset();
  table = new FakeStateTable(aws);
  aws.guardDuty.on(UpdateDetectorCommand).resolves({});
  aws.guardDuty.on(ListDetectorsCommand).resolves({ DetectorIds: [DETECTOR] });
  aws.guardDuty.on(GetDetectorCommand).resolves(PROTECTED);
  aws.sns.on(PublishCommand).resolves({ MessageId: 'message-1' });
  aws.cloudWatch.on(PutMetricDataCommand).resolves({});
  hub.on(BatchImportFindingsCommand).resolves({ FailedCount: 0, SuccessCount: 1, FailedFindings: [] });
  hub.on(BatchUpdateFindingsCommand).resolves({ ProcessedFindings: [], UnprocessedFindings: [] });
  lines = [];
});
afterAll(() => {
  resetAws(aws);
  hub.restore();
});

function responder(env: Record<string, string | undefined> = {}) {
  return createResponder({
    env: responderEnv({ SECURITY_HUB: 'true', ...env }),
    logger: new JsonLogger('test', 'INFO', (line) => lines.push(JSON.parse(line) as Record<string, unknown>)),
  });
}

type Finding = NonNullable<BatchImportFindingsCommandInput['Findings']>[number];

function imported(): Finding[] {
  return hub.commandCalls(BatchImportFindingsCommand).flatMap((call) => call.args[0].input.Findings ?? []);
}

function resolvedIds(): string[] {
  return hub
    .commandCalls(BatchUpdateFindingsCommand)
    .flatMap((call) => call.args[0].input.FindingIdentifiers ?? [])
    .map((identifier) => identifier.Id ?? '');
}

/** The next GetDetector reads the drift, every one after it the restored detector (the read-back). */
function driftedOnce(): void {
  let drifted = true;
  aws.guardDuty.on(GetDetectorCommand).callsFake(() => {
    const answer = drifted ? DRIFTED : PROTECTED;
    drifted = false;
    return answer;
  });
}

function keptFinding(): string | undefined {
  return table.claimOf(CASE_KEY)?.finding?.S;
}

const invoke = (handler: ReturnType<typeof responder>, event: unknown) =>
  handler.handle(event, lambdaContext(REGION));

describe('Security Hub: one finding per drift', () => {
  it('notify mode: an open finding (FAILED, NEW, HIGH) on the detector with the next step; resolved when it reads compliant', async () => {
    const handler = responder({ RESPONDER_MODE: 'notify' });
    aws.guardDuty.on(GetDetectorCommand).resolves(DRIFTED);

    await invoke(handler, syntheticFixture(DISABLE));

    expect(publishedInputs(aws)).toHaveLength(1);
    const [open] = imported();
    expect(open).toMatchObject({
      ProductArn: PRODUCT_ARN,
      AwsAccountId: ACCOUNT,
      GeneratorId: 'guardduty-drift-responder',
      Severity: { Label: 'HIGH' },
      Compliance: { Status: 'FAILED' },
      RecordState: 'ACTIVE',
      Workflow: { Status: 'NEW' },
      Resources: [{ Type: 'AwsGuardDutyDetector', Id: DETECTOR_ARN, Region: REGION, Partition: 'aws' }],
      Remediation: {
        Recommendation: { Text: expect.stringContaining(`guardduty-drift enable --region ${REGION}`) },
      },
    });
    expect(open?.Description).toContain('notify mode');
    expect(open?.Description).toContain(
      'arn:aws:sts::123456789012:assumed-role/PlatformAdmin/alice@example.com',
    );
    expect(resolvedIds()).toEqual([]);
    expect(keptFinding()).toContain(open?.Id);

    // Someone turns it back on; the sweep reads it compliant: the same finding is resolved, and forgotten.
    aws.guardDuty.on(GetDetectorCommand).resolves(PROTECTED);
    await invoke(handler, sweepEvent(REGION));

    const [, back] = imported();
    expect(back).toMatchObject({
      Id: open?.Id,
      CreatedAt: open?.CreatedAt,
      Compliance: { Status: 'PASSED' },
    });
    expect(Date.parse(back?.UpdatedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(open?.UpdatedAt ?? ''));
    expect(resolvedIds()).toEqual([open?.Id]);
    expect(hub.commandCalls(BatchUpdateFindingsCommand)[0]?.args[0].input.Workflow).toEqual({
      Status: 'RESOLVED',
    });
    expect(keptFinding()).toBeUndefined();

    // Nothing open any more: a compliant evaluation makes no finding.
    await invoke(handler, sweepEvent(REGION));
    expect(imported()).toHaveLength(2);
    expect(resolvedIds()).toHaveLength(1);
  });

  it('the standing drift`s daily page and the sweep joining it update the same finding, never a second one', async () => {
    const handler = responder({ RESPONDER_MODE: 'notify' });
    aws.guardDuty.on(GetDetectorCommand).resolves(DRIFTED);
    await invoke(handler, syntheticFixture(DISABLE));
    const first = keptFinding();
    // A day later the standing drift may page again (its case reopens): the case still holds the open finding.
    const record = table.claimOf(CASE_KEY);
    if (record) table.seedClaim(CASE_KEY, { ...record, claimableAt: { N: '0' } });

    await invoke(handler, sweepEvent(REGION));

    const ids = new Set(imported().map((finding) => finding.Id));
    expect(imported().length).toBeGreaterThanOrEqual(2);
    expect(ids.size).toBe(1);
    expect(keptFinding()).toBe(first);
  });

  it('remediate mode: the restored drift is one finding created RESOLVED (PASSED); a new drift after it is a new finding', async () => {
    const handler = responder();
    driftedOnce();
    await invoke(handler, syntheticFixture(DISABLE));

    expect(aws.guardDuty.commandCalls(UpdateDetectorCommand)).toHaveLength(1);
    const [restored] = imported();
    expect(restored).toMatchObject({
      Compliance: { Status: 'PASSED' },
      Workflow: { Status: 'RESOLVED' },
      Severity: { Label: 'HIGH' },
      Remediation: {
        Recommendation: { Text: expect.stringContaining(`guardduty-drift check --region ${REGION}`) },
      },
    });
    expect(restored?.Description).toMatch(/protection was off for/i);
    expect(resolvedIds()).toEqual([restored?.Id]);
    expect(keptFinding()).toBeUndefined();

    driftedOnce();
    await invoke(
      handler,
      retarget(syntheticFixture(DISABLE), { eventId: '7d3f9a42-1b6c-4e0d-9a51-2f8e6c4b1a99' }),
    );

    const [, second] = imported();
    expect(second?.Id).toBeDefined();
    expect(second?.Id).not.toBe(restored?.Id);
  });

  it('a failed remediation opens a CRITICAL finding; the retry that restores it resolves that same finding', async () => {
    const handler = responder();
    aws.guardDuty.on(GetDetectorCommand).resolves(DRIFTED);
    aws.guardDuty
      .on(UpdateDetectorCommand)
      .rejectsOnce(awsFault('guardduty', 'server error (500)'))
      .resolves({});

    await expect(invoke(handler, syntheticFixture(DISABLE))).rejects.toThrow(/remediation of detector/);
    const [open] = imported();
    expect(open).toMatchObject({ Compliance: { Status: 'FAILED' }, Severity: { Label: 'CRITICAL' } });
    expect(keptFinding()).toContain(open?.Id);

    driftedOnce();
    await invoke(handler, syntheticFixture(DISABLE));

    const [, resolved] = imported();
    expect(resolved).toMatchObject({
      Id: open?.Id,
      CreatedAt: open?.CreatedAt,
      Compliance: { Status: 'PASSED' },
    });
    expect(resolvedIds()).toEqual([open?.Id]);
    expect(keptFinding()).toBeUndefined();
  });

  it('a restore whose second step fails (unified: both generations billing) still resolves: protection is back', async () => {
    const legacyOnly = detectorResponse([runtimeFeature('EKS_RUNTIME_MONITORING', 'ENABLED', 'ENABLED')]);
    const both = detectorResponse([
      runtimeFeature('EKS_RUNTIME_MONITORING', 'ENABLED', 'ENABLED'),
      runtimeFeature('RUNTIME_MONITORING', 'ENABLED', 'ENABLED'),
    ]);
    const reads = [legacyOnly, both];
    aws.guardDuty.on(GetDetectorCommand).callsFake(() => reads.shift() ?? both);
    aws.guardDuty.on(UpdateDetectorCommand).callsFake((input: { Features?: { Name?: string }[] }) => {
      if (input.Features?.[0]?.Name === 'EKS_RUNTIME_MONITORING')
        throw awsFault('guardduty', 'server error (500)');
      return {};
    });

    await expect(
      invoke(responder({ RUNTIME_TARGET: 'unified' }), sweepEvent(REGION, 'sweep-unified')),
    ).rejects.toThrow(/sweep failed for 1 of 1 detector/);

    expect(publishedInputs(aws)).toHaveLength(1);
    expect(publishedInputs(aws)[0]?.Subject).toMatch(/disabling EKS_RUNTIME_MONITORING FAILED/);
    const [finding] = imported();
    expect(finding).toMatchObject({ Compliance: { Status: 'PASSED' } });
    expect(resolvedIds()).toEqual([finding?.Id]);
  });

  it('a retry after a failed Publish delivers the kept alert and creates no second finding', async () => {
    const handler = responder();
    driftedOnce();
    aws.sns
      .on(PublishCommand)
      .rejectsOnce(awsFault('sns', 'throttling'))
      .resolves({ MessageId: 'message-2' });

    await expect(invoke(handler, syntheticFixture(DISABLE))).rejects.toThrow(/could not be published/);
    await invoke(handler, syntheticFixture(DISABLE));

    expect(publishedInputs(aws)).toHaveLength(2);
    expect(new Set(imported().map((finding) => finding.Id)).size).toBe(1);
  });

  it('a sweep taking over a crashed attempt updates the finding that attempt claimed, not a new one', async () => {
    const handler = responder();
    const crashed = `{"id":"guardduty-drift-responder/${'a'.repeat(40)}","firstObservedAt":"2026-11-20T09:14:04.000Z"}`;
    table.seedClaim(CASE_KEY, {
      status: { S: 'IN_PROGRESS' },
      owner: { S: 'event#crashed' },
      fingerprint: { S: 'x' },
      outcome: { S: 'remediate' },
      leaseUntil: { N: '1' },
      expiresAt: { N: String(Math.floor(Date.now() / 1000) + 3600) },
      finding: { S: crashed },
    });
    driftedOnce();

    await invoke(handler, sweepEvent(REGION));

    expect(imported().map((finding) => finding.Id)).toEqual([`guardduty-drift-responder/${'a'.repeat(40)}`]);
    expect(imported()[0]?.CreatedAt).toBe('2026-11-20T09:14:04.000Z');
  });

  it('an exempt drift is a MEDIUM finding that says why it is left off, with the exemption reason scrubbed', async () => {
    const until = new Date(Date.now() + 5 * 24 * 3600 * 1000).toISOString().slice(0, 10);
    const handler = responder();
    for (const [name, separator] of SEPARATORS.slice(0, 6)) {
      hub.resetHistory();
      const exempt = detectorResponse([runtimeFeature('RUNTIME_MONITORING', 'DISABLED', 'DISABLED')], {
        tags: {
          'drift-responder:exempt-until': until,
          'drift-responder:exempt-reason': forged(separator, name),
        },
      });
      aws.guardDuty.on(GetDetectorCommand).resolves(exempt);
      table.items.clear();

      await invoke(handler, sweepEvent(REGION, `sweep-exempt-${name}`));

      const [finding] = imported();
      expect(finding).toMatchObject({ Severity: { Label: 'MEDIUM' }, Compliance: { Status: 'FAILED' } });
      expect(finding?.Description).toMatch(/valid exemption/);
      for (const leaf of stringLeaves(finding)) expect(leaf.value).not.toMatch(UNSAFE);
    }
    expect(aws.guardDuty.commandCalls(UpdateDetectorCommand)).toHaveLength(0);
  });

  it.each([
    [
      'the operator`s own enable event',
      () => syntheticFixture('UpdateDetector.enable-runtime-monitoring.synthetic.json'),
    ],
    ['the sweep', () => sweepEvent(REGION, 'sweep-after-notify')],
  ])(
    'a standing drift`s finding is resolved by %s once the detector reads compliant',
    async (_name, trigger) => {
      const handler = responder({ RESPONDER_MODE: 'notify' });
      aws.guardDuty.on(GetDetectorCommand).resolves(DRIFTED);
      await invoke(handler, syntheticFixture(DISABLE));
      const [open] = imported();

      aws.guardDuty.on(GetDetectorCommand).resolves(PROTECTED);
      await invoke(handler, trigger());

      expect(resolvedIds()).toEqual([open?.Id]);
      expect(keptFinding()).toBeUndefined();
    },
  );

  it('the Region`s `none` case (no detector) is resolved once a detector reads compliant', async () => {
    const handler = responder();
    aws.guardDuty.on(ListDetectorsCommand).resolves({ DetectorIds: [] });
    await invoke(handler, sweepEvent(REGION, 'sweep-no-detector'));
    const [deleted] = imported();
    expect(deleted).toMatchObject({
      Severity: { Label: 'CRITICAL' },
      Compliance: { Status: 'FAILED' },
      Resources: [{ Type: 'AwsAccount', Id: `AWS::::Account:${ACCOUNT}` }],
    });

    aws.guardDuty.on(ListDetectorsCommand).resolves({ DetectorIds: [DETECTOR] });
    await invoke(handler, sweepEvent(REGION, 'sweep-detector-back'));

    expect(resolvedIds()).toEqual([deleted?.Id]);
    expect(table.claimOf(`case#${ACCOUNT}#${REGION}#none`)?.finding).toBeUndefined();
  });

  it('leaves a finding alone while another attempt holds its case, and resolves it once that lease has run out', async () => {
    const handler = responder();
    const ref = `{"id":"guardduty-drift-responder/${'b'.repeat(40)}","firstObservedAt":"2026-11-20T09:14:04.000Z"}`;
    const held = (leaseUntil: number) =>
      table.seedClaim(CASE_KEY, {
        status: { S: 'IN_PROGRESS' },
        owner: { S: 'sweep#other' },
        fingerprint: { S: 'x' },
        outcome: { S: 'would-remediate' },
        leaseUntil: { N: String(leaseUntil) },
        expiresAt: { N: String(Math.floor(Date.now() / 1000) + 3600) },
        finding: { S: ref },
      });

    held(Date.now() + 60_000);
    await invoke(handler, sweepEvent(REGION, 'sweep-while-held'));
    expect(hub.calls()).toHaveLength(0);

    held(Date.now() - 1);
    await invoke(handler, sweepEvent(REGION, 'sweep-after-lease'));
    expect(resolvedIds()).toEqual([`guardduty-drift-responder/${'b'.repeat(40)}`]);
    expect(keptFinding()).toBeUndefined();
  });

  it('makes no finding for a compliant evaluation, and no Security Hub call at all without SECURITY_HUB', async () => {
    await invoke(responder(), sweepEvent(REGION));
    expect(hub.calls()).toHaveLength(0);

    driftedOnce();
    const result = await invoke(responder({ SECURITY_HUB: 'false' }), syntheticFixture(DISABLE));
    expect(result).toMatchObject({ reports: [{ outcome: 'remediate' }] });
    expect(publishedInputs(aws)).toHaveLength(1);
    expect(hub.calls()).toHaveLength(0);
    expect(table.claimOf(CASE_KEY)?.finding).toBeUndefined();
  });
});

describe('Security Hub faults never cost the page or the remediation', () => {
  const notSubscribed = Object.assign(
    new Error('Account 123456789012 is not subscribed to AWS Security Hub'),
    {
      name: 'InvalidAccessException',
      $fault: 'client',
      $metadata: { httpStatusCode: 401 },
    },
  );

  it.each([
    [
      'BatchImportFindings throws (Security Hub not enabled)',
      () => hub.on(BatchImportFindingsCommand).rejects(notSubscribed),
    ],
    [
      'BatchImportFindings throws (access denied)',
      () => hub.on(BatchImportFindingsCommand).rejects(awsFault('guardduty', 'access denied')),
    ],
    [
      'BatchImportFindings times out',
      () => hub.on(BatchImportFindingsCommand).rejects(awsFault('sns', 'timeout')),
    ],
    [
      'BatchImportFindings answers 200 with FailedCount 1',
      () =>
        hub.on(BatchImportFindingsCommand).resolves({
          FailedCount: 1,
          SuccessCount: 0,
          FailedFindings: [
            { Id: 'x', ErrorCode: 'InvalidInput', ErrorMessage: 'Finding does not adhere to ASFF' },
          ],
        }),
    ],
    [
      'BatchUpdateFindings leaves it unprocessed',
      () =>
        hub.on(BatchUpdateFindingsCommand).resolves({
          ProcessedFindings: [],
          UnprocessedFindings: [
            {
              FindingIdentifier: { Id: 'x', ProductArn: PRODUCT_ARN },
              ErrorCode: 'FindingNotFound',
              ErrorMessage: 'not found',
            },
          ],
        }),
    ],
    [
      'BatchUpdateFindings throws',
      () => hub.on(BatchUpdateFindingsCommand).rejects(awsFault('cloudwatch', 'server error (500)')),
    ],
  ])(
    '%s: restored, paged, logged and counted; the case keeps the finding and the next sweep resolves it',
    async (_name, fault) => {
      fault();
      const handler = responder();
      driftedOnce();

      const result = await invoke(handler, syntheticFixture(DISABLE));

      expect(result).toMatchObject({ reports: [{ outcome: 'remediate', remediation: 'succeeded' }] });
      expect(aws.guardDuty.commandCalls(UpdateDetectorCommand)).toHaveLength(1);
      expect(publishedInputs(aws)).toHaveLength(1);
      const failures = lines.filter((line) => line.message === 'security-hub-failed');
      expect(failures).toHaveLength(1);
      expect(failures[0]).toMatchObject({ state: 'resolved', error: expect.any(String) });
      expect(metricPoints(aws)).toContainEqual({ name: 'SecurityHubFindingFailed', value: 1 });
      const kept = keptFinding();
      expect(kept).toBeDefined();
      expect(table.claimOf(CASE_KEY)?.status?.S).toBe('COMPLETED');

      // Security Hub answers again: the next compliant read resolves the same finding and forgets it.
      hub.reset();
      hub.on(BatchImportFindingsCommand).resolves({ FailedCount: 0, SuccessCount: 1, FailedFindings: [] });
      hub.on(BatchUpdateFindingsCommand).resolves({ UnprocessedFindings: [] });
      await invoke(handler, sweepEvent(REGION));

      expect(imported()).toHaveLength(1);
      expect(kept).toContain(imported()[0]?.Id);
      expect(resolvedIds()).toEqual([imported()[0]?.Id]);
      expect(keptFinding()).toBeUndefined();
    },
  );

  it('a Security Hub endpoint that resets the connection is the same: the alert still goes out', async () => {
    hub.on(BatchImportFindingsCommand).rejects(awsFault('sns', 'connection reset'));
    const handler = responder({ RESPONDER_MODE: 'notify' });
    aws.guardDuty.on(GetDetectorCommand).resolves(DRIFTED);

    await invoke(handler, syntheticFixture(DISABLE));

    expect(publishedInputs(aws)).toHaveLength(1);
    expect(keptFinding()).toBeDefined();
  });
});
