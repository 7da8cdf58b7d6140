import {
  type AutoEnableMembers,
  CreateMembersCommand,
  DescribeOrganizationConfigurationCommand,
  type FeatureStatus,
  GetMemberDetectorsCommand,
  GetMembersCommand,
  GetOrganizationStatisticsCommand,
  type GuardDutyClient,
  ListMembersCommand,
  type OrgFeature,
  type OrgFeatureAdditionalConfiguration,
  type OrgFeatureStatus,
  StartMonitoringMembersCommand,
  UpdateMemberDetectorsCommand,
  UpdateOrganizationConfigurationCommand,
} from '@aws-sdk/client-guardduty';
import type { OrganizationConfiguration } from '../core/organization.js';
import type { OrganizationStatistics } from '../core/organization-loss.js';
import type { MemberSummary, OrganizationPort } from '../ports.js';

const unprocessedOf = (list: { AccountId?: string | undefined; Result?: string | undefined }[] | undefined) =>
  (list ?? []).map((entry) => ({
    accountId: entry.AccountId ?? 'unknown',
    reason: entry.Result ?? 'unknown',
  }));

export function organizationAdapter(client: GuardDutyClient): OrganizationPort {
  /** ListMembers, page by page (MaxResults 50 is the most GuardDuty returns). */
  async function* memberPages(adminDetectorId: string): AsyncGenerator<MemberSummary[]> {
    let nextToken: string | undefined;
    do {
      const page = await client.send(
        new ListMembersCommand({
          DetectorId: adminDetectorId,
          OnlyAssociated: 'true',
          MaxResults: 50,
          NextToken: nextToken,
        }),
      );
      yield (page.Members ?? []).flatMap((member) =>
        member.AccountId
          ? [
              {
                accountId: member.AccountId,
                relationshipStatus: member.RelationshipStatus ?? 'unknown',
                detectorId: member.DetectorId,
              },
            ]
          : [],
      );
      nextToken = page.NextToken;
    } while (nextToken);
  }

  return {
    async describeConfiguration(adminDetectorId) {
      let nextToken: string | undefined;
      let configuration: OrganizationConfiguration | undefined;
      const features: OrganizationConfiguration['features'][number][] = [];
      do {
        const page = await client.send(
          new DescribeOrganizationConfigurationCommand({ DetectorId: adminDetectorId, NextToken: nextToken }),
        );
        configuration ??= {
          autoEnableOrganizationMembers: page.AutoEnableOrganizationMembers,
          autoEnable: page.AutoEnable,
          features,
        };
        for (const feature of page.Features ?? []) {
          features.push({
            name: feature.Name ?? 'UNKNOWN',
            autoEnable: feature.AutoEnable ?? 'NONE',
            additionalConfiguration: (feature.AdditionalConfiguration ?? []).map((config) => ({
              name: config.Name ?? 'UNKNOWN',
              autoEnable: config.AutoEnable ?? 'NONE',
            })),
          });
        }
        nextToken = page.NextToken;
      } while (nextToken);
      return configuration ?? { autoEnableOrganizationMembers: undefined, autoEnable: undefined, features };
    },

    async updateConfiguration(adminDetectorId, plan) {
      await client.send(
        new UpdateOrganizationConfigurationCommand({
          DetectorId: adminDetectorId,
          ...('autoEnableOrganizationMembers' in plan.members
            ? {
                AutoEnableOrganizationMembers: plan.members
                  .autoEnableOrganizationMembers as AutoEnableMembers,
              }
            : { AutoEnable: plan.members.autoEnable }),
          // Names and settings go back as AWS listed them: an open set the SDK types close.
          Features: [
            {
              Name: plan.feature.name as OrgFeature,
              AutoEnable: plan.feature.autoEnable as OrgFeatureStatus,
              AdditionalConfiguration: plan.feature.additionalConfiguration.map((config) => ({
                Name: config.name as OrgFeatureAdditionalConfiguration,
                AutoEnable: config.autoEnable as OrgFeatureStatus,
              })),
            },
          ],
        }),
      );
    },

    async listMembers(adminDetectorId) {
      const members: MemberSummary[] = [];
      for await (const page of memberPages(adminDetectorId)) members.push(...page);
      return members;
    },

    memberPages,

    async getMemberDetectors(adminDetectorId, accountIds) {
      const output = await client.send(
        new GetMemberDetectorsCommand({ DetectorId: adminDetectorId, AccountIds: [...accountIds] }),
      );
      const members = (output.MemberDataSourceConfigurations ?? []).map((member) => ({
        accountId: member.AccountId ?? 'unknown',
        features: (member.Features ?? []).map((feature) => ({
          name: feature.Name ?? 'UNKNOWN',
          status: feature.Status ?? 'UNKNOWN',
          additionalConfiguration: (feature.AdditionalConfiguration ?? []).map((config) => ({
            name: config.Name ?? 'UNKNOWN',
            status: config.Status ?? 'UNKNOWN',
          })),
        })),
      }));
      return { members, unprocessed: unprocessedOf(output.UnprocessedAccounts) };
    },

    async updateMemberDetectors(adminDetectorId, accountIds, feature) {
      const output = await client.send(
        new UpdateMemberDetectorsCommand({
          DetectorId: adminDetectorId,
          AccountIds: [...accountIds],
          Features: [
            {
              Name: feature.name as OrgFeature,
              Status: feature.status as FeatureStatus,
              AdditionalConfiguration: feature.additionalConfiguration.map((config) => ({
                Name: config.name as OrgFeatureAdditionalConfiguration,
                Status: config.status as FeatureStatus,
              })),
            },
          ],
        }),
      );
      return unprocessedOf(output.UnprocessedAccounts);
    },

    async getMembers(adminDetectorId, accountIds) {
      const output = await client.send(
        new GetMembersCommand({ DetectorId: adminDetectorId, AccountIds: [...accountIds] }),
      );
      const members = (output.Members ?? []).map((member) => ({
        accountId: member.AccountId ?? 'unknown',
        relationshipStatus: member.RelationshipStatus ?? 'unknown',
        email: member.Email || undefined,
      }));
      return { members, unprocessed: unprocessedOf(output.UnprocessedAccounts) };
    },

    async startMonitoringMembers(adminDetectorId, accountIds) {
      const output = await client.send(
        new StartMonitoringMembersCommand({ DetectorId: adminDetectorId, AccountIds: [...accountIds] }),
      );
      return unprocessedOf(output.UnprocessedAccounts);
    },

    async createMembers(adminDetectorId, accounts) {
      const output = await client.send(
        new CreateMembersCommand({
          DetectorId: adminDetectorId,
          AccountDetails: accounts.map((account) => ({ AccountId: account.accountId, Email: account.email })),
        }),
      );
      return unprocessedOf(output.UnprocessedAccounts);
    },

    async statistics() {
      const output = await client.send(new GetOrganizationStatisticsCommand({}));
      const details = output.OrganizationDetails;
      const statistics = details?.OrganizationStatistics;
      const enabledByFeature: Record<string, number> = {};
      for (const feature of statistics?.CountByFeature ?? []) {
        if (feature.Name === undefined) continue;
        if (feature.EnabledAccountsCount !== undefined) {
          enabledByFeature[feature.Name] = feature.EnabledAccountsCount;
        }
        for (const config of feature.AdditionalConfiguration ?? []) {
          if (config.Name !== undefined && config.EnabledAccountsCount !== undefined) {
            enabledByFeature[`${feature.Name}.${config.Name}`] = config.EnabledAccountsCount;
          }
        }
      }
      return {
        totalAccounts: statistics?.TotalAccountsCount,
        memberAccounts: statistics?.MemberAccountsCount,
        activeAccounts: statistics?.ActiveAccountsCount,
        enabledAccounts: statistics?.EnabledAccountsCount,
        enabledByFeature,
        updatedAt: details?.UpdatedAt?.toISOString(),
      } satisfies OrganizationStatistics;
    },
  };
}
