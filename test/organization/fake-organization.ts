import {
  DescribeOrganizationConfigurationCommand,
  type DescribeOrganizationConfigurationCommandInput,
  type DescribeOrganizationConfigurationResponse,
  GetDetectorCommand,
  GetMemberDetectorsCommand,
  type GetMemberDetectorsCommandInput,
  ListDetectorsCommand,
  ListMembersCommand,
  type ListMembersCommandInput,
  type MemberFeaturesConfigurationResult,
  UpdateMemberDetectorsCommand,
  type UpdateMemberDetectorsCommandInput,
  UpdateOrganizationConfigurationCommand,
  type UpdateOrganizationConfigurationCommandInput,
} from '@aws-sdk/client-guardduty';
import { type AwsMocks, PROTECTED } from '../support/aws-mocks.js';

export const ADMIN_DETECTOR = '0ab12cd34ef56ab78cd90ef12ab34cd5';

export function memberFeatures(status: 'ENABLED' | 'DISABLED', agent: 'ENABLED' | 'DISABLED' = status) {
  return [
    { Name: 'CLOUD_TRAIL', Status: 'ENABLED' },
    {
      Name: 'RUNTIME_MONITORING',
      Status: status,
      AdditionalConfiguration: [
        { Name: 'EKS_ADDON_MANAGEMENT', Status: agent },
        { Name: 'ECS_FARGATE_AGENT_MANAGEMENT', Status: 'DISABLED' },
      ],
    },
  ] as MemberFeaturesConfigurationResult[];
}

export const COMPLIANT_CONFIGURATION: Omit<
  DescribeOrganizationConfigurationResponse,
  'MemberAccountLimitReached'
> = {
  AutoEnableOrganizationMembers: 'ALL',
  Features: [
    {
      Name: 'RUNTIME_MONITORING',
      AutoEnable: 'ALL',
      AdditionalConfiguration: [
        { Name: 'EKS_ADDON_MANAGEMENT', AutoEnable: 'ALL' },
        { Name: 'ECS_FARGATE_AGENT_MANAGEMENT', AutoEnable: 'NONE' },
      ],
    },
  ],
};

interface FakeMember {
  relationship: string;
  features: MemberFeaturesConfigurationResult[];
}

/**
 * The delegated administrator's view of an organization, replayed through aws-sdk-client-mock with the documented
 * shapes (moto has none of these APIs): paginated ListMembers, GetMemberDetectors and UpdateMemberDetectors of at
 * most 50 accounts with UnprocessedAccounts, and the organization configuration. Writes change what later reads see.
 */
export class FakeOrganization {
  readonly members = new Map<string, FakeMember>();
  configuration: Omit<DescribeOrganizationConfigurationResponse, 'MemberAccountLimitReached'> =
    structuredClone(COMPLIANT_CONFIGURATION);
  /** Accounts UpdateMemberDetectors reports as unprocessed (the call itself succeeds). */
  readonly unprocessed = new Map<string, string>();
  /** Faults by call; `onlyFor` limits one to the calls that name that account. */
  readonly faults: Partial<
    Record<'list' | 'get' | 'update' | 'describe' | 'configure', { error: Error; onlyFor?: string }>
  > = {};

  constructor(mocks: AwsMocks) {
    mocks.guardDuty.on(ListDetectorsCommand).resolves({ DetectorIds: [ADMIN_DETECTOR] });
    // The administrator's own detector, which the sweep evaluates as in account scope.
    mocks.guardDuty.on(GetDetectorCommand, { DetectorId: ADMIN_DETECTOR }).resolves(PROTECTED);
    mocks.guardDuty
      .on(ListMembersCommand)
      .callsFake((input: ListMembersCommandInput) => this.listMembers(input));
    mocks.guardDuty
      .on(GetMemberDetectorsCommand)
      .callsFake((input: GetMemberDetectorsCommandInput) => this.getMembers(input));
    mocks.guardDuty
      .on(UpdateMemberDetectorsCommand)
      .callsFake((input: UpdateMemberDetectorsCommandInput) => this.updateMembers(input));
    mocks.guardDuty
      .on(DescribeOrganizationConfigurationCommand)
      .callsFake((input: DescribeOrganizationConfigurationCommandInput) => this.describe(input));
    mocks.guardDuty
      .on(UpdateOrganizationConfigurationCommand)
      .callsFake((input: UpdateOrganizationConfigurationCommandInput) => this.configure(input));
  }

