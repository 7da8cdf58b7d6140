// The organization loss paths as events, through the real entry point against the mocked SDK (moto implements none
// of GuardDuty's member APIs: ListMembers, GetMembers, Start/StopMonitoringMembers, CreateMembers, Disassociate*, so
// the documented shapes are replayed by test/support/fakes/organization.ts).
import {
  CreateMembersCommand,
  type CreateMembersCommandInput,
  GetMembersCommand,
  ListDetectorsCommand,
  StartMonitoringMembersCommand,
  type StartMonitoringMembersCommandInput,
  UpdateMemberDetectorsCommand,
} from '@aws-sdk/client-guardduty';
import { PublishCommand } from '@aws-sdk/client-sns';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { EVIDENCE_RETENTION_DAYS } from '../../handlers/contract.js';
import {
  awsFault,
  FakeStateTable,
  metricPoints,
  mockAws,
  protocolMessages,
  publishedInputs,
  resetAws,
  structuredAlertOf,
} from '../support/aws-mocks.js';
import { FakeOrganization, memberFeatures } from '../support/fakes/organization.js';
import { type Json, retarget, syntheticFixture } from '../support/fixtures.js';
import { ACCOUNT, coldStart } from '../support/mocked-responder.js';

const mocks = mockAws();
let organization: FakeOrganization;
let table: FakeStateTable;
let eventCounter = 0;

const MEMBERS = ['111111111111', '222222222222'];
const ALICE = 'arn:aws:sts::123456789012:assumed-role/PlatformAdmin/alice@example.com';

beforeEach(() => {
  resetAws(mocks);
  mocks.sns.on(PublishCommand).resolves({ MessageId: 'message-1' });
  organization = new FakeOrganization(mocks);
  table = new FakeStateTable(mocks);
  organization.addMembers(3, 'ENABLED');
});
afterAll(() => {
  resetAws(mocks);
});

const organizationScope = (mode: 'remediate' | 'notify' = 'remediate') =>
  coldStart({ RESPONDER_SCOPE: 'organization', RESPONDER_MODE: mode });
const accountScope = () => coldStart({ RESPONDER_SCOPE: 'account' });
/** A fixture with an event id of its own, so claims of one test never answer another's. */
const event = (name: string, target: Parameters<typeof retarget>[1] = {}): Json =>
  retarget(syntheticFixture(`${name}.synthetic.json`), { eventId: `loss-${++eventCounter}`, ...target });
const calls = <T>(command: new (input: T) => unknown) =>
  mocks.guardDuty.commandCalls(command as never).map((call) => call.args[0].input as T);
const onlyAlert = () => {
  const published = publishedInputs(mocks);
  expect(published).toHaveLength(1);
  const [input] = published as [(typeof published)[number]];
  return { input, alert: structuredAlertOf(input), email: protocolMessages(input).email ?? '' };
};
const metric = (name: string) =>
  metricPoints(mocks)
    .filter((point) => point.name === name)
    .map((point) => point.value);
const lossRecords = () =>
  [...table.items.values()].filter((item) => item.pk?.S === `members#${ACCOUNT}#us-east-1`);
const member = (relationship: string, extra: { noEmail?: boolean } = {}) => ({
  relationship,
  features: memberFeatures('ENABLED'),
  ...extra,
});

