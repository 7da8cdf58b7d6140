import type { AccountLine, DigestOutcome } from '../../alerts/digest.js';
import { loweredFeature } from '../../core/auto-enable.js';
import { reducesProtection } from '../../core/change.js';
import {
  COMPLIANCE_METRIC,
  DISABLE_DENIED_METRIC,
  DRIFT_DETECTED_METRIC,
  ORG_ACCOUNTS_EVALUATED_METRIC,
  ORG_ACCOUNTS_NON_COMPLIANT_METRIC,
  ORG_AUTO_ENABLE_COMPLIANT_METRIC,
} from '../../core/metrics.js';
import type { ApiCallInput } from '../../core/types.js';
import type { OrganizationPort } from '../../ports.js';
import { type CaseSpec, runCase } from '../case.js';
import type { InvocationContext } from '../context.js';
import { deniedEventKey, eventKey, organizationHistoryKey, STANDING_DRIFT_TTL_SECONDS } from '../keys.js';
import { settleAll } from '../settled.js';
import { deliverOwed, organizationCase } from './claim.js';
import {
  CONFIGURATION_TARGET,
  digestAct,
  digestFacts,
  membersOf,
  type OrganizationReport,
  report,
} from './describe.js';
import { resolveCompliantWatched, type WatchedFindings, watchMemberFindings } from './findings.js';
import { checkMemberCount, readStatistics } from './membership.js';
import { type Findings, findAdminDetector, type OrganizationReading, readFindings } from './read.js';
import { remediateOrganization } from './remediate.js';

export type { OrganizationReport } from './describe.js';
export { type OrganizationReading, readingFor } from './read.js';

const HOUR_MS = 60 * 60 * 1000;

/** Reads, decides and acts for the organization part of an event or a sweep. */
export async function respondForOrganization(
  context: InvocationContext,
  organization: OrganizationPort,
  reading: OrganizationReading,
): Promise<OrganizationReport> {
  // SECURITY_HUB=true: the members whose finding is open, read beside the rest (their resolve waits on it alone).
  const watched = watchMemberFindings(context);
  const watch = watched.then((found) => found.open);
  const adminDetectorId = await findAdminDetector(context);
  // Taken before the reads: a case that closed after this moment may have fixed what they return.
  const observedAt = context.deps.now();
  const breaker = breakerCount(context);
  if (reading.members !== 'all') {
    return decideAndAct(
      context,
      organization,
      await readFindings(context, organization, adminDetectorId, reading, breaker.start, watch),
      observedAt,
      breaker.counts,
      watched,
    );
  }
  // The sweep also reads GuardDuty's own count (never fails) and compares its member count with the last sweep's.
  const statistics = readStatistics(context, organization);
  const read = await readFindings(context, organization, adminDetectorId, reading, breaker.start, watch);
  const findings: Findings = { ...read, statistics: await statistics };
  // One part's failure must not hide the other's page: both run, every failure is logged, the first fails the invocation.
  const [decided, membership] = await settleAll(
    context.deps.logger,
    context.trigger.eventId,
    ['organization members', 'member count'],
    [
      decideAndAct(context, organization, findings, observedAt, breaker.counts, watched),
      checkMemberCount(context, {
        members: findings.evaluatedAccounts,
        observedAt,
        adminDetectorId,
        statistics: findings.statistics,
      }),
    ],
  );
  return { ...decided, membership };
}

/** Remediations in the last hour per target, from the organization's history. */
type RecentRemediations = Map<string, number>;

/**
 * The circuit breaker's count, asked for once: as soon as the reads find the first drift (beside the reads still
 * running, one round trip less before the restore), or when the decision needs it. A compliant sweep, and notify
 * mode, never ask. A failed count is thrown where it is awaited, not while the reads go on.
 */
