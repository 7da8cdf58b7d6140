/**
 * How the organization target remediates: the auto-enable configuration, then the members in batches of 50. Under
 * RUNTIME_TARGET=unified each gets two requests: RUNTIME_MONITORING first, a read-back, and only for what reads back
 * protecting, the legacy EKS_RUNTIME_MONITORING off (never both features in one request, never a gap).
 */
import { type AccountLine, type DigestFacts, renderDigest } from '../../alerts/digest.js';
import { loweredFeature } from '../../core/auto-enable.js';
import {
  COMPLIANCE_METRIC,
  ORG_ACCOUNTS_FAILED_METRIC,
  ORG_ACCOUNTS_REMEDIATED_METRIC,
} from '../../core/metrics.js';
import {
  evaluateOrganization,
  type MemberVerdict,
  type OrganizationConfiguration,
  planOrganization,
} from '../../core/organization.js';
import { LEGACY_FEATURE, UNIFIED_FEATURE } from '../../core/target.js';
import { describeError, ResponderError } from '../../errors.js';
import type { ClaimRecord, OrganizationPort, RemediationRecord } from '../../ports.js';
import type { CaseAct } from '../case.js';
import type { InvocationContext } from '../context.js';
import { foldsIntoFightPage } from '../keys.js';
import {
  CONFIGURATION_TARGET,
  digestAct,
  digestFacts,
  memberFindingFacts,
  membersOf,
  type OrganizationReport,
  report,
} from './describe.js';
import { remediateMembers } from './members.js';
import type { Findings } from './read.js';

export interface RemediationWork {
  readonly findings: Findings;
  readonly drifted: readonly MemberVerdict[];
  readonly lines: readonly AccountLine[];
  readonly historyKey: string;
  readonly restoreConfiguration: boolean;
  /**
   * Every target was re-enabled MAX_REMEDIATIONS_PER_HOUR times in the last hour: they are restored all the same,
   * and the digest is a critical fight page, once an hour (the case's previous attempt says when it last went out).
   */
  readonly fight: { readonly previous: ClaimRecord | undefined } | undefined;
}

