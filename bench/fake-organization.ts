import {
  DescribeOrganizationConfigurationCommand,
  type DescribeOrganizationConfigurationCommandInput,
  type DescribeOrganizationConfigurationCommandOutput,
  type FeatureStatus,
  GetMemberDetectorsCommand,
  type GetMemberDetectorsCommandInput,
  type GetMemberDetectorsCommandOutput,
  type GuardDutyClient,
  ListMembersCommand,
  type ListMembersCommandInput,
  type ListMembersCommandOutput,
  type MemberFeaturesConfigurationResult,
  type OrgFeatureStatus,
  UpdateMemberDetectorsCommand,
  type UpdateMemberDetectorsCommandInput,
  type UpdateMemberDetectorsCommandOutput,
  UpdateOrganizationConfigurationCommand,
  type UpdateOrganizationConfigurationCommandInput,
} from '@aws-sdk/client-guardduty';
import type { FakeAws } from './fake-aws.js';
import { ACCOUNT_ID } from './support.js';

/** ListMembers, GetMemberDetectors and UpdateMemberDetectors take at most 50 (documented maxima). */
const API_PAGE_MAX = 50;
const RUNTIME = 'RUNTIME_MONITORING';
const ADDON = 'EKS_ADDON_MANAGEMENT';
const UPDATED_AT = Date.parse('2026-11-01T00:00:00Z');

type Output<T> = Omit<T, '$metadata'>;

export interface OrganizationShape {
  readonly members: number;
  /** Every n-th member (0, n, 2n, …) has runtime monitoring and its agent management DISABLED; 0 for none. */
  readonly driftedEvery: number;
  /** The organization's auto-enable of RUNTIME_MONITORING and its EKS_ADDON_MANAGEMENT. */
  readonly autoEnable: 'ALL' | 'NEW' | 'NONE';
}

interface RuntimeState {
  readonly status: string;
  readonly addon: string;
}

const badRequest = (message: string) => Object.assign(new Error(message), { name: 'BadRequestException' });
const within = (label: string, count: number) => {
  if (count > API_PAGE_MAX) throw badRequest(`${label} must be at most ${API_PAGE_MAX} (got ${count})`);
};

/**
 * A GuardDuty organization as its delegated administrator sees it, added to a FakeAws: the administrator's detector
 * (ListDetectors), N associated members, and the organization configuration. Answers are built afresh for every call
 * in the SDK's shapes (PascalCase, timestamps as Date), as the SDK would deserialise them; the fake itself keeps
 * only the account ids and the members whose runtime settings differ from the default (ENABLED, agent ENABLED).
 */
export class FakeOrganization {
  readonly adminDetectorId: string;
  readonly accountIds: readonly string[];
  private readonly known: ReadonlySet<string>;
  private readonly runtime = new Map<string, RuntimeState>();
  private autoEnable: { runtime: string; addon: string };