function breakerCount(context: InvocationContext): {
  readonly start: () => void;
  readonly counts: () => Promise<RecentRemediations>;
} {
  let counting: Promise<RecentRemediations> | undefined;
  const counts = () => {
    if (counting === undefined) {
      const now = context.deps.now();
      const historyKey = organizationHistoryKey(context.trigger.accountId, context.trigger.region);
      counting = context.deps.store.remediationsPerAccountSince(
        historyKey,
        new Date(now.getTime() - HOUR_MS),
        now,
      );
      counting.catch(() => undefined);
    }
    return counting;
  };
  return {
    start: () => {
      if (context.config.mode === 'remediate') void counts();
    },
    counts,
  };
}

/** A failed organization call: reported when it would have lowered protection, ignored otherwise. */
export function reportDeniedOrganizationCall(
  context: InvocationContext,
  input: ApiCallInput,
): Promise<OrganizationReport> {
  const { config, metrics } = context;
  const lowered = loweredFeature(
    input.organizationFeatures,
    config.autoEnableTarget,
    config.requireAgentManagement,
  );
  if (!reducesProtection(input.change, config.requireAgentManagement) && lowered === undefined) {
    return Promise.resolve(
      context.log(
        report({ outcome: 'ignored', reason: `the call failed with ${input.errorCode} and changed nothing` }),
      ),
    );
  }
  const claim = deniedEventKey(input.eventId);
  const accounts = (input.memberAccountIds ?? []).map((accountId) => ({
    accountId,
    problems: input.change.summary,
  }));
  return runCase<OrganizationReport>(context, {
    claim,
    duplicate: () => report({ outcome: 'ignored', reason: `duplicate: ${claim.key} already handled` }),
    firstAttempt: () => metrics.count(DISABLE_DENIED_METRIC),
    pending: (_previous, messageId) =>
      report({ outcome: 'disable-denied', affectedAccounts: accounts.length, messageId }),
    act: async () => {
      const findings: Findings = {
        adminDetectorId: input.detectorId ?? '',
        evaluatedAccounts: accounts.length,
        verdicts: [],
        unreadable: [],
        organization: undefined,
      };
      const action = `Nothing: the call failed with ${input.errorCode}, so nothing changed.`;
      return digestAct(
        digestFacts(context, 'disable-denied', findings, accounts, undefined, action),
        (messageId) => report({ outcome: 'disable-denied', affectedAccounts: accounts.length, messageId }),
      );
    },
  });
}

