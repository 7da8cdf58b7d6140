/*
 * Organization scope under RUNTIME_TARGET=unified (issue 14): the members and the organization configuration get the
 * same two steps as a detector. RUNTIME_MONITORING first (UpdateMemberDetectors / UpdateOrganizationConfiguration),
 * a read-back (GetMemberDetectors / DescribeOrganizationConfiguration), and only for what reads back protecting, the
 * legacy feature off in a second request. FakeOrganization answers as AWS documents it: it merges features by name
 * and rejects both runtime features in one request.
 */
import {
  DescribeOrganizationConfigurationCommand,
  type MemberFeaturesConfigurationResult,
  UpdateMemberDetectorsCommand,
  type UpdateMemberDetectorsCommandInput,
  UpdateOrganizationConfigurationCommand,
  type UpdateOrganizationConfigurationCommandInput,
} from '@aws-sdk/client-guardduty';
import { PublishCommand } from '@aws-sdk/client-sns';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import {
  FakeStateTable,
  mockAws,
  publishedInputs,
  resetAws,
  structuredAlertOf,
} from '../support/aws-mocks.js';
import { COMPLIANT_CONFIGURATION, FakeOrganization } from '../support/fakes/organization.js';
import { sweepEvent } from '../support/fixtures.js';
import { coldStart, REGION } from '../support/mocked-responder.js';

const mocks = mockAws();
let organization: FakeOrganization;
let sweeps = 0;

beforeEach(() => {
  resetAws(mocks);
  mocks.sns.on(PublishCommand).resolves({ MessageId: 'message-1' });
  organization = new FakeOrganization(mocks);
  new FakeStateTable(mocks);
});
afterAll(() => {
  resetAws(mocks);
  delete process.env.RUNTIME_TARGET;
});

const sweep = () => sweepEvent(REGION, `org-generations-${++sweeps}`);
const responder = (target: 'any' | 'unified') =>
  coldStart({ RESPONDER_SCOPE: 'organization', RUNTIME_TARGET: target });
const memberUpdates = () =>
  mocks.guardDuty
    .commandCalls(UpdateMemberDetectorsCommand)
    .map((call) => call.args[0].input as UpdateMemberDetectorsCommandInput);
const configurationUpdates = () =>
  mocks.guardDuty
    .commandCalls(UpdateOrganizationConfigurationCommand)
    .map((call) => call.args[0].input as UpdateOrganizationConfigurationCommandInput);
const names = (input: { Features?: { Name?: string }[] }) => (input.Features ?? []).map((f) => f.Name);

const LEGACY: MemberFeaturesConfigurationResult = {
  Name: 'EKS_RUNTIME_MONITORING',
  Status: 'ENABLED',
  AdditionalConfiguration: [{ Name: 'EKS_ADDON_MANAGEMENT', Status: 'ENABLED' }],
} as MemberFeaturesConfigurationResult;
const UNIFIED: MemberFeaturesConfigurationResult = {
  Name: 'RUNTIME_MONITORING',
  Status: 'ENABLED',
  AdditionalConfiguration: [{ Name: 'EKS_ADDON_MANAGEMENT', Status: 'ENABLED' }],
} as MemberFeaturesConfigurationResult;

function addMember(id: string, features: MemberFeaturesConfigurationResult[]): string {
  organization.members.set(id, { relationship: 'Enabled', features: structuredClone(features) });
  return id;
}
const featureOf = (id: string, name: string) =>
  organization.members.get(id)?.features.find((feature) => feature.Name === name);

