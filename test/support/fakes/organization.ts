/**
 * The one FakeOrganization: a GuardDuty organization as its delegated administrator sees it (moto has none of these
 * APIs), in the documented shapes: paginated ListMembers, GetMemberDetectors and UpdateMemberDetectors of at most
 * 50 accounts with UnprocessedAccounts, and the organization configuration. Writes change what later reads see.
 *
 * The mocked-SDK tests bind it behind aws-sdk-client-mock (`new FakeOrganization(mocks)`, which also answers
 * ListDetectors and the administrator's own GetDetector); the loopback stub server serves it to the real SDK
 * (`new FakeOrganization()` plus the server's GuardDuty routes). `scale` builds the bench's organizations: N members,
 * every n-th drifted, with the feature list AWS really returns, and members that share one feature list until a
 * write changes them, so 50,000 members stay small.
 *
 * The loss paths (issue 12) add the membership calls: GetMembers (disassociated members included, with the e-mail
 * GuardDuty kept), StartMonitoringMembers, CreateMembers, GetOrganizationStatistics, and `disassociate`,
 * `stopMonitoring` and `remove` to act out DisassociateMembers, StopMonitoringMembers and DeleteMembers. Over 300
 * lines on purpose: one fake for one organization, so every read sees what every write did.
 */
import {
  CreateMembersCommand,
  type CreateMembersCommandInput,
  DescribeOrganizationConfigurationCommand,
  type DescribeOrganizationConfigurationCommandInput,
  type DescribeOrganizationConfigurationResponse,
  GetDetectorCommand,
  GetMemberDetectorsCommand,
  type GetMemberDetectorsCommandInput,
  type GetMemberDetectorsCommandOutput,
  GetMembersCommand,
  type GetMembersCommandInput,
  type GetMembersCommandOutput,
  GetOrganizationStatisticsCommand,
  type GetOrganizationStatisticsCommandOutput,
  ListDetectorsCommand,
  ListMembersCommand,
  type ListMembersCommandInput,
  type ListMembersCommandOutput,
  type MemberFeaturesConfigurationResult,
  StartMonitoringMembersCommand,
  type StartMonitoringMembersCommandInput,
  UpdateMemberDetectorsCommand,
  type UpdateMemberDetectorsCommandInput,
  type UpdateMemberDetectorsCommandOutput,
  UpdateOrganizationConfigurationCommand,
  type UpdateOrganizationConfigurationCommandInput,
} from '@aws-sdk/client-guardduty';
import type { AwsMocks } from '../aws-mocks.js';
import { PROTECTED } from './guardduty.js';

export const ADMIN_DETECTOR = '0ab12cd34ef56ab78cd90ef12ab34cd5';
const ADMIN_ACCOUNT = '123456789012';
/** ListMembers, GetMemberDetectors and UpdateMemberDetectors take at most 50 (documented maxima). */
const API_PAGE_MAX = 50;
const UPDATED_AT = new Date('2026-11-01T00:00:00Z');

type Status = 'ENABLED' | 'DISABLED';
type Output<T> = Omit<T, '$metadata'>;
export type OrganizationConfigurationResponse = Omit<
  DescribeOrganizationConfigurationResponse,
  'MemberAccountLimitReached'
>;

/**
 * A member's features as GetMemberDetectors lists them. `minimal`: CloudTrail and runtime monitoring with two
 * agents (what the tests read); `as-aws`: every feature a member has today, with the timestamps and the deprecated
 * data sources AWS still returns (what the bench parses).
 */
