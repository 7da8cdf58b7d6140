import {
  DescribeOrganizationConfigurationCommand,
  GetMemberDetectorsCommand,
  type GetMemberDetectorsCommandInput,
  GuardDutyClient,
  ListMembersCommand,
  type ListMembersCommandInput,
  UpdateMemberDetectorsCommand,
  type UpdateMemberDetectorsCommandInput,
  UpdateOrganizationConfigurationCommand,
} from '@aws-sdk/client-guardduty';
import { PublishCommand } from '@aws-sdk/client-sns';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createClients } from '../../handlers/clients.js';
import {
  awsFault,
  FakeStateTable,
  metricPoints,
  mockAws,
  publishedInputs,
  resetAws,
  structuredAlertOf,
} from '../support/aws-mocks.js';
import { ADMIN_DETECTOR, FakeOrganization, memberFeatures } from '../support/fakes/organization.js';
import { retarget, sweepEvent, syntheticFixture } from '../support/fixtures.js';
import { ACCOUNT, coldStart, REGION } from '../support/mocked-responder.js';

const mocks = mockAws();
let organization: FakeOrganization;
let table: FakeStateTable;
let sweepCounter = 0;

beforeEach(() => {
  resetAws(mocks);
  mocks.sns.on(PublishCommand).resolves({ MessageId: 'message-1' });
  organization = new FakeOrganization(mocks);
  table = new FakeStateTable(mocks);
});
afterAll(() => {
  resetAws(mocks);
});

const organizationScope = (mode: 'remediate' | 'notify' = 'remediate') =>
  coldStart({ RESPONDER_SCOPE: 'organization', RESPONDER_MODE: mode });
const sweep = () => sweepEvent(REGION, `org-sweep-${++sweepCounter}`);
const calls = <T>(command: new (input: T) => unknown) =>
  mocks.guardDuty.commandCalls(command as never).map((call) => call.args[0].input as T);
const metric = (name: string) =>
  metricPoints(mocks)
    .filter((point) => point.name === name)
    .map((point) => point.value);