/** Restores the configuration and re-enables the members, reads back, and says what to page. */
export async function remediateOrganization(
  context: InvocationContext,
  organization: OrganizationPort,
  work: RemediationWork,
): Promise<CaseAct<OrganizationReport>> {
  const { config, deps, metrics, trigger } = context;
  const { findings } = work;
  const { adminDetectorId } = findings;
  const actions: string[] = [];
  // The SDK errors themselves (not only their text), kept as the cause of a failed run.
  const errors: unknown[] = [];
  let organizationResult: DigestFacts['organizationResult'];
  if (findings.organization && work.restoreConfiguration) {
    const lowered = loweredFeature(
      trigger.organizationFeatures,
      config.autoEnableTarget,
      config.requireAgentManagement,
    );
    const plan = planOrganization(
      findings.organization.configuration,
      findings.organization.evaluation,
      config.autoEnableTarget,
      config.requireAgentManagement,
      lowered,
    );
    const judge = (after: OrganizationConfiguration) =>
      evaluateOrganization(
        after,
        config.autoEnableTarget,
        config.requireAgentManagement,
        config.runtimeTarget,
      );
    let step = `UpdateOrganizationConfiguration ${plan.feature.name} auto-enable → ${plan.feature.autoEnable}`;
    try {
      await organization.updateConfiguration(adminDetectorId, { ...plan, retire: undefined });
      let after = judge(await organization.describeConfiguration(adminDetectorId));
      if (plan.retire && after.unifiedMeets && after.legacyAutoEnabled) {
        // Step 2, only now that RUNTIME_MONITORING reads back at the target level.
        step += `, then ${LEGACY_FEATURE} auto-enable → NONE`;
        await organization.updateConfiguration(adminDetectorId, plan.retire);
        after = judge(await organization.describeConfiguration(adminDetectorId));
      } else if (plan.retire && !after.unifiedMeets) {
        step += ` (${LEGACY_FEATURE} auto-enable left as it was: ${UNIFIED_FEATURE} did not read back)`;
      }
      organizationResult = after.compliant ? 'remediated' : 'failed';
    } catch (error) {
      errors.push(error);
      deps.logger.error('organization-configuration-failed', {
        eventId: trigger.eventId,
        error: describeError(error),
      });
      organizationResult = 'failed';
    }
    actions.push(`${step}: ${organizationResult}`);
  }

  const { batches, confirmed, failed } = await remediateMembers(
    context,
    organization,
    adminDetectorId,
    work,
    errors,
  );
  if (batches.length > 0) {
    actions.push(
      `UpdateMemberDetectors in ${batches.length} call(s): ${confirmed.size} account(s) re-enabled, ${failed.size} failed`,
    );
  }

  // A target in a fight keeps its mark once restored: the digest says who keeps being turned off.
  const resultLines: AccountLine[] = work.lines.map((line) =>
    confirmed.has(line.accountId)
      ? { ...line, result: line.result === 'circuit open' ? 'restored again' : 'remediated' }
      : failed.has(line.accountId)
        ? { ...line, result: 'failed', detail: failed.get(line.accountId) }
        : line,
  );
  const failures = failed.size + (organizationResult === 'failed' ? 1 : 0);
  const remaining = resultLines.filter((line) => !confirmed.has(line.accountId)).length;
  metrics.count(ORG_ACCOUNTS_REMEDIATED_METRIC, confirmed.size);
  metrics.count(ORG_ACCOUNTS_FAILED_METRIC, failed.size);
  metrics.compliance(remaining === 0 && organizationResult !== 'failed', COMPLIANCE_METRIC);

  const outcome = work.fight ? 'circuit-open' : 'remediate';
  const facts = digestFacts(
    context,
    outcome,
    findings,
    resultLines,
    organizationResult,
    `${actions.join('; ') || 'Nothing could be re-enabled automatically'}.`,
  );
  const changed = [
    ...batches.flatMap((batch) => batch.accountIds),
    ...(organizationResult === undefined ? [] : [CONFIGURATION_TARGET]),
  ];
  const remediation: RemediationRecord | undefined =
    changed.length === 0
      ? undefined
      : {
          detectorKey: work.historyKey,
          at: deps.now(),
          eventId: trigger.eventId,
          generation: batches[0]?.feature.name ?? 'organization-configuration',
          actor: trigger.historyActor,
          accounts: changed,
        };
  const outcomeReport = (messageId: string | undefined) =>
    report({
      outcome,
      evaluatedAccounts: findings.evaluatedAccounts,
      affectedAccounts: work.lines.length,
      remediatedAccounts: confirmed.size,
      failedAccounts: failures,
      circuitOpenAccounts: work.lines.filter((line) => line.result === 'circuit open').length,
      ...(messageId !== undefined ? { messageId } : {}),
    });
  if (failures === 0 && work.fight) {
    const now = deps.now();
    const lastPage = work.fight.previous?.fightPagedAt;
    if (lastPage && foldsIntoFightPage(lastPage, now)) {
      return {
        status: 'fold',
        outcome,
        remediation,
        finding: memberFindingFacts(facts, membersOf(findings)),
        report: () => ({
          ...outcomeReport(undefined),
          reason: `re-enabled again; folded into the fight page of ${lastPage.toISOString()}`,
        }),
      };
    }
    return {
      ...digestAct(facts, outcomeReport, remediation, membersOf(findings)),
      closes: { fightPagedAt: now },
    };
  }
  if (failures === 0) return digestAct(facts, outcomeReport, remediation, membersOf(findings));
  const reasons = [...failed].slice(0, 10).map(([accountId, reason]) => `${accountId}: ${reason}`);
  if (organizationResult === 'failed') reasons.unshift('organization configuration: not restored');
  return {
    status: 'failed',
    failure: {
      outcome: 'remediate',
      rendered: renderDigest(facts),
      remediation,
      finding: memberFindingFacts(facts, membersOf(findings)),
    },
    error: new ResponderError(
      `organization remediation failed for ${failures} target(s): ${reasons.join('; ')}`,
      {
        cause: errors.length > 0 ? new AggregateError(errors, 'the AWS calls that failed') : undefined,
      },
    ),
    report: outcomeReport,
  };
}
