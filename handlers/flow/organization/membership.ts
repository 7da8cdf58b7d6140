/**
 * What the organization sweep adds about membership: GuardDuty's own count of the organization
 * (GetOrganizationStatistics, one call, shown in the digest and published as metrics; a failure never fails the
 * sweep), and the sweep's member count against the previous sweep's. A drop that the loss events since then do not
 * explain is paged (critical): members left the organization's GuardDuty and no event said so. The first sweep only
 * records a baseline. The count is recorded after the page, so a crash before it pages again rather than never.
 */
import { type MembershipFacts, renderMembership } from '../../alerts/membership.js';
import {
  ORG_MEMBERS_UNEXPLAINED_DROP_METRIC,
  ORG_STATISTICS_EKS_AGENT_MANAGEMENT_METRIC,
  ORG_STATISTICS_EKS_RUNTIME_MONITORING_METRIC,
  ORG_STATISTICS_ENABLED_ACCOUNTS_METRIC,
  ORG_STATISTICS_MEMBER_ACCOUNTS_METRIC,
  ORG_STATISTICS_RUNTIME_MONITORING_METRIC,
} from '../../contract.js';
import { memberCountVerdict, type StatisticsReading, statisticsLine } from '../../core/organization-loss.js';
import { describeError } from '../../errors.js';
import type { OrganizationPort } from '../../ports.js';
import { runCase } from '../case.js';
import { alertContext, type InvocationContext } from '../context.js';
import { memberDropKey, membershipKey } from '../keys.js';
import type { MembershipReport } from './loss.js';

/** GetOrganizationStatistics, published as metrics; unavailable (logged) rather than a failed sweep. */
export async function readStatistics(
  context: InvocationContext,
  organization: OrganizationPort,
): Promise<StatisticsReading> {
  let reading: StatisticsReading;
  try {
    reading = { status: 'read', statistics: await organization.statistics() };
  } catch (error) {
    context.deps.logger.warn('organization-statistics-unavailable', {
      eventId: context.trigger.eventId,
      error: describeError(error),
    });
    return { status: 'unavailable', reason: describeError(error) };
  }
  const { statistics } = reading;
  const publish = (name: string, value: number | undefined) => {
    if (value !== undefined) context.metrics.count(name, value);
  };
  publish(ORG_STATISTICS_MEMBER_ACCOUNTS_METRIC, statistics.memberAccounts);
  publish(ORG_STATISTICS_ENABLED_ACCOUNTS_METRIC, statistics.enabledAccounts);
  publish(ORG_STATISTICS_RUNTIME_MONITORING_METRIC, statistics.enabledByFeature.RUNTIME_MONITORING);
  publish(ORG_STATISTICS_EKS_RUNTIME_MONITORING_METRIC, statistics.enabledByFeature.EKS_RUNTIME_MONITORING);
  // Agent management of whichever generation the organization uses (both are published only when both are in use).
  publish(
    ORG_STATISTICS_EKS_AGENT_MANAGEMENT_METRIC,
    statistics.enabledByFeature['RUNTIME_MONITORING.EKS_ADDON_MANAGEMENT'] ??
      statistics.enabledByFeature['EKS_RUNTIME_MONITORING.EKS_ADDON_MANAGEMENT'],
  );
  return reading;
}

/** Compares the sweep's member count with the previous sweep's and pages a drop no loss event explains. */
export async function checkMemberCount(
  context: InvocationContext,
  found: {
    readonly members: number;
    readonly observedAt: Date;
    readonly adminDetectorId: string;
    readonly statistics: StatisticsReading | undefined;
  },
): Promise<MembershipReport> {
  const { deps, trigger, config } = context;
  const key = membershipKey(trigger.accountId, trigger.region);
  const previous = await deps.store.memberCount(key);
  const explained = previous
    ? await deps.store.membershipLossesSince(key, previous.observedAt, found.observedAt)
    : new Set<string>();
  const verdict = memberCountVerdict(previous?.count, found.members, explained.size);
  const record = () =>
    deps.store.recordMemberCount(key, {
      count: found.members,
      observedAt: found.observedAt,
      eventId: trigger.eventId,
    });
  const base = { scope: 'organization', kind: 'count-drop', accounts: found.members } as const;
  if (verdict.status !== 'unexplained') {
    await record();
    const reason =
      verdict.status === 'baseline'
        ? `first count: ${found.members} members recorded as the baseline`
        : verdict.status === 'explained'
          ? `${verdict.drop} fewer members than the last sweep, all named by loss events`
          : `${verdict.previous} members at the last sweep, ${found.members} now`;
    return context.log({ ...base, outcome: verdict.status, reason });
  }
  context.metrics.count(ORG_MEMBERS_UNEXPLAINED_DROP_METRIC, verdict.unexplained);
  const claim = memberDropKey(trigger.accountId, trigger.region, trigger.eventId);
  const report = (messageId: string | undefined): MembershipReport => ({
    ...base,
    outcome: 'member-count-dropped',
    reason: `${verdict.unexplained} of ${verdict.drop} fewer members unexplained`,
    ...(messageId === undefined ? {} : { messageId }),
  });
  const facts: MembershipFacts = {
    ...alertContext(trigger, config),
    mode: config.mode,
    outcome: 'member-count-dropped',
    severity: 'critical',
    kind: 'count-drop',
    adminDetectorId: found.adminDetectorId,
    meaning:
      `The sweep lists ${found.members} members of the organization's GuardDuty, ${verdict.drop} fewer than the ` +
      `last sweep, and the loss events since then name only ${verdict.explained}. ${verdict.unexplained} left with ` +
      'no event the responder received: a call it does not watch, or an event that never reached it (a trail or ' +
      'rule turned off, or delivery late). Members out of the organization can turn GuardDuty off themselves.',
    accounts: [],
    action:
      'Nothing: the sweep cannot tell which accounts left (it keeps counts, not lists). Compare ' +
      "aws guardduty list-members --only-associated false with the organization's accounts.",
    confirmed: undefined,
    fix:
      `In the administrator account: aws guardduty list-members --region ${trigger.region} --detector-id ` +
      `${found.adminDetectorId} --only-associated false (disassociated members show a relationship other than ` +
      'Enabled); associate each again with aws guardduty create-members, and look up who did it in CloudTrail ' +
      '(DisassociateMembers, DeleteMembers).',
    memberCount: {
      previous: verdict.previous,
      current: found.members,
      explained: verdict.explained,
      unexplained: verdict.unexplained,
      since: previous?.observedAt.toISOString() ?? 'unknown',
    },
    statistics: found.statistics && statisticsLine(found.statistics),
  };
  const result = await runCase<MembershipReport>(context, {
    claim,
    duplicate: () => ({
      ...report(undefined),
      outcome: 'ignored',
      reason: `duplicate: ${claim.key} already handled`,
    }),
    pending: (_previous, messageId) => report(messageId),
    act: async () => ({
      status: 'alert',
      alert: { outcome: 'member-count-dropped', rendered: renderMembership(facts) },
      report,
    }),
  });
  // Only once the page is out (or was, by an earlier attempt of this sweep): a failed Publish throws before this.
  await record();
  return result;
}