describe('StopMonitoringMembers (organization scope)', () => {
  beforeEach(() => {
    for (const id of MEMBERS) organization.members.set(id, member('Disabled'));
  });

  it('starts monitoring again, reads it back and says it is confirmed (high)', async () => {
    const responder = await organizationScope();

    const result = await responder.invoke(event('StopMonitoringMembers.two-members'));

    expect(calls<StartMonitoringMembersCommandInput>(StartMonitoringMembersCommand)).toEqual([
      { DetectorId: organization.adminDetectorId, AccountIds: MEMBERS },
    ]);
    expect(calls(GetMembersCommand)).toHaveLength(2); // read first, then read back
    expect(MEMBERS.map((id) => organization.members.get(id)?.relationship)).toEqual(['Enabled', 'Enabled']);
    expect(result).toMatchObject({
      membership: {
        outcome: 'membership-restored',
        kind: 'monitoring-stopped',
        restoredAccounts: 2,
        confirmed: true,
      },
    });
    const { input, alert, email } = onlyAlert();
    expect(alert).toMatchObject({
      kind: 'monitoring-stopped',
      outcome: 'membership-restored',
      severity: 'high',
      actor: ALICE,
      confirmed: true,
      fix: null,
      accounts: [
        { accountId: '111111111111', result: 'restored' },
        { accountId: '222222222222', result: 'restored' },
      ],
    });
    expect(input.Subject).toMatch(/^\[HIGH\] 123456789012 us-east-1: 2 member accounts no longer monitored/);
    expect(email).toContain('GuardDuty stopped monitoring 2 member accounts');
    expect(email).toContain('StartMonitoringMembers, then GetMembers to read back: 2 restored and confirmed');
    expect(metric('DriftDetected')).toEqual([1]);
  });

  it('in notify mode writes nothing and says what remediate mode would do (critical)', async () => {
    const responder = await organizationScope('notify');

    const result = await responder.invoke(event('StopMonitoringMembers.two-members'));

    expect(calls(StartMonitoringMembersCommand)).toEqual([]);
    expect(result).toMatchObject({ membership: { outcome: 'would-restore' } });
    const { alert } = onlyAlert();
    expect(alert).toMatchObject({ outcome: 'would-restore', severity: 'critical', confirmed: null });
    expect(alert.action).toContain('Remediate mode would call StartMonitoringMembers');
    expect(alert.fix).toContain('aws guardduty start-monitoring-members --region us-east-1');
  });

  it('says "not confirmed" (critical) when the read-back does not show the members monitored', async () => {
    // GuardDuty accepts the call, but the members read back as they were.
    mocks.guardDuty.on(StartMonitoringMembersCommand).resolves({ UnprocessedAccounts: [] });
    const responder = await organizationScope();

    const result = await responder.invoke(event('StopMonitoringMembers.two-members'));

    expect(result).toMatchObject({ membership: { outcome: 'membership-lost', confirmed: false } });
    const { input, alert } = onlyAlert();
    expect(alert).toMatchObject({
      severity: 'critical',
      confirmed: false,
      accounts: [
        { accountId: '111111111111', result: 'not confirmed', detail: 'read back: relationship Disabled' },
        { accountId: '222222222222', result: 'not confirmed' },
      ],
    });
    expect(input.Subject).toContain('restore NOT confirmed');
    expect(alert.fix).toContain('--account-ids 111111111111 222222222222');
  });

  it('pages a failed restart once, fails the invocation for the retry, and the retry that works pages the result', async () => {
    organization.faults.startMonitoring = { error: awsFault('guardduty', 'throttling') };
    const responder = await organizationScope();
    const stopped = event('StopMonitoringMembers.two-members');

    await expect(responder.invoke(stopped)).rejects.toThrow(
      /restoring 2 member\(s\) after StopMonitoringMembers failed/,
    );
    expect(publishedInputs(mocks)).toHaveLength(1);
    expect(structuredAlertOf(publishedInputs(mocks)[0] ?? {})).toMatchObject({
      severity: 'critical',
      accounts: [{ result: 'failed' }, { result: 'failed' }],
    });

    // Lambda's retry, still failing: no second page.
    await expect(responder.invoke(stopped)).rejects.toThrow();
    expect(publishedInputs(mocks)).toHaveLength(1);

    // The next retry works: it pages what it restored.
    delete organization.faults.startMonitoring;
    await responder.invoke(stopped);
    expect(publishedInputs(mocks)).toHaveLength(2);
    expect(structuredAlertOf(publishedInputs(mocks)[1] ?? {})).toMatchObject({
      outcome: 'membership-restored',
    });
  });

  it('treats an account GuardDuty left unprocessed as a failure to retry', async () => {
    organization.unprocessed.set('222222222222', 'The account is suspended.');
    const responder = await organizationScope();

    await expect(responder.invoke(event('StopMonitoringMembers.two-members'))).rejects.toThrow(
      /222222222222: unprocessed: The account is suspended/,
    );
    expect(structuredAlertOf(publishedInputs(mocks)[0] ?? {})).toMatchObject({
      accounts: [
        { accountId: '111111111111', result: 'restored' },
        { accountId: '222222222222', result: 'failed', detail: 'unprocessed: The account is suspended.' },
      ],
    });
  });

  it('leaves a member GuardDuty no longer lists to an operator instead of failing on it again and again', async () => {
    organization.remove(['222222222222']);
    const responder = await organizationScope();

    const result = await responder.invoke(event('StopMonitoringMembers.two-members'));

    expect(calls<StartMonitoringMembersCommandInput>(StartMonitoringMembersCommand)).toEqual([
      { DetectorId: organization.adminDetectorId, AccountIds: ['111111111111'] },
    ]);
    expect(result).toMatchObject({ membership: { outcome: 'membership-lost' } });
    expect(onlyAlert().alert).toMatchObject({
      severity: 'critical',
      accounts: [
        { accountId: '111111111111', result: 'restored' },
        {
          accountId: '222222222222',
          result: 'manual',
          detail: expect.stringContaining('no longer lists it'),
        },
      ],
    });
  });

  it('pages a redelivered event once (one event, one case)', async () => {
    const responder = await organizationScope();
    const stopped = event('StopMonitoringMembers.two-members');

    await responder.invoke(stopped);
    const again = await responder.invoke(stopped);

    expect(again).toMatchObject({
      membership: { outcome: 'ignored', reason: expect.stringContaining('duplicate') },
    });
    expect(publishedInputs(mocks)).toHaveLength(1);
    expect(calls(StartMonitoringMembersCommand)).toHaveLength(1);
  });

  it('finds what a crashed attempt restored and does not write it again', async () => {
    // The crashed attempt's StartMonitoringMembers went through; its claim's lease has run out.
    for (const id of MEMBERS) organization.members.set(id, member('Enabled'));
    const responder = await organizationScope();

    const result = await responder.invoke(event('StopMonitoringMembers.two-members'));

    expect(calls(StartMonitoringMembersCommand)).toEqual([]);
    expect(result).toMatchObject({ membership: { outcome: 'membership-restored' } });
    expect(onlyAlert().alert).toMatchObject({ accounts: [{ detail: 'already monitored again' }, {}] });
  });
});

