/**
 * Organization target (the GuardDuty delegated administrator): the members and the organization's auto-enable
 * configuration. It reads (read.ts), decides through the pure core (core/organization.ts), remediates in batches
 * (remediate.ts) and describes the facts as one digest (describe.ts); the pipeline (flow/case.ts) does the
 * claiming, paging and settling.
 */
import { createHash } from 'node:crypto';
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
import { runCase, runOwed } from '../case.js';
import type { InvocationContext } from '../context.js';
import { type ClaimKey, driftKey, eventKey, ORGANIZATION_TARGET, organizationHistoryKey } from '../keys.js';
import { CONFIGURATION_TARGET, digestAct, digestFacts, type OrganizationReport, report } from './describe.js';
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
  const adminDetectorId = await findAdminDetector(context);
  return decideAndAct(
    context,
    organization,
    await readFindings(context, organization, adminDetectorId, reading),
  );
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
  const claim = eventKey(input.eventId);
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
    return (
      owed ?? context.log(report({ outcome: 'compliant', evaluatedAccounts: findings.evaluatedAccounts }))
    );
  }

  let outcome: DigestOutcome = config.mode === 'notify' ? 'would-remediate' : 'remediate';
  const historyKey = organizationHistoryKey(context.trigger.accountId, context.trigger.region);
  // The circuit breaker counts per target (member account, or the organization configuration), as for a
  // detector: one account someone keeps switching off must not stop the repair of the others.
  let blocked = new Set<string>();
  if (outcome === 'remediate') {
    const since = new Date(deps.now().getTime() - HOUR_MS);
    const perAccount = await deps.store.remediationsPerAccountSince(historyKey, since);
    blocked = new Set(
      [...perAccount].filter(([, count]) => count >= config.maxRemediationsPerHour).map(([id]) => id),
    );
    const targets = [
      ...drifted.map((verdict) => verdict.accountId),
      ...(organizationDrift ? [CONFIGURATION_TARGET] : []),
    ];
    if (targets.length > 0 && targets.every((target) => blocked.has(target))) outcome = 'circuit-open';
  }
  const lines: AccountLine[] = [
    ...drifted.map((verdict) =>
      blocked.has(verdict.accountId)
        ? {
            accountId: verdict.accountId,
            problems: verdict.evaluation.problems,
            result: 'circuit open' as const,
          }
        : { accountId: verdict.accountId, problems: verdict.evaluation.problems },
    ),
    ...findings.unreadable,
  ];
  // Nothing to write (only members that cannot be re-enabled): a standing report, paged once a day.
  const writable =
    drifted.some((verdict) => !blocked.has(verdict.accountId)) ||
    (organizationDrift && !blocked.has(CONFIGURATION_TARGET));
  const claim = caseClaim(context, outcome, lines, findings, writable);
  const chosen = outcome;
  return runCase<OrganizationReport>(context, {
    claim,
    duplicate: (existing) => {
      metrics.compliance(false, COMPLIANCE_METRIC);
      return report({
        outcome: 'ignored',
        ...counts,
        reason: `duplicate: ${claim.key} is already ${existing?.status === 'COMPLETED' ? 'handled' : 'being handled'}`,
      });
    },
    firstAttempt: () => metrics.count(DRIFT_DETECTED_METRIC, affected + (organizationDrift ? 1 : 0)),
    pending: (_previous, messageId) => report({ outcome: chosen, ...counts, messageId }),
    act: async () => {
      if (chosen !== 'remediate') {
        metrics.compliance(false, COMPLIANCE_METRIC);
        const action =
          chosen === 'circuit-open'
            ? `Nothing: every target was already re-enabled ${config.maxRemediationsPerHour} times in the last hour (the limit); something keeps turning protection off.`
            : 'Nothing (notify mode). Remediate mode would re-enable each account with UpdateMemberDetectors (50 accounts per call) and restore the auto-enable setting.';
        return digestAct(digestFacts(context, chosen, findings, lines, undefined, action), (messageId) =>
          report({ outcome: chosen, ...counts, messageId }),
        );
      }
      return remediateOrganization(context, organization, {
        findings,
        drifted: drifted.filter((verdict) => !blocked.has(verdict.accountId)),
        lines,
        historyKey,
        restoreConfiguration: organizationDrift && !blocked.has(CONFIGURATION_TARGET),
      });
    },
  });
}

/** Everything reads compliant: an earlier attempt of this delivery may still owe its digest. */
function deliverOwed(
  context: InvocationContext,
  findings: Findings,
): Promise<OrganizationReport | undefined> {
  const owedReport = (messageId: string) =>
    report({
      outcome: 'remediate',
      evaluatedAccounts: findings.evaluatedAccounts,
      messageId,
      reason: 'delivered what a previous attempt owed',
    });
  return runOwed(context, {
    claim: context.trigger.caseKey(ORGANIZATION_TARGET),
    pending: (_previous, messageId) => owedReport(messageId),
    back: () =>
      digestAct(
        digestFacts(
          context,
          'remediate',
          findings,
          [],
          findings.organization ? 'remediated' : undefined,
          'An earlier attempt could not re-enable every target; this retry finds every member and the ' +
            'organization configuration protected again.',
        ),
        owedReport,
      ),
  });
}

/** Events claim their own id; a sweep claims its run when it remediates, else the drift itself (a page a day). */
function caseClaim(
  context: InvocationContext,
  outcome: DigestOutcome,
  lines: readonly AccountLine[],
  findings: Findings,
  writable: boolean,
): ClaimKey {
  if (context.trigger.standingDrift === 'per-trigger' || (outcome === 'remediate' && writable))
    return context.trigger.caseKey(ORGANIZATION_TARGET);
  const fingerprint = createHash('sha256')
    .update(
      JSON.stringify([
        lines.map((line) => [line.accountId, line.problems]),
        findings.organization?.evaluation.problems ?? [],
      ]),
    )
    .digest('hex')
    .slice(0, 32);
  return driftKey({
    accountId: context.trigger.accountId,
    region: context.trigger.region,
    target: ORGANIZATION_TARGET,
    outcome,
    fingerprint,
  });
}