describe('organization scope: the sweep', () => {
  it('reads each page of members as it is listed, without waiting for the last page', async () => {
    // Prepare: the second ListMembers page is answered only once the first page's members are being read.
    organization.addMembers(120, 'ENABLED');
    let readStarted: () => void = () => undefined;
    const firstRead = new Promise<void>((resolve) => {
      readStarted = resolve;
    });
    const listed = (input: ListMembersCommandInput) => organization.listMembers(input);
    const read = (input: GetMemberDetectorsCommandInput) => organization.getMemberDetectors(input);
    mocks.guardDuty.on(ListMembersCommand).callsFake(async (input: ListMembersCommandInput) => {
      if (input.NextToken !== undefined) await firstRead;
      return listed(input);
    });
    mocks.guardDuty.on(GetMemberDetectorsCommand).callsFake(async (input: GetMemberDetectorsCommandInput) => {
      readStarted();
      return read(input);
    });
    const responder = await organizationScope();

    // Act
    const result = await responder.invoke(sweep());

    // Assess: the sweep could only finish because the first page was read while the rest was being listed.
    expect(result).toMatchObject({ organization: { outcome: 'compliant', evaluatedAccounts: 120 } });
    expect(calls(GetMemberDetectorsCommand).map((input) => input.AccountIds?.length)).toEqual([50, 50, 20]);
  });

  it('reads 120 members in pages and batches of at most 50 and writes nothing when all are protected', async () => {
    // Prepare
    organization.addMembers(120, 'ENABLED');
    const responder = await organizationScope();

    // Act
    const result = await responder.invoke(sweep());

    // Assess
    expect(result).toMatchObject({
      organization: { outcome: 'compliant', evaluatedAccounts: 120, affectedAccounts: 0 },
    });
    expect(
      calls(ListMembersCommand).map((input) => [input.OnlyAssociated, input.MaxResults, input.NextToken]),
    ).toEqual([
      ['true', 50, undefined],
      ['true', 50, '50'],
      ['true', 50, '100'],
    ]);
    expect(calls(GetMemberDetectorsCommand).map((input) => input.AccountIds?.length)).toEqual([50, 50, 20]);
    expect(calls(UpdateMemberDetectorsCommand)).toEqual([]);
    expect(publishedInputs(mocks)).toEqual([]);
    expect(metric('OrganizationAccountsEvaluated')).toEqual([120]);
    expect(metric('OrganizationAccountsNonCompliant')).toEqual([0]);
    expect(metric('OrganizationAutoEnableCompliant')).toEqual([1]);
    expect(metric('EksRuntimeMonitoringCompliant')).toContain(1);
  });

  it('re-enables 101 drifted members in batches of exactly 50, 50 and 1, one feature per call, and sends one digest', async () => {
    organization.addMembers(29, 'ENABLED');
    const drifted = organization.addMembers(101, 'DISABLED', 1000);
    const responder = await organizationScope();

    const result = await responder.invoke(sweep());

    expect(result).toMatchObject({
      organization: {
        outcome: 'remediate',
        evaluatedAccounts: 130,
        affectedAccounts: 101,
        remediatedAccounts: 101,
        failedAccounts: 0,
      },
    });
    const updates = calls(UpdateMemberDetectorsCommand);
    expect(updates.map((input) => input.AccountIds?.length)).toEqual([50, 50, 1]);
    for (const input of updates) {
      expect(input.DetectorId).toBe(ADMIN_DETECTOR);
      expect(input.Features).toEqual([
        {
          Name: 'RUNTIME_MONITORING',
          Status: 'ENABLED',
          AdditionalConfiguration: [
            { Name: 'EKS_ADDON_MANAGEMENT', Status: 'ENABLED' },
            { Name: 'ECS_FARGATE_AGENT_MANAGEMENT', Status: 'DISABLED' },
          ],
        },
      ]);
    }
    expect(drifted.every((id) => organization.statusOf(id) === 'ENABLED')).toBe(true);
    // Read back: only the remediated accounts, again in batches of at most 50.
    expect(calls(GetMemberDetectorsCommand).map((input) => input.AccountIds?.length)).toEqual([
      50, 50, 30, 50, 50, 1,
    ]);
    const published = publishedInputs(mocks);
    expect(published).toHaveLength(1);
    expect(published[0]?.MessageAttributes?.severity?.StringValue).toBe('critical');
    expect(structuredAlertOf(published[0] ?? {})).toMatchObject({
      scope: 'organization',
      outcome: 'remediate',
      actor: 'scheduled sweep',
      before: { evaluatedAccounts: 130, accountsWithoutProtection: 101 },
      after: { remediatedAccounts: 101, failedAccounts: 0 },
    });
    expect(metric('OrganizationAccountsRemediated')).toEqual([101]);
    expect(metric('EksRuntimeMonitoringCompliant')).toContain(1);
  });

  it('treats unprocessedAccounts as failures although the call succeeded, pages once, and retries only what is left', async () => {
    const drifted = organization.addMembers(5, 'DISABLED');
    organization.unprocessed.set(
      drifted[1] ?? '',
      'The request is rejected because the account is suspended.',
    );
    organization.unprocessed.set(drifted[3] ?? '', 'InternalError');
    const responder = await organizationScope();
    const event = sweep();

    // First delivery: three re-enabled, two unprocessed → the invocation fails so Lambda retries it.
    await expect(responder.invoke(event)).rejects.toThrow(/organization remediation failed for 2 target/);
    const first = publishedInputs(mocks);
    expect(first).toHaveLength(1);
    expect(structuredAlertOf(first[0] ?? {})).toMatchObject({
      severity: 'critical',
      after: { remediatedAccounts: 3, failedAccounts: 2 },
      accounts: expect.arrayContaining([
        expect.objectContaining({
          accountId: drifted[1],
          result: 'failed',
          detail: expect.stringContaining('suspended'),
        }),
      ]),
    });
    expect(metric('OrganizationAccountsRemediationFailed')).toEqual([2]);

    // The retry (same event): the two left are processed now; only they are sent, and the success is paged.
    organization.unprocessed.clear();
    mocks.guardDuty.resetHistory();
    mocks.sns.resetHistory();
    await expect(responder.invoke(event)).resolves.toMatchObject({
      organization: { outcome: 'remediate', remediatedAccounts: 2 },
    });
    expect(calls(UpdateMemberDetectorsCommand).map((input) => input.AccountIds)).toEqual([
      [drifted[1], drifted[3]],
    ]);
    expect(publishedInputs(mocks)).toHaveLength(1);
  });

  it('delivers the kept digest when the retry finds every member protected (the Publish had failed)', async () => {
    organization.addMembers(3, 'DISABLED');
    mocks.sns
      .on(PublishCommand)
      .rejectsOnce(awsFault('sns', 'server error (500)'))
      .resolves({ MessageId: 'message-2' });
    const responder = await organizationScope();
    const event = sweep();
    await expect(responder.invoke(event)).rejects.toThrow(/could not be published/);

    const retry = await responder.invoke(event);

    expect(retry).toMatchObject({
      organization: { outcome: 'remediate', reason: 'delivered what a previous attempt owed' },
    });
    const published = publishedInputs(mocks);
    expect(published).toHaveLength(2);
    expect(published[1]?.Message).toBe(published[0]?.Message);
    expect(calls(UpdateMemberDetectorsCommand)).toHaveLength(1);
  });

  it('says protection is back when a retry finds compliant what a failed run could not re-enable', async () => {
    const [stuck] = organization.addMembers(1, 'DISABLED');
    organization.unprocessed.set(stuck ?? '', 'InternalError');
    const responder = await organizationScope();
    const event = sweep();
    await expect(responder.invoke(event)).rejects.toThrow(/failed for 1 target/);
    // Someone (or GuardDuty, late) re-enables the member before Lambda retries.
    organization.members.set(stuck ?? '', { relationship: 'Enabled', features: memberFeatures('ENABLED') });

    await responder.invoke(event);
    await responder.invoke(event);

    const published = publishedInputs(mocks);
    expect(published.map((input) => input.MessageAttributes?.severity?.StringValue)).toEqual([
      'critical',
      'high',
    ]);
    expect(published[1]?.Subject).toContain('protected again across the organization');
  });

  it('keeps going when one batch is throttled: the other batches are re-enabled, the throttled ones fail the invocation', async () => {
    const drifted = organization.addMembers(60, 'DISABLED');
    organization.faults.update = { error: awsFault('guardduty', 'throttling'), onlyFor: drifted[55] ?? '' };
    const responder = await organizationScope();

    await expect(responder.invoke(sweep())).rejects.toThrow(/failed for 10 target/);

    expect(drifted.slice(0, 50).every((id) => organization.statusOf(id) === 'ENABLED')).toBe(true);
    expect(drifted.slice(50).every((id) => organization.statusOf(id) === 'DISABLED')).toBe(true);
    expect(structuredAlertOf(publishedInputs(mocks)[0] ?? {})).toMatchObject({
      after: { remediatedAccounts: 50, failedAccounts: 10 },
    });
  });

  it('fails without writing when a member read is throttled (nothing is decided from half a picture)', async () => {
    organization.addMembers(80, 'DISABLED');
    organization.faults.get = { error: awsFault('guardduty', 'throttling') };
    const responder = await organizationScope();

    await expect(responder.invoke(sweep())).rejects.toThrow(/GetMemberDetectors failed/);

    expect(calls(UpdateMemberDetectorsCommand)).toEqual([]);
    expect(publishedInputs(mocks)).toEqual([]);
  });

  it('lists members whose GuardDuty is not enabled as not remediable', async () => {
    organization.addMembers(2, 'ENABLED');
    organization.addMembers(1, 'ENABLED', 50, 'Disabled');
    const responder = await organizationScope('notify');

    await responder.invoke(sweep());

    expect(calls(GetMemberDetectorsCommand).map((input) => input.AccountIds?.length)).toEqual([2]);
    expect(structuredAlertOf(publishedInputs(mocks)[0] ?? {})).toMatchObject({
      outcome: 'would-remediate',
      accounts: [
        {
          accountId: '300000000050',
          problems: ['GuardDuty relationship is Disabled'],
          result: 'not remediable',
        },
      ],
    });
  });

  it('in notify mode pages once for a standing drift across sweeps and writes nothing', async () => {
    organization.addMembers(3, 'DISABLED');
    const responder = await organizationScope('notify');

    const first = await responder.invoke(sweep());
    const second = await responder.invoke(sweep());

    expect(first).toMatchObject({ organization: { outcome: 'would-remediate', affectedAccounts: 3 } });
    expect(second).toMatchObject({
      organization: { outcome: 'ignored', reason: expect.stringMatching(/^duplicate/) },
    });
    expect(calls(UpdateMemberDetectorsCommand)).toEqual([]);
    expect(publishedInputs(mocks)).toHaveLength(1);
  });

  it('keeps restoring an account someone keeps turning off, beside the others, and pages critical naming it', async () => {
    const [fighting, other] = organization.addMembers(2, 'DISABLED');
    const now = Date.now();
    table.seedRemediations(
      `organization#${ACCOUNT}#${REGION}`,
      [1, 2, 3].map((minutes) => new Date(now - minutes * 60_000)),
      [fighting ?? ''],
    );
    const responder = await organizationScope();

    const result = await responder.invoke(sweep());

    expect(result).toMatchObject({ organization: { outcome: 'remediate', remediatedAccounts: 2 } });
    expect(calls(UpdateMemberDetectorsCommand).map((input) => input.AccountIds)).toEqual([[fighting, other]]);
    const alert = publishedInputs(mocks)[0];
    expect(alert?.MessageAttributes?.severity?.StringValue).toBe('critical');
    expect(structuredAlertOf(alert ?? {})).toMatchObject({
      accounts: expect.arrayContaining([
        expect.objectContaining({ accountId: fighting, result: 'restored again' }),
      ]),
    });
  });

  it('restores every target in a fight, pages critical once an hour and folds the rest', async () => {
    const drifted = organization.addMembers(2, 'DISABLED');
    const now = Date.now();
    table.seedRemediations(
      `organization#${ACCOUNT}#${REGION}`,
      [1, 2, 3].map((minutes) => new Date(now - minutes * 60_000)),
      drifted,
    );
    const responder = await organizationScope();

    const first = await responder.invoke(sweep());
    organization.addMembers(2, 'DISABLED'); // turned off again
    const second = await responder.invoke(sweep());

    expect(first).toMatchObject({ organization: { outcome: 'circuit-open', remediatedAccounts: 2 } });
    expect(second).toMatchObject({
      organization: {
        outcome: 'circuit-open',
        remediatedAccounts: 2,
        reason: expect.stringMatching(/folded/),
      },
    });
    expect(calls(UpdateMemberDetectorsCommand).map((input) => input.AccountIds)).toEqual([drifted, drifted]);
    expect(publishedInputs(mocks)).toHaveLength(1);
    expect(publishedInputs(mocks)[0]?.MessageAttributes?.severity?.StringValue).toBe('critical');
  });

  it('records which accounts a run re-enabled, so the next runs count them', async () => {
    const drifted = organization.addMembers(3, 'DISABLED');
    const responder = await organizationScope();

    await responder.invoke(sweep());

    const history = [...table.items.values()].filter((item) => item.sk?.S?.startsWith('remediation#'));
    expect(history).toHaveLength(1);
    expect(history[0]?.accounts?.SS).toEqual(drifted);
  });

  it('reports members that cannot be re-enabled once a day, without counting a remediation', async () => {
    organization.addMembers(2, 'ENABLED');
    organization.addMembers(1, 'ENABLED', 50, 'Disabled');
    const responder = await organizationScope();

    const first = await responder.invoke(sweep());
    const second = await responder.invoke(sweep());

    expect(first).toMatchObject({
      organization: { outcome: 'remediate', evaluatedAccounts: 3, affectedAccounts: 1 },
    });
    expect(second).toMatchObject({
      organization: { outcome: 'ignored', reason: expect.stringMatching(/^duplicate/) },
    });
    expect(publishedInputs(mocks)).toHaveLength(1);
    const email = (JSON.parse(publishedInputs(mocks)[0]?.Message ?? '{}') as { email?: string }).email;
    expect(email).toContain('1 member account; cannot be re-enabled automatically');
    expect([...table.items.values()].filter((item) => item.sk?.S?.startsWith('remediation#'))).toEqual([]);
  });

  it('says clearly when organization scope runs in an account that is not the delegated administrator', async () => {
    organization.faults.describe = {
      error: Object.assign(
        new Error('The request is rejected because the current account is not the delegated administrator.'),
        {
          name: 'BadRequestException',
        },
      ),
    };
    const responder = await organizationScope();

    await expect(responder.invoke(sweep())).rejects.toThrow(/not the GuardDuty delegated administrator/);
    expect(calls(UpdateMemberDetectorsCommand)).toEqual([]);
  });
});