  constructor(
    fake: FakeAws,
    region: string,
    shape: OrganizationShape,
    /** Drop sinon's record of each call once answered (it would otherwise hold all 10,000 members' answers). */
    forgetStubHistory = true,
  ) {
    this.adminDetectorId = fake.addDetector(region);
    this.accountIds = Array.from(
      { length: shape.members },
      (_, index) => `2${String(index).padStart(11, '0')}`,
    );
    this.known = new Set(this.accountIds);
    if (shape.driftedEvery > 0) {
      this.accountIds.forEach((accountId, index) => {
        if (index % shape.driftedEvery === 0)
          this.runtime.set(accountId, { status: 'DISABLED', addon: 'DISABLED' });
      });
    }
    this.autoEnable = { runtime: shape.autoEnable, addon: shape.autoEnable };
    const answer = async (command: string, input: object, client: () => GuardDutyClient) => {
      await fake.answer(command, await client().config.region(), input);
      if (forgetStubHistory) fake.forgetStubHistory();
    };
    fake.guardDutyStub
      .on(ListMembersCommand)
      .callsFake(async (input: ListMembersCommandInput, client: () => GuardDutyClient) => {
        await answer('ListMembers', input, client);
        return this.listMembers(input);
      })
      .on(GetMemberDetectorsCommand)
      .callsFake(async (input: GetMemberDetectorsCommandInput, client: () => GuardDutyClient) => {
        await answer('GetMemberDetectors', input, client);
        return this.getMemberDetectors(input);
      })
      .on(UpdateMemberDetectorsCommand)
      .callsFake(async (input: UpdateMemberDetectorsCommandInput, client: () => GuardDutyClient) => {
        await answer('UpdateMemberDetectors', input, client);
        return this.updateMemberDetectors(input);
      })
      .on(DescribeOrganizationConfigurationCommand)
      .callsFake(
        async (input: DescribeOrganizationConfigurationCommandInput, client: () => GuardDutyClient) => {
          await answer('DescribeOrganizationConfiguration', input, client);
          return this.describeConfiguration(input);
        },
      )
      .on(UpdateOrganizationConfigurationCommand)
      .callsFake(
        async (input: UpdateOrganizationConfigurationCommandInput, client: () => GuardDutyClient) => {
          await answer('UpdateOrganizationConfiguration', input, client);
          this.updateConfiguration(input);
          return {};
        },
      );
  }

  /** Members whose runtime monitoring is not ENABLED with agent management ENABLED. */
  driftedCount(): number {
    let count = 0;
    for (const state of this.runtime.values())
      if (state.status !== 'ENABLED' || state.addon !== 'ENABLED') count += 1;
    return count;
  }

  private checkDetector(detectorId: string | undefined): void {
    if (detectorId !== this.adminDetectorId) {
      throw badRequest(
        'The request is rejected because the input detectorId is not owned by the current account.',
      );
    }
  }

  private listMembers(input: ListMembersCommandInput): Output<ListMembersCommandOutput> {
    this.checkDetector(input.DetectorId);
    const size = input.MaxResults ?? API_PAGE_MAX;
    within('maxResults', size);
    const offset = input.NextToken ? Number(Buffer.from(input.NextToken, 'base64').toString()) : 0;
    const end = Math.min(offset + size, this.accountIds.length);
    return {
      Members: this.accountIds.slice(offset, end).map((accountId) => ({
        AccountId: accountId,
        DetectorId: `d${accountId}${'0'.repeat(19)}`,
        MasterId: ACCOUNT_ID,
        AdministratorId: ACCOUNT_ID,
        Email: `aws+${accountId}@example.com`,
        RelationshipStatus: 'Enabled',
        InvitedAt: '2026-01-01T00:00:00.000Z',
        UpdatedAt: '2026-11-01T00:00:00.000Z',
      })),
      NextToken: end < this.accountIds.length ? Buffer.from(String(end)).toString('base64') : undefined,
    };
  }

  private memberFeatures(accountId: string): MemberFeaturesConfigurationResult[] {
    const state = this.runtime.get(accountId) ?? { status: 'ENABLED', addon: 'ENABLED' };
    const feature = (name: string, status: string, extra: [string, string][] = []) => ({
      Name: name as MemberFeaturesConfigurationResult['Name'],
      Status: status as FeatureStatus,
      UpdatedAt: new Date(UPDATED_AT),
      ...(extra.length > 0
        ? {
            AdditionalConfiguration: extra.map(([configName, configStatus]) => ({
              Name: configName as 'EKS_ADDON_MANAGEMENT',
              Status: configStatus as FeatureStatus,
              UpdatedAt: new Date(UPDATED_AT),
            })),
          }
        : {}),
    });
    return [
      feature('S3_DATA_EVENTS', 'ENABLED'),
      feature('EKS_AUDIT_LOGS', 'ENABLED'),
      feature('EBS_MALWARE_PROTECTION', 'ENABLED'),
      feature('RDS_LOGIN_EVENTS', 'ENABLED'),
      feature('LAMBDA_NETWORK_LOGS', 'ENABLED'),
      feature(RUNTIME, state.status, [
        [ADDON, state.addon],
        ['ECS_FARGATE_AGENT_MANAGEMENT', 'DISABLED'],
        ['EC2_AGENT_MANAGEMENT', 'DISABLED'],
      ]),
    ];
  }