  addMembers(count: number, status: 'ENABLED' | 'DISABLED', start = 0, relationship = 'Enabled'): string[] {
    const ids = Array.from({ length: count }, (_, index) => String(300000000000 + start + index));
    for (const id of ids) this.members.set(id, { relationship, features: memberFeatures(status) });
    return ids;
  }

  statusOf(accountId: string): string | undefined {
    return this.members.get(accountId)?.features.find((feature) => feature.Name === 'RUNTIME_MONITORING')
      ?.Status;
  }

  private fault(call: keyof FakeOrganization['faults'], accountIds: readonly string[] = []): void {
    const fault = this.faults[call];
    if (fault && (fault.onlyFor === undefined || accountIds.includes(fault.onlyFor))) throw fault.error;
  }

  private listMembers(input: ListMembersCommandInput) {
    this.fault('list');
    if (input.DetectorId !== ADMIN_DETECTOR) throw new Error(`ListMembers with detector ${input.DetectorId}`);
    const all = [...this.members.entries()];
    const start = Number(input.NextToken ?? '0');
    const size = Math.min(input.MaxResults ?? 50, 50);
    const page = all.slice(start, start + size);
    return {
      Members: page.map(([AccountId, member]) => ({
        AccountId,
        DetectorId: `member-${AccountId}`,
        MasterId: '123456789012',
        Email: `${AccountId}@example.com`,
        RelationshipStatus: member.relationship,
        UpdatedAt: '2026-11-01T00:00:00Z',
      })),
      NextToken: start + size < all.length ? String(start + size) : undefined,
    };
  }

  private getMembers(input: GetMemberDetectorsCommandInput) {
    const ids = input.AccountIds ?? [];
    if (ids.length > 50)
      throw new Error(`GetMemberDetectors with ${ids.length} accounts (the API takes at most 50)`);
    this.fault('get', ids);
    return {
      MemberDataSourceConfigurations: ids
        .filter((id) => this.members.has(id))
        .map((AccountId) => ({
          AccountId,
          DataSources: undefined,
          Features: this.members.get(AccountId)?.features,
        })),
      UnprocessedAccounts: ids
        .filter((id) => !this.members.has(id))
        .map((AccountId) => ({
          AccountId,
          Result: 'The request is rejected because the account is not a member.',
        })),
    };
  }

  private updateMembers(input: UpdateMemberDetectorsCommandInput) {
    const ids = input.AccountIds ?? [];
    if (ids.length > 50)
      throw new Error(`UpdateMemberDetectors with ${ids.length} accounts (the API takes at most 50)`);
    const names = (input.Features ?? []).map((feature) => feature.Name);
    if (names.includes('RUNTIME_MONITORING') && names.includes('EKS_RUNTIME_MONITORING')) {
      throw Object.assign(
        new Error('Specifying both EKS_RUNTIME_MONITORING and RUNTIME_MONITORING is not allowed'),
        {
          name: 'BadRequestException',
        },
      );
    }
    this.fault('update', ids);
    const unprocessed = ids.filter((id) => this.unprocessed.has(id));
    for (const id of ids) {
      const member = this.members.get(id);
      if (!member || this.unprocessed.has(id)) continue;
      for (const requested of input.Features ?? []) {
        // AWS merges by feature name: features left out of the request stay as they are.
        member.features = [
          ...member.features.filter((feature) => feature.Name !== requested.Name),
          {
            Name: requested.Name,
            Status: requested.Status,
            AdditionalConfiguration: requested.AdditionalConfiguration,
          },
        ];
      }
    }
    return {
      UnprocessedAccounts: unprocessed.map((AccountId) => ({
        AccountId,
        Result: this.unprocessed.get(AccountId),
      })),
    };
  }

  private describe(input: DescribeOrganizationConfigurationCommandInput) {
    this.fault('describe');
    if (input.DetectorId !== ADMIN_DETECTOR)
      throw new Error(`DescribeOrganizationConfiguration with ${input.DetectorId}`);
    return { ...structuredClone(this.configuration), MemberAccountLimitReached: false };
  }

  private configure(input: UpdateOrganizationConfigurationCommandInput) {
    this.fault('configure');
    const hasMembers = input.AutoEnableOrganizationMembers !== undefined;
    if (hasMembers === (input.AutoEnable !== undefined)) {
      throw Object.assign(new Error('Provide exactly one of autoEnableOrganizationMembers or autoEnable'), {
        name: 'BadRequestException',
      });
    }
    for (const requested of input.Features ?? []) {
      this.configuration.Features = [
        ...(this.configuration.Features ?? []).filter((feature) => feature.Name !== requested.Name),
        requested,
      ];
    }
    return {};
  }
}