export function memberFeatures(
  status: Status,
  agent: Status = status,
  detail: 'minimal' | 'as-aws' = 'minimal',
): MemberFeaturesConfigurationResult[] {
  if (detail === 'minimal') {
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
  const feature = (Name: string, Status: Status) =>
    ({ Name, Status, UpdatedAt: UPDATED_AT }) as MemberFeaturesConfigurationResult;
  return [
    feature('S3_DATA_EVENTS', 'ENABLED'),
    feature('EKS_AUDIT_LOGS', 'ENABLED'),
    feature('EBS_MALWARE_PROTECTION', 'ENABLED'),
    feature('RDS_LOGIN_EVENTS', 'ENABLED'),
    feature('LAMBDA_NETWORK_LOGS', 'ENABLED'),
    {
      ...feature('RUNTIME_MONITORING', status),
      AdditionalConfiguration: [
        { Name: 'EKS_ADDON_MANAGEMENT', Status: agent, UpdatedAt: UPDATED_AT },
        { Name: 'ECS_FARGATE_AGENT_MANAGEMENT', Status: 'DISABLED', UpdatedAt: UPDATED_AT },
        { Name: 'EC2_AGENT_MANAGEMENT', Status: 'DISABLED', UpdatedAt: UPDATED_AT },
      ],
    },
  ];
}

/** The deprecated data sources GetMemberDetectors still returns beside the features (the `as-aws` detail). */
const DATA_SOURCES = {
  CloudTrail: { Status: 'ENABLED' },
  DNSLogs: { Status: 'ENABLED' },
  FlowLogs: { Status: 'ENABLED' },
  S3Logs: { Status: 'ENABLED' },
  Kubernetes: { AuditLogs: { Status: 'ENABLED' } },
} as const;

export const COMPLIANT_CONFIGURATION: OrganizationConfigurationResponse = {
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

export interface FakeMember {
  relationship: string;
  features: MemberFeaturesConfigurationResult[];
  /** GuardDuty kept no e-mail for it (GetMembers returns none): CreateMembers cannot associate it again. */
  noEmail?: boolean;
}

/** The relationship this fake gives a disassociated member (listed by GetMembers, left out of OnlyAssociated). */
export const DISASSOCIATED = 'Removed';

/** The bench's organizations. */
export interface OrganizationScale {
  readonly members: number;
  /** Every n-th member (0, n, 2n, …) has runtime monitoring and its agent management DISABLED; 0 for none. */
  readonly driftedEvery?: number;
  readonly detail?: 'minimal' | 'as-aws';
}

export interface FakeOrganizationOptions {
  readonly scale?: OrganizationScale;
  /**
   * With aws-sdk-client-mock: drop sinon's record of each call once answered (it would otherwise hold every answer
   * of a 10,000-member sweep). The tests that read `commandCalls` keep it.
   */
  readonly forgetStubHistory?: boolean;
}

type FaultCall =
  | 'list'
  | 'get'
  | 'update'
  | 'describe'
  | 'configure'
  | 'members'
  | 'startMonitoring'
  | 'createMembers'
  | 'statistics';

const badRequest = (message: string) => Object.assign(new Error(message), { name: 'BadRequestException' });

export class FakeOrganization {
  readonly adminDetectorId = ADMIN_DETECTOR;
  readonly members = new Map<string, FakeMember>();
  configuration: OrganizationConfigurationResponse = structuredClone(COMPLIANT_CONFIGURATION);
  /** Accounts UpdateMemberDetectors reports as unprocessed (the call itself succeeds). */
  readonly unprocessed = new Map<string, string>();
  /** Faults by call; `onlyFor` limits one to the calls that name that account. */
  readonly faults: Partial<Record<FaultCall, { error: Error; onlyFor?: string }>> = {};
  private readonly detail: 'minimal' | 'as-aws';
  private listed: { readonly size: number; readonly ids: readonly string[] } | undefined;

  constructor(mocks?: Pick<AwsMocks, 'guardDuty'>, options: FakeOrganizationOptions = {}) {
    this.detail = options.scale?.detail ?? 'minimal';
    if (options.scale) {
      const { members, driftedEvery = 0 } = options.scale;
      const compliant = memberFeatures('ENABLED', 'ENABLED', this.detail);
      const drifted = memberFeatures('DISABLED', 'DISABLED', this.detail);
      for (let index = 0; index < members; index += 1) {
        const isDrifted = driftedEvery > 0 && index % driftedEvery === 0;
        // Shared lists: a write replaces a member's list, never edits it.
        this.members.set(String(300000000000 + index), {
          relationship: 'Enabled',
          features: isDrifted ? drifted : compliant,
        });
      }
    }
    if (mocks) this.attach(mocks, options.forgetStubHistory ?? false);
  }

  addMembers(count: number, status: Status, start = 0, relationship = 'Enabled'): string[] {
    const ids = Array.from({ length: count }, (_, index) => String(300000000000 + start + index));
    for (const id of ids) this.members.set(id, { relationship, features: memberFeatures(status) });
    return ids;
  }

  statusOf(accountId: string): string | undefined {
    return this.members.get(accountId)?.features.find((feature) => feature.Name === 'RUNTIME_MONITORING')
      ?.Status;
  }

  /** Members whose runtime monitoring is not ENABLED with EKS agent management ENABLED. */
  driftedCount(): number {
    let count = 0;
    for (const member of this.members.values()) {
      const runtime = member.features.find((feature) => feature.Name === 'RUNTIME_MONITORING');
      const agent = runtime?.AdditionalConfiguration?.find(
        (config) => config.Name === 'EKS_ADDON_MANAGEMENT',
      );
      if (runtime?.Status !== 'ENABLED' || agent?.Status !== 'ENABLED') count += 1;
    }
    return count;
  }

  listMembers(input: ListMembersCommandInput): Output<ListMembersCommandOutput> {
    this.fault('list');
    this.checkDetector(input.DetectorId);
    // OnlyAssociated leaves out the members that were disassociated (the API's "associated" members).
    const all =
      input.OnlyAssociated === 'true'
        ? this.accountIds().filter((id) => this.members.get(id)?.relationship !== DISASSOCIATED)
        : this.accountIds();
    const start = Number(input.NextToken ?? '0');
    const size = Math.min(input.MaxResults ?? API_PAGE_MAX, API_PAGE_MAX);
    return {
      Members: all.slice(start, start + size).map((AccountId) => ({
        AccountId,
        DetectorId: `d${AccountId}${'0'.repeat(19)}`,
        MasterId: ADMIN_ACCOUNT,
        AdministratorId: ADMIN_ACCOUNT,
        Email: `aws+${AccountId}@example.com`,
        RelationshipStatus: this.members.get(AccountId)?.relationship,
        InvitedAt: '2026-01-01T00:00:00.000Z',
        UpdatedAt: '2026-11-01T00:00:00.000Z',
      })),
      NextToken: start + size < all.length ? String(start + size) : undefined,
    };
  }

  getMemberDetectors(input: GetMemberDetectorsCommandInput): Output<GetMemberDetectorsCommandOutput> {
    this.checkDetector(input.DetectorId);
    const ids = input.AccountIds ?? [];
    if (ids.length > API_PAGE_MAX)
      throw badRequest(`GetMemberDetectors with ${ids.length} accounts (the API takes at most 50)`);
    this.fault('get', ids);
    return {
      MemberDataSourceConfigurations: ids.flatMap((AccountId) => {
        const member = this.members.get(AccountId);
        if (member === undefined) return [];
        return [
          {
            AccountId,
            DataSources: this.detail === 'as-aws' ? structuredClone(DATA_SOURCES) : undefined,
            Features: member.features,
          },
        ];
      }),
      UnprocessedAccounts: ids
        .filter((id) => !this.members.has(id))
        .map((AccountId) => ({
          AccountId,
          Result: 'The request is rejected because the account is not a member.',
        })),
    };
  }

  updateMemberDetectors(
    input: UpdateMemberDetectorsCommandInput,
  ): Output<UpdateMemberDetectorsCommandOutput> {
    this.checkDetector(input.DetectorId);
    const ids = input.AccountIds ?? [];
    if (ids.length > API_PAGE_MAX)
      throw badRequest(`UpdateMemberDetectors with ${ids.length} accounts (the API takes at most 50)`);
    const names = (input.Features ?? []).map((feature) => feature.Name);
    if (names.includes('RUNTIME_MONITORING') && names.includes('EKS_RUNTIME_MONITORING')) {
      throw badRequest('Specifying both EKS_RUNTIME_MONITORING and RUNTIME_MONITORING is not allowed');
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

  describeConfiguration(
    input: DescribeOrganizationConfigurationCommandInput,
  ): Output<DescribeOrganizationConfigurationResponse> {
    this.fault('describe');
    this.checkDetector(input.DetectorId);
    return { ...structuredClone(this.configuration), MemberAccountLimitReached: false };
  }

  updateConfiguration(input: UpdateOrganizationConfigurationCommandInput): Record<string, never> {
    this.fault('configure');
    this.checkDetector(input.DetectorId);
    const hasMembers = input.AutoEnableOrganizationMembers !== undefined;
    if (hasMembers === (input.AutoEnable !== undefined)) {
      throw badRequest('Provide exactly one of autoEnableOrganizationMembers or autoEnable');
    }
    // The members setting is applied as sent (the deprecated boolean when that is the one sent).
    if (hasMembers) this.configuration.AutoEnableOrganizationMembers = input.AutoEnableOrganizationMembers;
    else this.configuration.AutoEnable = input.AutoEnable;
    for (const requested of input.Features ?? []) {
      this.configuration.Features = [
        ...(this.configuration.Features ?? []).filter((feature) => feature.Name !== requested.Name),
        requested,
      ];
    }
    return {};
  }

  /** DisassociateMembers as GuardDuty does it: the members stay known (with their e-mail), out of the association. */
  disassociate(accountIds: readonly string[]): void {
    for (const id of accountIds) {
      const member = this.members.get(id);
      if (member) member.relationship = DISASSOCIATED;
    }
  }

  /** StopMonitoringMembers: still associated, not monitored. */
  stopMonitoring(accountIds: readonly string[]): void {
    for (const id of accountIds) {
      const member = this.members.get(id);
      if (member) member.relationship = 'Disabled';
    }
  }

  /** DeleteMembers: GuardDuty forgets them (and their e-mail). */
  remove(accountIds: readonly string[]): void {
    for (const id of accountIds) this.members.delete(id);
  }

  getMembers(input: GetMembersCommandInput): Output<GetMembersCommandOutput> {
    this.checkDetector(input.DetectorId);
    const ids = input.AccountIds ?? [];
    if (ids.length > API_PAGE_MAX)
      throw badRequest(`GetMembers with ${ids.length} accounts (the API takes at most 50)`);
    this.fault('members', ids);
    return {
      Members: ids.flatMap((AccountId) => {
        const member = this.members.get(AccountId);
        if (member === undefined) return [];
        return [
          {
            AccountId,
            DetectorId: `d${AccountId}${'0'.repeat(19)}`,
            MasterId: ADMIN_ACCOUNT,
            AdministratorId: ADMIN_ACCOUNT,
            Email: member.noEmail ? undefined : `aws+${AccountId}@example.com`,
            RelationshipStatus: member.relationship,
            UpdatedAt: '2026-11-20T00:00:00.000Z',
          },
        ];
      }),
      UnprocessedAccounts: ids
        .filter((id) => !this.members.has(id))
        .map((AccountId) => ({
          AccountId,
          Result: 'The request is rejected because the account is not a member.',
        })),
    };
  }

  startMonitoringMembers(
    input: StartMonitoringMembersCommandInput,
  ): Output<UpdateMemberDetectorsCommandOutput> {
    this.checkDetector(input.DetectorId);
    const ids = input.AccountIds ?? [];
    if (ids.length > API_PAGE_MAX)
      throw badRequest(`StartMonitoringMembers with ${ids.length} accounts (the API takes at most 50)`);
    this.fault('startMonitoring', ids);
    const unprocessed = ids.filter((id) => !this.members.has(id) || this.unprocessed.has(id));
    for (const id of ids) {
      const member = this.members.get(id);
      if (member && !this.unprocessed.has(id) && member.relationship === 'Disabled')
        member.relationship = 'Enabled';
    }
    return {
      UnprocessedAccounts: unprocessed.map((AccountId) => ({
        AccountId,
        Result:
          this.unprocessed.get(AccountId) ?? 'The request is rejected because the account is not a member.',
      })),
    };
  }

  createMembers(input: CreateMembersCommandInput): Output<UpdateMemberDetectorsCommandOutput> {
    this.checkDetector(input.DetectorId);
    const details = input.AccountDetails ?? [];
    if (details.length > API_PAGE_MAX)
      throw badRequest(`CreateMembers with ${details.length} accounts (the API takes at most 50)`);
    const ids = details.map((detail) => detail.AccountId ?? '');
    this.fault('createMembers', ids);
    for (const detail of details) {
      // The model requires both (AccountDetail: AccountId and Email).
      if (!detail.AccountId || !detail.Email) throw badRequest('AccountDetail requires AccountId and Email');
    }
    const unprocessed = ids.filter((id) => this.unprocessed.has(id));
    for (const id of ids) {
      if (this.unprocessed.has(id)) continue;
      const member = this.members.get(id);
      // As the delegated administrator: the account is associated and the auto-enable settings apply.
      if (member) member.relationship = 'Enabled';
      else this.members.set(id, { relationship: 'Enabled', features: memberFeatures('ENABLED') });
    }
    return {
      UnprocessedAccounts: unprocessed.map((AccountId) => ({
        AccountId,
        Result: this.unprocessed.get(AccountId),
      })),
    };
  }

  /** GetOrganizationStatistics, counted from the members as they are now (AWS lags up to 24 hours). */
  statistics(): Output<GetOrganizationStatisticsCommandOutput> {
    this.fault('statistics');
    const members = [...this.members.values()].filter((member) => member.relationship !== DISASSOCIATED);
    const enabled = (name: string, config?: string) =>
      members.filter((member) => {
        const feature = member.features.find((candidate) => candidate.Name === name);
        if (feature?.Status !== 'ENABLED') return false;
        return (
          config === undefined ||
          feature.AdditionalConfiguration?.some((c) => c.Name === config && c.Status === 'ENABLED')
        );
      }).length;
    return {
      OrganizationDetails: {
        UpdatedAt: UPDATED_AT,
        OrganizationStatistics: {
          TotalAccountsCount: members.length + 1,
          MemberAccountsCount: members.length,
          ActiveAccountsCount: members.length,
          EnabledAccountsCount: members.filter((member) => member.relationship === 'Enabled').length,
          CountByFeature: [
            {
              Name: 'RUNTIME_MONITORING',
              EnabledAccountsCount: enabled('RUNTIME_MONITORING'),
              AdditionalConfiguration: [
                {
                  Name: 'EKS_ADDON_MANAGEMENT',
                  EnabledAccountsCount: enabled('RUNTIME_MONITORING', 'EKS_ADDON_MANAGEMENT'),
                },
              ],
            },
          ],
        },
      },
    };
  }

  /** Answers the administrator's calls behind aws-sdk-client-mock, as the tests use it. */
  private attach(mocks: Pick<AwsMocks, 'guardDuty'>, forgetStubHistory: boolean): void {
    const answer =
      <I, O>(handler: (input: I) => O) =>
      (input: I): O => {
        if (forgetStubHistory) mocks.guardDuty.resetHistory();
        return handler(input);
      };
    mocks.guardDuty.on(ListDetectorsCommand).resolves({ DetectorIds: [ADMIN_DETECTOR] });
    // The administrator's own detector, which the sweep evaluates as in account scope.
    mocks.guardDuty.on(GetDetectorCommand, { DetectorId: ADMIN_DETECTOR }).resolves(PROTECTED);
    mocks.guardDuty.on(ListMembersCommand).callsFake(answer((input) => this.listMembers(input)));
    mocks.guardDuty
      .on(GetMemberDetectorsCommand)
      .callsFake(answer((input) => this.getMemberDetectors(input)));
    mocks.guardDuty
      .on(UpdateMemberDetectorsCommand)
      .callsFake(answer((input) => this.updateMemberDetectors(input)));
    mocks.guardDuty
      .on(DescribeOrganizationConfigurationCommand)
      .callsFake(answer((input) => this.describeConfiguration(input)));
    mocks.guardDuty
      .on(UpdateOrganizationConfigurationCommand)
      .callsFake(answer((input) => this.updateConfiguration(input)));
    mocks.guardDuty.on(GetMembersCommand).callsFake(answer((input) => this.getMembers(input)));
    mocks.guardDuty
      .on(StartMonitoringMembersCommand)
      .callsFake(answer((input) => this.startMonitoringMembers(input)));
    mocks.guardDuty.on(CreateMembersCommand).callsFake(answer((input) => this.createMembers(input)));
    mocks.guardDuty.on(GetOrganizationStatisticsCommand).callsFake(answer(() => this.statistics()));
  }

  /** The member ids in order, listed once per membership change rather than once per page (50,000 members). */
  private accountIds(): readonly string[] {
    if (this.listed?.size !== this.members.size) {
      this.listed = { size: this.members.size, ids: [...this.members.keys()] };
    }
    return this.listed.ids;
  }

  private fault(call: FaultCall, accountIds: readonly string[] = []): void {
    const fault = this.faults[call];
    if (fault && (fault.onlyFor === undefined || accountIds.includes(fault.onlyFor))) throw fault.error;
  }

  private checkDetector(detectorId: string | undefined): void {
    if (detectorId !== this.adminDetectorId) {
      throw badRequest(
        'The request is rejected because the input detectorId is not owned by the current account.',
      );
    }
  }
}