describe('DisassociateMembers (organization scope)', () => {
  beforeEach(() => {
    for (const id of MEMBERS) organization.members.set(id, member('Removed'));
  });

  it('associates the members again with CreateMembers and the e-mail GuardDuty kept, and reads them back', async () => {
    const responder = await organizationScope();

    const result = await responder.invoke(event('DisassociateMembers.two-members'));

    expect(calls<CreateMembersCommandInput>(CreateMembersCommand)).toEqual([
      {
        DetectorId: organization.adminDetectorId,
        AccountDetails: [
          { AccountId: '111111111111', Email: 'aws+111111111111@example.com' },
          { AccountId: '222222222222', Email: 'aws+222222222222@example.com' },
        ],
      },
    ]);
    expect(result).toMatchObject({ membership: { outcome: 'membership-restored', restoredAccounts: 2 } });
    expect(onlyAlert().alert).toMatchObject({ kind: 'disassociated', severity: 'high', confirmed: true });
    // Both are back: the loss explains no drop of the next sweep.
    expect(lossRecords().map((item) => item.accounts)).toEqual([undefined]);
  });

  it('leaves a member GuardDuty kept no e-mail for to an operator, with the exact fix, and records it as lost', async () => {
    organization.members.set('222222222222', member('Removed', { noEmail: true }));
    const responder = await organizationScope();

    const result = await responder.invoke(event('DisassociateMembers.two-members'));

    expect(
      calls<CreateMembersCommandInput>(CreateMembersCommand).map((input) => input.AccountDetails),
    ).toEqual([[{ AccountId: '111111111111', Email: 'aws+111111111111@example.com' }]]);
    expect(result).toMatchObject({ membership: { outcome: 'membership-lost' } });
    const { alert } = onlyAlert();
    expect(alert).toMatchObject({
      severity: 'critical',
      accounts: [
        { accountId: '111111111111', result: 'restored' },
        { accountId: '222222222222', result: 'manual', detail: expect.stringContaining('no e-mail') },
      ],
    });
    expect(alert.fix).toContain('aws guardduty create-members --region us-east-1 --detector-id');
    expect(alert.fix).toContain('AccountId=222222222222,Email=<its e-mail>');
    expect(alert.fix).not.toContain('111111111111');
    expect(lossRecords().map((item) => item.accounts?.SS)).toEqual([['222222222222']]);
  });

  it('reports a denied attempt as an attempt: no read, no write, high, counted as DisableDenied', async () => {
    const responder = await organizationScope();

    const result = await responder.invoke(event('DisassociateMembers.denied-auto-enable-all'));

    expect(mocks.guardDuty.commandCalls(ListDetectorsCommand)).toEqual([]);
    expect(calls(GetMembersCommand)).toEqual([]);
    expect(calls(CreateMembersCommand)).toEqual([]);
    expect(result).toMatchObject({ membership: { outcome: 'disable-denied' } });
    const { input, alert } = onlyAlert();
    expect(alert).toMatchObject({ outcome: 'disable-denied', severity: 'high', fix: null });
    expect(alert.meaning).toContain('the call was denied and nothing changed');
    expect(input.Subject).toContain('Denied attempt: DisassociateMembers');
    expect(metric('DisableDenied')).toEqual([1]);
    expect(lossRecords()).toEqual([]);
    // The claim is the evidence report's record of the attempt: kept as long as the restore history, not 2 days.
    const claims = [...table.items.values()].filter(
      (item) => item.pk?.S?.startsWith('claim#event#') && item.outcome?.S === 'disable-denied',
    );
    expect(claims).toHaveLength(1);
    const days = (Number(claims[0]?.expiresAt?.N) * 1000 - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(EVIDENCE_RETENTION_DAYS - 1);
  });

  it('never sends an id that is not 12 digits, and shows it as invalid', async () => {
    const hostile = event('DisassociateMembers.two-members');
    ((hostile.detail as Json).requestParameters as Json).accountIds = [
      '111111111111',
      '111111111111',
      '12345\u202e',
    ];
    const responder = await organizationScope();

    await responder.invoke(hostile);

    expect(
      calls<CreateMembersCommandInput>(CreateMembersCommand).map((input) => input.AccountDetails),
    ).toEqual([[{ AccountId: '111111111111', Email: 'aws+111111111111@example.com' }]]);
    const { alert, email } = onlyAlert();
    expect(alert.accounts).toEqual([
      { accountId: '111111111111', result: 'restored' },
      { accountId: null, invalidAccountId: expect.stringContaining('12345'), result: 'invalid id' },
    ]);
    expect(email).not.toContain('\u202e');
  });

  it('pages a failed GetMembers once and fails the invocation', async () => {
    organization.faults.members = { error: awsFault('guardduty', 'server error (500)') };
    const responder = await organizationScope();

    await expect(responder.invoke(event('DisassociateMembers.two-members'))).rejects.toThrow(
      /restoring 2 member/,
    );
    expect(calls(CreateMembersCommand)).toEqual([]);
    expect(onlyAlert().alert).toMatchObject({ severity: 'critical', accounts: [{ result: 'failed' }, {}] });
  });
});

describe('DeleteMembers (organization scope)', () => {
  it('reports with the exact fix and writes nothing: GuardDuty no longer has what CreateMembers needs', async () => {
    organization.remove(['111111111111']);
    const responder = await organizationScope();

    const result = await responder.invoke(event('DeleteMembers.one-member'));

    expect(calls(CreateMembersCommand)).toEqual([]);
    expect(calls(UpdateMemberDetectorsCommand)).toEqual([]);
    expect(result).toMatchObject({ membership: { outcome: 'membership-lost', kind: 'deleted' } });
    const { alert, email } = onlyAlert();
    expect(alert).toMatchObject({
      severity: 'critical',
      confirmed: null,
      accounts: [{ accountId: '111111111111', result: 'manual' }],
    });
    expect(email).toContain('standalone account now and can turn GuardDuty off itself');
    expect(email).toContain(
      'aws guardduty create-members --region us-east-1 --detector-id 0ab12cd34ef56ab78cd90ef12ab34cd5',
    );
    expect(lossRecords().map((item) => item.accounts?.SS)).toEqual([['111111111111']]);
  });
});

describe('the administrator and the member side', () => {
  it('account scope leaves DisassociateMembers alone and says where to deploy', async () => {
    const responder = await accountScope();

    const result = await responder.invoke(event('DisassociateMembers.two-members'));

    expect(result).toMatchObject({
      reports: [{ outcome: 'ignored', reason: expect.stringContaining('RESPONDER_SCOPE=organization') }],
    });
    expect(publishedInputs(mocks)).toEqual([]);
  });

  it('account scope reports this account leaving its administrator (critical), with the fix', async () => {
    const responder = await accountScope();

    const result = await responder.invoke(
      event('DisassociateFromAdministratorAccount.member-leaves', { account: ACCOUNT }),
    );

    expect(result).toMatchObject({ membership: { outcome: 'membership-lost', kind: 'left-administrator' } });
    const { input, alert } = onlyAlert();
    expect(input.Subject).toContain('This account left its GuardDuty administrator');
    expect(alert).toMatchObject({ severity: 'critical', detectorId: null, accounts: [] });
    expect(alert.fix).toContain('accept-administrator-invitation');
    expect(mocks.guardDuty.commandCalls(GetMembersCommand)).toEqual([]);
  });

  it('the older name DisassociateFromMasterAccount is the same loss', async () => {
    const leaves = event('DisassociateFromAdministratorAccount.member-leaves', { account: ACCOUNT });
    (leaves.detail as Json).eventName = 'DisassociateFromMasterAccount';
    const responder = await accountScope();

    expect(await responder.invoke(leaves)).toMatchObject({ membership: { kind: 'left-administrator' } });
    expect(publishedInputs(mocks)).toHaveLength(1);
  });

  it('the management account (account scope) reports the removal of the delegated administrator with its id', async () => {
    const responder = await accountScope();

    await responder.invoke(event('DisableOrganizationAdminAccount.management-account', { account: ACCOUNT }));

    const { alert } = onlyAlert();
    expect(alert).toMatchObject({ kind: 'administrator-removed', severity: 'critical' });
    expect(alert.fix).toContain(
      'enable-organization-admin-account --region us-east-1 --admin-account-id 123456789012',
    );
  });

  it('another account (a forwarded or copied event) is ignored before anything is read', async () => {
    const responder = await accountScope();

    const result = await responder.invoke(event('DisableOrganizationAdminAccount.management-account'));

    expect(result).toMatchObject({
      reports: [{ outcome: 'ignored', reason: expect.stringContaining('999999999999') }],
    });
    expect(publishedInputs(mocks)).toEqual([]);
  });
});
