/** How the organization target reads: the administrator's detector, the configuration and the members. */
import type { AccountLine } from '../../alerts/digest.js';
import {
  chunk,
  evaluateMember,
  evaluateOrganization,
  MEMBER_BATCH_SIZE,
  type MemberVerdict,
  type OrganizationConfiguration,
  type OrganizationEvaluation,
} from '../../core/organization.js';
import type { ApiCallInput } from '../../core/types.js';
import { OrganizationScopeError, ResponderError } from '../../errors.js';
import type { OrganizationPort } from '../../ports.js';
import type { InvocationContext } from '../context.js';
import { settleWithConcurrency } from '../pool.js';

/** What an organization event or sweep reads: which members (all associated ones, or those named) and the configuration. */
export interface OrganizationReading {
  readonly members: 'all' | readonly string[];
  readonly configuration: boolean;
}

/** Member reads and writes in flight at once: enough for 10,000 accounts in seconds, gentle on GuardDuty's limits. */
export const MEMBER_CONCURRENCY = 10;

/** Members and the organization configuration, as read for one event or sweep. */
export interface Findings {
  readonly adminDetectorId: string;
  readonly evaluatedAccounts: number;
  readonly verdicts: readonly MemberVerdict[];
  readonly unreadable: readonly AccountLine[];
  readonly organization:
    | { readonly configuration: OrganizationConfiguration; readonly evaluation: OrganizationEvaluation }
    | undefined;
}

/** What an organization-level API call asks the target to read. */
export function readingFor(input: ApiCallInput): OrganizationReading {
  return input.eventName === 'UpdateMemberDetectors'
    ? { members: input.memberAccountIds ?? [], configuration: false }
    : { members: [], configuration: true };
}

export async function findAdminDetector(context: InvocationContext): Promise<string> {
  const [id] = await context.detectorIds();
  if (id === undefined) {
    throw new OrganizationScopeError(
      `RESPONDER_SCOPE=organization, but account ${context.trigger.accountId} has no GuardDuty detector in ${context.trigger.region}: deploy organization scope in the delegated administrator account`,
    );
  }
  return id;
}

async function readConfiguration(
  context: InvocationContext,
  organization: OrganizationPort,
  adminDetectorId: string,
): Promise<Findings['organization']> {
  let configuration: OrganizationConfiguration;
  try {
    configuration = await organization.describeConfiguration(adminDetectorId);
  } catch (error) {
    if (error instanceof Error && error.name === 'BadRequestException') {
      throw new OrganizationScopeError(
        `RESPONDER_SCOPE=organization, but account ${context.trigger.accountId} is not the GuardDuty delegated administrator in ${context.trigger.region}: ${error.message}`,
        { cause: error },
      );
    }
    throw error;
  }
  const { autoEnableTarget, requireAgentManagement } = context.config;
  return {
    configuration,
    evaluation: evaluateOrganization(configuration, autoEnableTarget, requireAgentManagement),
  };
}

export async function readFindings(
  context: InvocationContext,
  organization: OrganizationPort,
  adminDetectorId: string,
  reading: OrganizationReading,
): Promise<Findings> {
  const configuration = reading.configuration
    ? await readConfiguration(context, organization, adminDetectorId)
    : undefined;
  const unreadable: AccountLine[] = [];
  let notEnabled = 0;
  let ids: readonly string[];
  if (reading.members === 'all') {
    const members = await organization.listMembers(adminDetectorId);
    ids = members
      .filter((member) => member.relationshipStatus === 'Enabled')
      .map((member) => member.accountId);
    for (const member of members) {
      if (member.relationshipStatus === 'Enabled') continue;
      notEnabled += 1;
      unreadable.push({
        accountId: member.accountId,
        problems: [`GuardDuty relationship is ${member.relationshipStatus}`],
        result: 'not remediable',
      });
    }
  } else {
    ids = reading.members;
  }
  const verdicts: MemberVerdict[] = [];
  const batches = await settleWithConcurrency(chunk(ids, MEMBER_BATCH_SIZE), MEMBER_CONCURRENCY, (batch) =>
    organization.getMemberDetectors(adminDetectorId, batch),
  );
  for (const batch of batches) {
    if (batch.status === 'rejected')
      throw new ResponderError('GetMemberDetectors failed', { cause: batch.reason });
    for (const member of batch.value.members)
      verdicts.push(evaluateMember(member, context.config.requireAgentManagement, context.trigger.change));
    for (const entry of batch.value.unprocessed) {
      unreadable.push({
        accountId: entry.accountId,
        problems: [`GetMemberDetectors could not read it: ${entry.reason}`],
      });
    }
  }
  return {
    adminDetectorId,
    // Unprocessed accounts are among `ids` already; members whose GuardDuty is not enabled are not.
    evaluatedAccounts: ids.length + notEnabled,
    verdicts,
    unreadable,
    organization: configuration,
  };
}