async function decideAndAct(
  context: InvocationContext,
  organization: OrganizationPort,
  findings: Findings,
  observedAt: Date,
  recentRemediations: () => Promise<RecentRemediations>,
  watched: Promise<WatchedFindings>,
): Promise<OrganizationReport> {
  const { config, deps, metrics } = context;
  const drifted = findings.verdicts.filter((verdict) => !verdict.evaluation.compliant);
  const organizationDrift =
    findings.organization !== undefined && !findings.organization.evaluation.compliant;
  const affected = drifted.length + findings.unreadable.length;
  const counts = { evaluatedAccounts: findings.evaluatedAccounts, affectedAccounts: affected };
  metrics.count(ORG_ACCOUNTS_EVALUATED_METRIC, findings.evaluatedAccounts);
  metrics.count(ORG_ACCOUNTS_NON_COMPLIANT_METRIC, affected);
  if (findings.organization) metrics.compliance(!organizationDrift, ORG_AUTO_ENABLE_COMPLIANT_METRIC);
  if (affected === 0 && !organizationDrift) {
    metrics.compliance(true, COMPLIANCE_METRIC);
    const owed = context.trigger.mayOweAlert ? await deliverOwed(context, findings) : undefined;
    // No digest carried the findings of members back since: they are resolved here.
    if (owed === undefined) await resolveCompliantWatched(context, findings, await watched);
    return (
      owed ?? context.log(report({ outcome: 'compliant', evaluatedAccounts: findings.evaluatedAccounts }))
    );
  }

  const mode: DigestOutcome = config.mode === 'notify' ? 'would-remediate' : 'remediate';
  const historyKey = organizationHistoryKey(context.trigger.accountId, context.trigger.region);
  // Counted per target (member account, or the organization configuration), as for a detector. A target re-enabled
  // MAX_REMEDIATIONS_PER_HOUR times in the last hour is in a fight: it is still restored (a security control never
  // fails open), and when every target is, the digest is a critical fight page, once an hour.
  let fighting = new Set<string>();
  if (mode === 'remediate') {
    const perAccount = await recentRemediations();
    fighting = new Set(
      [...perAccount].filter(([, count]) => count >= config.maxRemediationsPerHour).map(([id]) => id),
    );
  }
  const targets = [
    ...drifted.map((verdict) => verdict.accountId),
    ...(organizationDrift ? [CONFIGURATION_TARGET] : []),
  ];
  const outcome: DigestOutcome =
    mode === 'remediate' && targets.length > 0 && targets.every((target) => fighting.has(target))
      ? 'circuit-open'
      : mode;
  const lines: AccountLine[] = [
    ...drifted.map((verdict) =>
      fighting.has(verdict.accountId)
        ? {
            accountId: verdict.accountId,
            problems: verdict.evaluation.problems,
            result: 'circuit open' as const,
            detail: `turned off again: re-enabled ${config.maxRemediationsPerHour}+ times in the last hour`,
          }
        : { accountId: verdict.accountId, problems: verdict.evaluation.problems },
    ),
    ...findings.unreadable,
  ];
  // Nothing to write (only members that cannot be re-enabled): a standing report, paged once a day.
  const writable = targets.length > 0;
  const claim = organizationCase(context, { outcome, lines, findings, observedAt, targets: writable });
  const spec: CaseSpec<OrganizationReport> = {
    claim,
    duplicate: (existing) => {
      // One case for the whole organization: an event about other members (another drift) must not wait for the
      // sweep (or event) that holds it, or just closed it, to finish: it is handled as its own case, now.
      const otherDrift =
        existing?.owner !== undefined &&
        existing.owner !== context.trigger.owner &&
        existing.fingerprint !== claim.case?.fingerprint &&
        (existing.status === 'IN_PROGRESS' || (existing.closedAt?.getTime() ?? 0) >= observedAt.getTime());
      if (otherDrift && context.trigger.retriesWhenBusy) {
        return runCase(context, {
          ...spec,
          claim: eventKey(context.trigger.eventId),
          firstAttempt: undefined,
        });
      }
      metrics.compliance(false, COMPLIANCE_METRIC);
      const state = existing?.status === 'COMPLETED' ? 'handled' : 'being handled';
      return report({
        outcome: 'ignored',
        ...counts,
        reason: `duplicate: this drift is already ${state} by ${existing?.owner ?? 'another delivery'} (${claim.key})`,
      });
    },
    firstAttempt: () => metrics.count(DRIFT_DETECTED_METRIC, affected + (organizationDrift ? 1 : 0)),
    pending: (_previous, messageId) => report({ outcome, ...counts, messageId }),
    act: async (previous) => {
      if (outcome === 'would-remediate' || !writable) {
        metrics.compliance(false, COMPLIANCE_METRIC);
        const action =
          outcome === 'would-remediate'
            ? 'Nothing (notify mode). Remediate mode would re-enable each account with UpdateMemberDetectors (50 accounts per call) and restore the auto-enable setting.'
            : 'Nothing could be re-enabled automatically.';
        return {
          ...digestAct(
            digestFacts(context, outcome, findings, lines, undefined, action),
            (messageId) => report({ outcome, ...counts, messageId }),
            undefined,
            membersOf(findings),
          ),
          closes: { claimableAt: new Date(deps.now().getTime() + STANDING_DRIFT_TTL_SECONDS * 1000) },
        };
      }
      return remediateOrganization(context, organization, {
        findings,
        drifted,
        lines,
        historyKey,
        restoreConfiguration: organizationDrift,
        fight: outcome === 'circuit-open' ? { previous } : undefined,
      });
    },
  };
  return runCase<OrganizationReport>(context, spec);
}
