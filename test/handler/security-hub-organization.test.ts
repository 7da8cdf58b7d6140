/*
 * SECURITY_HUB=true in organization scope, through the composition root with the GuardDuty organization fake and the
 * Security Hub client mocked: one finding per drifted member (resource the member's detector, severity the digest's,
 * an id stable for the case and the member), resolved when the read-back confirms the member or a later read finds
 * it compliant; a retry or a takeover updates the same findings; the case's list of open members stays bounded; and a
 * Security Hub fault never costs the digest or the remediation.
 */
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { UpdateMemberDetectorsCommand } from '@aws-sdk/client-guardduty';
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
import { MAX_MEMBER_FINDINGS } from '../../handlers/core/finding.js';
import { JsonLogger } from '../../handlers/logger.js';
import {
  awsFault,
  FakeStateTable,
  metricPoints,
  mockAws,
  publishedInputs,
  resetAws,
  structuredAlertOf,
} from '../support/aws-mocks.js';
import { FakeOrganization, memberFeatures } from '../support/fakes/organization.js';
import { lambdaContext, sweepEvent } from '../support/fixtures.js';
import { ACCOUNT, REGION, responderEnv } from '../support/mocked-responder.js';

const CASE_KEY = `case#${ACCOUNT}#${REGION}#organization`;
const PRODUCT_ARN = `arn:aws:securityhub:${REGION}:${ACCOUNT}:product/${ACCOUNT}/default`;

const aws = mockAws();
const hub = mockClient(SecurityHubClient);
let organization: FakeOrganization;
let table: FakeStateTable;
let lines: Record<string, unknown>[];
let sweeps = 0;

beforeEach(() => {
  resetAws(aws);
  hub.reset();
  aws.sns.on(PublishCommand).resolves({ MessageId: 'message-1' });
  aws.cloudWatch.on(PutMetricDataCommand).resolves({});
  organization = new FakeOrganization(aws);
  table = new FakeStateTable(aws);
  hubAnswers();
  lines = [];
});
afterAll(() => {
  resetAws(aws);
  hub.restore();
});

function hubAnswers(): void {
  hub.on(BatchImportFindingsCommand).resolves({ FailedCount: 0, SuccessCount: 1, FailedFindings: [] });
  hub.on(BatchUpdateFindingsCommand).resolves({ ProcessedFindings: [], UnprocessedFindings: [] });
}

function responder(env: Record<string, string | undefined> = {}) {
  return createResponder({
    env: responderEnv({ RESPONDER_SCOPE: 'organization', SECURITY_HUB: 'true', ...env }),
    logger: new JsonLogger('test', 'INFO', (line) => lines.push(JSON.parse(line) as Record<string, unknown>)),
  });
}

const sweep = () => sweepEvent(REGION, `org-finding-sweep-${++sweeps}`);
const invoke = (handler: ReturnType<typeof responder>, event: unknown) =>
  handler.handle(event, lambdaContext(REGION));

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

/** The member a finding is about, from its resource (the member's detector ARN). */
function memberOf(finding: Finding): string | undefined {
  return /^arn:aws:guardduty:[a-z0-9-]+:(\d{12}):detector\//.exec(finding.Resources?.[0]?.Id ?? '')?.[1];
}

function keptOpen(): string[] | undefined {
  const text = table.claimOf(CASE_KEY)?.finding?.S;
  // Each entry is `<account>:<detector>`: the detector the finding was made with.
  return text === undefined
    ? undefined
    : (JSON.parse(text) as { open: string[] }).open.map((entry) => entry.split(':')[0] ?? entry);
}

const reEnable = (accountId: string) =>
  organization.members.set(accountId, { relationship: 'Enabled', features: memberFeatures('ENABLED') });