  private getMemberDetectors(input: GetMemberDetectorsCommandInput): Output<GetMemberDetectorsCommandOutput> {
    this.checkDetector(input.DetectorId);
    const ids = input.AccountIds ?? [];
    within('accountIds', ids.length);
    const known = this.known;
    return {
      MemberDataSourceConfigurations: ids
        .filter((accountId) => known.has(accountId))
        .map((accountId) => ({
          AccountId: accountId,
          // Deprecated, still returned: the data sources before features existed.
          DataSources: {
            CloudTrail: { Status: 'ENABLED' },
            DNSLogs: { Status: 'ENABLED' },
            FlowLogs: { Status: 'ENABLED' },
            S3Logs: { Status: 'ENABLED' },
            Kubernetes: { AuditLogs: { Status: 'ENABLED' } },
          },
          Features: this.memberFeatures(accountId),
        })),
      UnprocessedAccounts: ids
        .filter((accountId) => !known.has(accountId))
        .map((accountId) => ({
          AccountId: accountId,
          Result: 'The request is rejected because the account is not a member of this administrator.',
        })),
    };
  }

  private updateMemberDetectors(
    input: UpdateMemberDetectorsCommandInput,
  ): Output<UpdateMemberDetectorsCommandOutput> {
    this.checkDetector(input.DetectorId);
    const ids = input.AccountIds ?? [];
    within('accountIds', ids.length);
    for (const requested of input.Features ?? []) {
      if (requested.Name !== RUNTIME) continue;
      for (const accountId of ids) {
        const current = this.runtime.get(accountId) ?? { status: 'ENABLED', addon: 'ENABLED' };
        const addon = requested.AdditionalConfiguration?.find((config) => config.Name === ADDON)?.Status;
        const next = { status: requested.Status ?? current.status, addon: addon ?? current.addon };
        if (next.status === 'ENABLED' && next.addon === 'ENABLED') this.runtime.delete(accountId);
        else this.runtime.set(accountId, next);
      }
    }
    return { UnprocessedAccounts: [] };
  }

  private describeConfiguration(
    input: DescribeOrganizationConfigurationCommandInput,
  ): Output<DescribeOrganizationConfigurationCommandOutput> {
    this.checkDetector(input.DetectorId);
    const all = 'ALL' as OrgFeatureStatus;
    return {
      AutoEnable: true,
      AutoEnableOrganizationMembers: 'ALL',
      MemberAccountLimitReached: false,
      Features: [
        { Name: 'S3_DATA_EVENTS', AutoEnable: all },
        { Name: 'EKS_AUDIT_LOGS', AutoEnable: all },
        { Name: 'EBS_MALWARE_PROTECTION', AutoEnable: all },
        { Name: 'RDS_LOGIN_EVENTS', AutoEnable: all },
        { Name: 'LAMBDA_NETWORK_LOGS', AutoEnable: all },
        {
          Name: RUNTIME,
          AutoEnable: this.autoEnable.runtime as OrgFeatureStatus,
          AdditionalConfiguration: [
            { Name: ADDON, AutoEnable: this.autoEnable.addon as OrgFeatureStatus },
            { Name: 'ECS_FARGATE_AGENT_MANAGEMENT', AutoEnable: 'NONE' },
            { Name: 'EC2_AGENT_MANAGEMENT', AutoEnable: 'NONE' },
          ],
        },
      ],
    };
  }

  private updateConfiguration(input: UpdateOrganizationConfigurationCommandInput): void {
    this.checkDetector(input.DetectorId);
    const runtime = input.Features?.find((feature) => feature.Name === RUNTIME);
    if (!runtime) return;
    const addon = runtime.AdditionalConfiguration?.find((config) => config.Name === ADDON)?.AutoEnable;
    this.autoEnable = {
      runtime: runtime.AutoEnable ?? this.autoEnable.runtime,
      addon: addon ?? this.autoEnable.addon,
    };
  }
}