describe('organization scope: the organization configuration', () => {
  const loweredEvent = () =>
    retarget(syntheticFixture('UpdateOrganizationConfiguration.auto-enable-none.synthetic.json'), {
      eventId: `org-config-${++sweepCounter}`,
    });

  it('restores auto-enable lowered to NONE: one generation, the members setting sent back, then read back', async () => {
    organization.configuration = {
      AutoEnableOrganizationMembers: 'ALL',
      Features: [
        {
          Name: 'RUNTIME_MONITORING',
          AutoEnable: 'NONE',
          AdditionalConfiguration: [
            { Name: 'EKS_ADDON_MANAGEMENT', AutoEnable: 'NONE' },
            { Name: 'ECS_FARGATE_AGENT_MANAGEMENT', AutoEnable: 'NEW' },
          ],
        },
        { Name: 'EKS_RUNTIME_MONITORING', AutoEnable: 'NONE', AdditionalConfiguration: [] },
      ],
    };
    const responder = await organizationScope();

    const result = await responder.invoke(loweredEvent());

    expect(result).toMatchObject({ organization: { outcome: 'remediate', failedAccounts: 0 } });
    expect(calls(UpdateOrganizationConfigurationCommand)).toEqual([
      {
        DetectorId: ADMIN_DETECTOR,
        AutoEnableOrganizationMembers: 'ALL',
        Features: [
          {
            Name: 'RUNTIME_MONITORING',
            AutoEnable: 'ALL',
            AdditionalConfiguration: [
              { Name: 'EKS_ADDON_MANAGEMENT', AutoEnable: 'ALL' },
              { Name: 'ECS_FARGATE_AGENT_MANAGEMENT', AutoEnable: 'NEW' },
            ],
          },
        ],
      },
    ]);
    expect(calls(DescribeOrganizationConfigurationCommand)).toHaveLength(2);
    // An organization-configuration event does not scan the members.
    expect(calls(ListMembersCommand)).toEqual([]);
    const alert = structuredAlertOf(publishedInputs(mocks)[0] ?? {});
    expect(alert).toMatchObject({
      scope: 'organization',
      actor: 'arn:aws:sts::123456789012:assumed-role/PlatformAdmin/alice@example.com',
      changes: [
        'RUNTIME_MONITORING auto-enable → NONE',
        'RUNTIME_MONITORING.EKS_ADDON_MANAGEMENT auto-enable → NONE',
      ],
      after: { organizationResult: 'remediated' },
    });
    expect(metric('OrganizationAutoEnableCompliant')).toEqual([0]);
  });

  it('restores the members setting lowered to NONE, features untouched: new accounts become members again', async () => {
    // Prepare: the features auto-enable at ALL, but accounts joining the organization no longer become members.
    organization.configuration = {
      AutoEnableOrganizationMembers: 'NONE',
      Features: [
        {
          Name: 'RUNTIME_MONITORING',
          AutoEnable: 'ALL',
          AdditionalConfiguration: [{ Name: 'EKS_ADDON_MANAGEMENT', AutoEnable: 'ALL' }],
        },
      ],
    };
    const responder = await organizationScope();

    // Act: the sweep (the event of the change may never arrive).
    const result = await responder.invoke(sweepEvent(REGION, `sweep-members-none-${++sweepCounter}`));

    // Assess: raised to the target and read back; the page says what was wrong.
    expect(result).toMatchObject({ organization: { outcome: 'remediate', failedAccounts: 0 } });
    expect(calls(UpdateOrganizationConfigurationCommand)).toEqual([
      expect.objectContaining({ DetectorId: ADMIN_DETECTOR, AutoEnableOrganizationMembers: 'ALL' }),
    ]);
    expect(organization.configuration.AutoEnableOrganizationMembers).toBe('ALL');
    const alert = structuredAlertOf(publishedInputs(mocks)[0] ?? {});
    expect(JSON.stringify(alert)).toMatch(/autoEnableOrganizationMembers is NONE; target ALL/);
    expect(alert).toMatchObject({ after: { organizationResult: 'remediated' } });
  });

  it('leaves a configuration that meets the target alone (a change that raised auto-enable)', async () => {
    const responder = await organizationScope();

    const result = await responder.invoke(loweredEvent());

    expect(result).toMatchObject({ organization: { outcome: 'compliant' } });
    expect(calls(UpdateOrganizationConfigurationCommand)).toEqual([]);
    expect(publishedInputs(mocks)).toEqual([]);
  });

  it('accepts NEW when the target is NEW, and restores NEW (not ALL) when it falls below', async () => {
    organization.configuration = {
      AutoEnableOrganizationMembers: 'NEW',
      Features: [
        {
          Name: 'RUNTIME_MONITORING',
          AutoEnable: 'NONE',
          AdditionalConfiguration: [{ Name: 'EKS_ADDON_MANAGEMENT', AutoEnable: 'NONE' }],
        },
      ],
    };
    const responder = await coldStart({
      RESPONDER_SCOPE: 'organization',
      ORGANIZATION_AUTO_ENABLE_TARGET: 'NEW',
    });

    await responder.invoke(loweredEvent());

    expect(calls(UpdateOrganizationConfigurationCommand)[0]).toMatchObject({
      AutoEnableOrganizationMembers: 'NEW',
      Features: [
        {
          Name: 'RUNTIME_MONITORING',
          AutoEnable: 'NEW',
          AdditionalConfiguration: [{ Name: 'EKS_ADDON_MANAGEMENT', AutoEnable: 'NEW' }],
        },
      ],
    });
  });
});