describe('Security Hub in organization scope: one finding per drifted member', () => {
  it('notify mode: 2 drifted members are 2 open findings (FAILED, the digest`s severity, the member`s detector); a later sweep reading them compliant resolves both', async () => {
    organization.addMembers(3, 'ENABLED');
    const drifted = organization.addMembers(2, 'DISABLED', 100);
    const handler = responder({ RESPONDER_MODE: 'notify' });

    await invoke(handler, sweep());

    const findings = imported();
    expect(findings).toHaveLength(2);
    expect(findings.map(memberOf)).toEqual(drifted);
    const severity = structuredAlertOf(publishedInputs(aws)[0] ?? {}).severity;
    for (const [index, finding] of findings.entries()) {
      const member = drifted[index] ?? '';
      expect(finding).toMatchObject({
        ProductArn: PRODUCT_ARN,
        AwsAccountId: ACCOUNT,
        Compliance: { Status: 'FAILED' },
        Workflow: { Status: 'NEW' },
        Severity: { Label: String(severity).toUpperCase() },
        Title: `EKS Runtime Monitoring is off in member account ${member}`,
        Resources: [
          {
            Type: 'AwsGuardDutyDetector',
            Id: `arn:aws:guardduty:${REGION}:${member}:detector/d${member}${'0'.repeat(19)}`,
          },
        ],
        Remediation: { Recommendation: { Text: expect.stringContaining('guardduty-drift check') } },
      });
      expect(finding.Id).toMatch(/^guardduty-drift-responder\/[0-9a-f]{40}$/);
    }
    expect(new Set(findings.map((finding) => finding.Id)).size).toBe(2);
    expect(hub.commandCalls(BatchUpdateFindingsCommand)).toHaveLength(0);
    expect(keptOpen()).toEqual(drifted);

    // Someone re-enables both; the next sweep reads them compliant: both findings resolved, the case forgets them.
    for (const member of drifted) reEnable(member);
    hub.resetHistory();
    await invoke(handler, sweep());

    const resolved = imported();
    expect(resolved.map((finding) => finding.Id)).toEqual(findings.map((finding) => finding.Id));
    expect(resolved.map((finding) => finding.Compliance?.Status)).toEqual(['PASSED', 'PASSED']);
    // Resolved on the resource it was opened with (the member's detector, kept in the case).
    expect(resolved.map((finding) => finding.Resources)).toEqual(
      findings.map((finding) => finding.Resources),
    );
    expect(resolvedIds()).toEqual(findings.map((finding) => finding.Id));
    expect(keptOpen()).toBeUndefined();
  });

  it('remediate mode: a confirmed restore of 2 members creates both findings resolved (PASSED, then Workflow RESOLVED)', async () => {
    const drifted = organization.addMembers(2, 'DISABLED');
    const handler = responder();

    await invoke(handler, sweep());

    expect(aws.guardDuty.commandCalls(UpdateMemberDetectorsCommand)).toHaveLength(1);
    const findings = imported();
    expect(findings.map(memberOf)).toEqual(drifted);
    expect(findings.map((finding) => finding.Compliance?.Status)).toEqual(['PASSED', 'PASSED']);
    expect(findings.map((finding) => finding.Workflow?.Status)).toEqual(['RESOLVED', 'RESOLVED']);
    expect(resolvedIds()).toEqual(findings.map((finding) => finding.Id));
    expect(keptOpen()).toBeUndefined();
    // A compliant sweep after it sends nothing more.
    hub.resetHistory();
    await invoke(handler, sweep());
    expect(hub.calls()).toHaveLength(0);
  });

  it('a member still drifted after a failed UpdateMemberDetectors stays FAILED; the retry that restores it resolves that same finding', async () => {
    const [restored, stuck] = organization.addMembers(2, 'DISABLED');
    organization.unprocessed.set(stuck ?? '', 'InternalError');
    const handler = responder();
    const event = sweep();

    await expect(invoke(handler, event)).rejects.toThrow(/organization remediation failed for 1 target/);

    const first = imported();
    expect(first.map((finding) => [memberOf(finding), finding.Compliance?.Status])).toEqual([
      [restored, 'PASSED'],
      [stuck, 'FAILED'],
    ]);
    expect(resolvedIds()).toEqual([first[0]?.Id]);
    expect(keptOpen()).toEqual([stuck]);

    // Lambda's retry of the same event: the stuck member is processed now.
    organization.unprocessed.clear();
    hub.resetHistory();
    await invoke(handler, event);

    const retry = imported();
    expect(retry.map((finding) => [finding.Id, finding.Compliance?.Status])).toEqual([
      [first[1]?.Id, 'PASSED'],
    ]);
    expect(resolvedIds()).toEqual([first[1]?.Id]);
    expect(keptOpen()).toBeUndefined();
  });

  it('a standing drift`s next digest and a sweep taking over a failed case update the same findings, never second ones', async () => {
    const drifted = organization.addMembers(2, 'DISABLED');
    for (const member of drifted) organization.unprocessed.set(member, 'InternalError');
    const handler = responder();

    await expect(invoke(handler, sweep())).rejects.toThrow(/failed for 2 target/);
    const first = imported();
    expect(first.map((finding) => finding.Compliance?.Status)).toEqual(['FAILED', 'FAILED']);

    // Another sweep (another owner) takes the case over and restores both.
    organization.unprocessed.clear();
    hub.resetHistory();
    await invoke(handler, sweep());

    const second = imported();
    expect(second.map((finding) => finding.Id)).toEqual(first.map((finding) => finding.Id));
    expect(second.map((finding) => finding.Compliance?.Status)).toEqual(['PASSED', 'PASSED']);
    expect(resolvedIds()).toEqual(first.map((finding) => finding.Id));
    expect(keptOpen()).toBeUndefined();
  });

  it('notify mode: the sweeps of a standing drift keep the same id; after a confirmed restore, a new drift gets a new one', async () => {
    const [member] = organization.addMembers(1, 'DISABLED');
    await invoke(responder({ RESPONDER_MODE: 'notify' }), sweep());
    await invoke(responder({ RESPONDER_MODE: 'notify' }), sweep());
    const standing = new Set(imported().map((finding) => finding.Id));
    expect(standing.size).toBe(1);

    // Remediate mode restores it (the same finding, resolved), then someone turns it off again: a new finding.
    const handler = responder();
    await invoke(handler, sweep());
    expect(resolvedIds()).toEqual([...standing]);
    organization.members.set(member ?? '', { relationship: 'Enabled', features: memberFeatures('DISABLED') });
    hub.resetHistory();
    await invoke(handler, sweep());

    const again = imported();
    expect(again).toHaveLength(1);
    expect(standing.has(again[0]?.Id ?? '')).toBe(false);
  });

  it('makes no finding for compliant members, and no Security Hub call at all without SECURITY_HUB', async () => {
    organization.addMembers(5, 'ENABLED');
    await invoke(responder(), sweep());
    expect(hub.calls()).toHaveLength(0);

    organization.addMembers(2, 'DISABLED', 100);
    await invoke(responder({ SECURITY_HUB: undefined, RESPONDER_MODE: 'notify' }), sweep());
    expect(publishedInputs(aws)).toHaveLength(1);
    expect(hub.calls()).toHaveLength(0);
    expect(table.claimOf(CASE_KEY)?.finding).toBeUndefined();
  });

  it(`keeps at most ${MAX_MEMBER_FINDINGS} members open in the case and imports them 100 per call; the rest are logged as capped`, async () => {
    organization.addMembers(MAX_MEMBER_FINDINGS + 50, 'DISABLED');
    const handler = responder({ RESPONDER_MODE: 'notify' });

    await invoke(handler, sweep());

    const calls = hub.commandCalls(BatchImportFindingsCommand);
    expect(calls.map((call) => call.args[0].input.Findings?.length)).toEqual(Array(10).fill(100));
    expect(new Set(imported().map((finding) => finding.Id)).size).toBe(MAX_MEMBER_FINDINGS);
    expect(keptOpen()).toHaveLength(MAX_MEMBER_FINDINGS);
    expect(table.claimOf(CASE_KEY)?.finding?.S?.length ?? 0).toBeLessThan(50 * 1024);
    expect(lines).toContainEqual(
      expect.objectContaining({ message: 'security-hub-findings-capped', capped: 50 }),
    );
    expect(publishedInputs(aws)).toHaveLength(1);
  });
});