describe('organization scope, RUNTIME_TARGET=unified: members', () => {
  it('migrates legacy members in two UpdateMemberDetectors steps with a read-back between, never both features in one', async () => {
    // Prepare: two members on the legacy feature, one with both, one already migrated.
    const legacyA = addMember('300000000001', [LEGACY]);
    const legacyB = addMember('300000000002', [LEGACY]);
    const both = addMember('300000000003', [UNIFIED, LEGACY]);
    addMember('300000000004', [UNIFIED]);
    const handler = await responder('unified');

    // Act
    const result = await handler.invoke(sweep());

    // Assess: step 1 for the legacy members, then step 2 for them and the both-enabled one.
    const updates = memberUpdates();
    expect(updates.map((input) => [names(input), [...(input.AccountIds ?? [])].sort()])).toEqual([
      [['RUNTIME_MONITORING'], [legacyA, legacyB]],
      [['EKS_RUNTIME_MONITORING'], [legacyA, legacyB, both]],
    ]);
    expect(updates[1]?.Features).toEqual([
      {
        Name: 'EKS_RUNTIME_MONITORING',
        Status: 'DISABLED',
        AdditionalConfiguration: [{ Name: 'EKS_ADDON_MANAGEMENT', Status: 'ENABLED' }],
      },
    ]);
    // The read-back of step 1 came before step 2.
    const order = mocks.guardDuty
      .calls()
      .map((call) => (call.args[0] as object).constructor.name)
      .filter((name) => name === 'UpdateMemberDetectorsCommand' || name === 'GetMemberDetectorsCommand');
    expect(order.slice(-4)).toEqual([
      'UpdateMemberDetectorsCommand',
      'GetMemberDetectorsCommand',
      'UpdateMemberDetectorsCommand',
      'GetMemberDetectorsCommand',
    ]);
    for (const id of [legacyA, legacyB, both]) {
      expect(featureOf(id, 'RUNTIME_MONITORING')?.Status).toBe('ENABLED');
      expect(featureOf(id, 'EKS_RUNTIME_MONITORING')?.Status).toBe('DISABLED');
    }
    expect(result).toMatchObject({
      organization: { outcome: 'remediate', affectedAccounts: 3, remediatedAccounts: 3, failedAccounts: 0 },
    });
  });

  it('keeps the legacy feature of a member whose RUNTIME_MONITORING did not go through, and pages', async () => {
    // Prepare: GuardDuty reports one member unprocessed on step 1.
    const ok = addMember('300000000011', [LEGACY]);
    const stuck = addMember('300000000012', [LEGACY]);
    organization.unprocessed.set(stuck, 'The request is rejected because the account is suspended.');
    const handler = await responder('unified');

    // Act
    await expect(handler.invoke(sweep())).rejects.toThrow(/organization remediation failed for 1 target/);

    // Assess: step 2 only for the member whose step 1 read back; the other keeps its (legacy) protection.
    expect(memberUpdates().map((input) => [names(input), input.AccountIds])).toEqual([
      [['RUNTIME_MONITORING'], [ok, stuck]],
      [['EKS_RUNTIME_MONITORING'], [ok]],
    ]);
    expect(featureOf(stuck, 'EKS_RUNTIME_MONITORING')?.Status).toBe('ENABLED');
    expect(publishedInputs(mocks)).toHaveLength(1);
  });

  it('reports a member whose second step is refused as failed, protected by RUNTIME_MONITORING', async () => {
    const member = addMember('300000000021', [LEGACY]);
    const handler = await responder('unified');
    // Step 1 goes through; step 2 (the legacy disable) is refused for this account.
    const original = organization.updateMemberDetectors.bind(organization);
    organization.updateMemberDetectors = (input) => {
      if (names(input).includes('EKS_RUNTIME_MONITORING')) {
        return { UnprocessedAccounts: [{ AccountId: member, Result: 'InternalError' }] };
      }
      return original(input);
    };

    await expect(handler.invoke(sweep())).rejects.toThrow(/organization remediation failed for 1 target/);

    expect(featureOf(member, 'RUNTIME_MONITORING')?.Status).toBe('ENABLED');
    const digest = structuredAlertOf(publishedInputs(mocks)[0] ?? {});
    expect(JSON.stringify(digest)).toContain(
      'RUNTIME_MONITORING is protecting, but disabling EKS_RUNTIME_MONITORING failed (both bill): InternalError',
    );
  });

  it('under `any` leaves legacy members alone: they are protected', async () => {
    addMember('300000000031', [LEGACY]);
    const handler = await responder('any');

    const result = await handler.invoke(sweep());

    expect(result).toMatchObject({ organization: { outcome: 'compliant' } });
    expect(memberUpdates()).toEqual([]);
  });
});

describe('organization scope, RUNTIME_TARGET=unified: the organization configuration', () => {
  it('raises RUNTIME_MONITORING auto-enable, reads it back, then sets EKS_RUNTIME_MONITORING auto-enable to NONE', async () => {
    // Prepare: the legacy feature still auto-enables beside RUNTIME_MONITORING.
    organization.configuration = {
      ...structuredClone(COMPLIANT_CONFIGURATION),
      Features: [
        ...(COMPLIANT_CONFIGURATION.Features ?? []),
        {
          Name: 'EKS_RUNTIME_MONITORING',
          AutoEnable: 'ALL',
          AdditionalConfiguration: [{ Name: 'EKS_ADDON_MANAGEMENT', AutoEnable: 'ALL' }],
        },
      ],
    };
    const handler = await responder('unified');

    // Act
    await handler.invoke(sweep());

    // Assess
    const updates = configurationUpdates();
    expect(updates.map(names)).toEqual([['RUNTIME_MONITORING'], ['EKS_RUNTIME_MONITORING']]);
    expect(updates[0]?.Features?.[0]).toMatchObject({ AutoEnable: 'ALL' });
    expect(updates[1]).toMatchObject({
      AutoEnableOrganizationMembers: 'ALL',
      Features: [
        {
          Name: 'EKS_RUNTIME_MONITORING',
          AutoEnable: 'NONE',
          AdditionalConfiguration: [{ Name: 'EKS_ADDON_MANAGEMENT', AutoEnable: 'ALL' }],
        },
      ],
    });
    const describes = mocks.guardDuty.commandCalls(DescribeOrganizationConfigurationCommand).length;
    expect(describes).toBeGreaterThanOrEqual(3); // the read, and one read-back per step
  });

  it('does not touch the legacy auto-enable when RUNTIME_MONITORING does not read back at the target level', async () => {
    organization.configuration = {
      AutoEnableOrganizationMembers: 'ALL',
      Features: [
        {
          Name: 'EKS_RUNTIME_MONITORING',
          AutoEnable: 'ALL',
          AdditionalConfiguration: [{ Name: 'EKS_ADDON_MANAGEMENT', AutoEnable: 'ALL' }],
        },
      ],
    };
    // The configuration call is accepted but changes nothing (what a read-back must catch).
    organization.updateConfiguration = () => ({});
    const handler = await responder('unified');

    await expect(handler.invoke(sweep())).rejects.toThrow(/organization configuration: not restored/);

    expect(configurationUpdates().map(names)).toEqual([['RUNTIME_MONITORING']]);
    expect(JSON.stringify(structuredAlertOf(publishedInputs(mocks)[0] ?? {}))).toContain(
      'EKS_RUNTIME_MONITORING auto-enable left as it was: RUNTIME_MONITORING did not read back',
    );
  });
});