describe('organization scope: member events', () => {
  const memberEvent = (accountIds: string[], extra: Record<string, unknown> = {}) => {
    const event = retarget(
      syntheticFixture('UpdateMemberDetectors.disable-runtime-monitoring.synthetic.json'),
      {
        eventId: `members-${++sweepCounter}`,
      },
    );
    const detail = event.detail as Record<string, unknown>;
    (detail.requestParameters as Record<string, unknown>).accountIds = accountIds;
    Object.assign(detail, extra);
    return event;
  };

  it('restores members of a second event at once while another event still holds the organization case', async () => {
    // Prepare: X is turned off, then Y a second later; X's restore is still writing when Y's event arrives.
    const [x] = organization.addMembers(1, 'DISABLED', 600);
    const [y] = organization.addMembers(1, 'DISABLED', 601);
    let release: () => void = () => undefined;
    const writing = new Promise<void>((resolve) => {
      release = resolve;
    });
    const write = (input: UpdateMemberDetectorsCommandInput) => organization.updateMemberDetectors(input);
    mocks.guardDuty
      .on(UpdateMemberDetectorsCommand)
      .callsFake(async (input: UpdateMemberDetectorsCommandInput) => {
        if (input.AccountIds?.includes(x ?? '')) await writing;
        return write(input);
      });
    const responder = await organizationScope();

    // Act
    const first = responder.invoke(memberEvent([x ?? '']));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = await responder.invoke(memberEvent([y ?? '']));
    release();
    await first;

    // Assess: neither is left off until the next sweep.
    expect(second).toMatchObject({ organization: { outcome: 'remediate', remediatedAccounts: 1 } });
    expect(organization.statusOf(x ?? '')).toBe('ENABLED');
    expect(organization.statusOf(y ?? '')).toBe('ENABLED');
    expect(publishedInputs(mocks)).toHaveLength(2);
  });

  it('reads and re-enables only the accounts the request named', async () => {
    organization.addMembers(10, 'ENABLED');
    const named = organization.addMembers(2, 'DISABLED', 500);
    const responder = await organizationScope();

    const result = await responder.invoke(memberEvent(named));

    expect(result).toMatchObject({
      organization: { outcome: 'remediate', evaluatedAccounts: 2, remediatedAccounts: 2 },
    });
    expect(calls(ListMembersCommand)).toEqual([]);
    expect(calls(GetMemberDetectorsCommand)[0]?.AccountIds).toEqual(named);
    expect(calls(UpdateMemberDetectorsCommand).map((input) => input.AccountIds)).toEqual([named]);
  });

  it('reports a denied UpdateMemberDetectors without reading or writing anything', async () => {
    const responder = await organizationScope();

    const result = await responder.invoke(
      memberEvent(['111111111111', '222222222222'], {
        errorCode: 'AccessDenied',
        errorMessage: 'explicit deny in an SCP',
      }),
    );

    expect(result).toMatchObject({ organization: { outcome: 'disable-denied', affectedAccounts: 2 } });
    expect(mocks.guardDuty.calls()).toHaveLength(0);
    expect(structuredAlertOf(publishedInputs(mocks)[0] ?? {})).toMatchObject({
      outcome: 'disable-denied',
      severity: 'high',
    });
    expect(metric('DisableDenied')).toEqual([1]);
  });

  it("ignores the responder's own UpdateMemberDetectors without any AWS call", async () => {
    const own = syntheticFixture('UpdateDetector.responder-own-enable.synthetic.json');
    const detail = own.detail as Record<string, unknown>;
    detail.eventName = 'UpdateMemberDetectors';
    (detail.requestParameters as Record<string, unknown>).accountIds = ['111111111111'];
    const responder = await organizationScope();

    const result = await responder.invoke(own);

    expect(result).toMatchObject({
      reports: [{ outcome: 'ignored', reason: "the responder's own re-enable" }],
    });
    expect(mocks.guardDuty.calls()).toHaveLength(0);
    expect(mocks.dynamoDb.calls()).toHaveLength(0);
  });

  it('in account scope ignores organization events and says how to enable them', async () => {
    const responder = await coldStart();

    const result = await responder.invoke(memberEvent(['111111111111']));

    expect(result).toMatchObject({
      reports: [{ outcome: 'ignored', reason: expect.stringContaining('RESPONDER_SCOPE=organization') }],
    });
    expect(mocks.guardDuty.calls()).toHaveLength(0);
  });
});

describe('GuardDuty client', () => {
  it('retries throttling adaptively (client-side rate limiting), with five attempts', async () => {
    const { guardDuty } = createClients();

    expect(guardDuty).toBeInstanceOf(GuardDutyClient);
    expect(await guardDuty.config.retryStrategy()).toMatchObject({ mode: 'adaptive' });
    expect(await guardDuty.config.maxAttempts()).toBe(5);
  });
});