describe('Security Hub faults in organization scope never cost the digest or the remediation', () => {
  it.each([
    [
      'BatchImportFindings throws',
      () => hub.on(BatchImportFindingsCommand).rejects(awsFault('sns', 'timeout')),
    ],
    [
      'BatchUpdateFindings throws',
      () => hub.on(BatchUpdateFindingsCommand).rejects(awsFault('cloudwatch', 'server error (500)')),
    ],
  ])('%s: restored, paged, logged and counted; the next sweep resolves the members', async (_name, fault) => {
    fault();
    const drifted = organization.addMembers(2, 'DISABLED');
    const handler = responder();

    const result = await invoke(handler, sweep());

    expect(result).toMatchObject({ organization: { outcome: 'remediate', remediatedAccounts: 2 } });
    expect(organization.driftedCount()).toBe(0);
    expect(publishedInputs(aws)).toHaveLength(1);
    expect(lines.filter((line) => line.message === 'security-hub-failed')).toHaveLength(1);
    expect(metricPoints(aws)).toContainEqual({ name: 'SecurityHubFindingFailed', value: 1 });
    expect(keptOpen()).toEqual(drifted);
    const ids = [...new Set(imported().map((finding) => finding.Id))];

    // Security Hub answers again: the next (compliant) sweep resolves the same two findings and forgets them.
    hub.reset();
    hubAnswers();
    await invoke(handler, sweep());

    expect(imported().map((finding) => finding.Id)).toEqual(ids);
    expect(resolvedIds()).toEqual(ids);
    expect(keptOpen()).toBeUndefined();
  });
});
