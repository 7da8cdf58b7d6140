/** How the organization target remediates: the auto-enable configuration, then the members in batches of 50. */
import { type AccountLine, type DigestFacts, renderDigest } from '../../alerts/digest.js';
import { loweredFeature } from '../../core/auto-enable.js';
import {
  COMPLIANCE_METRIC,
  ORG_ACCOUNTS_FAILED_METRIC,
  ORG_ACCOUNTS_REMEDIATED_METRIC,
} from '../../core/metrics.js';
import {
  batchRemediations,
  chunk,
  evaluateMember,
  evaluateOrganization,
  MEMBER_BATCH_SIZE,
  type MemberVerdict,
  planOrganization,
} from '../../core/organization.js';
import { describeError, ResponderError } from '../../errors.js';
import type { ClaimRecord, OrganizationPort, RemediationRecord, UnprocessedAccount } from '../../ports.js';
import type { CaseAct } from '../case.js';
import type { InvocationContext } from '../context.js';
import { FIGHT_WINDOW_MS } from '../keys.js';
import { settleWithConcurrency } from '../pool.js';
import { CONFIGURATION_TARGET, digestAct, digestFacts, type OrganizationReport, report } from './describe.js';
import { type Findings, MEMBER_CONCURRENCY } from './read.js';

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
    try {
      await organization.updateConfiguration(adminDetectorId, plan);
      const after = await organization.describeConfiguration(adminDetectorId);
      organizationResult = evaluateOrganization(after, config.autoEnableTarget, config.requireAgentManagement)
        .compliant
        ? 'remediated'
        : 'failed';
    } catch (error) {
      errors.push(error);
      deps.logger.error('organization-configuration-failed', {
        eventId: trigger.eventId,
        error: describeError(error),
      });
      organizationResult = 'failed';
    }
    actions.push(
      `UpdateOrganizationConfiguration ${plan.feature.name} auto-enable → ${plan.feature.autoEnable}: ${organizationResult}`,
    );
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
      ? { ...line, result: line.result === 'circuit open' ? 'circuit open' : 'remediated' }
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
    if (lastPage && now.getTime() - lastPage.getTime() < FIGHT_WINDOW_MS) {
      return {
        status: 'fold',
        outcome,
        remediation,
        report: () => ({
          ...outcomeReport(undefined),
          reason: `re-enabled again; folded into the fight page of ${lastPage.toISOString()}`,
        }),
      };
    }
    return { ...digestAct(facts, outcomeReport, remediation), closes: { fightPagedAt: now } };
  }
  if (failures === 0) return digestAct(facts, outcomeReport, remediation);
  const reasons = [...failed].slice(0, 10).map(([accountId, reason]) => `${accountId}: ${reason}`);
  if (organizationResult === 'failed') reasons.unshift('organization configuration: not restored');
  return {
    status: 'failed',
    failure: { outcome: 'remediate', rendered: renderDigest(facts), remediation },
    error: new ResponderError(
      `organization remediation failed for ${failures} target(s): ${reasons.join('; ')}`,
      {
        cause: errors.length > 0 ? new AggregateError(errors, 'the AWS calls that failed') : undefined,
      },
    ),
    report: outcomeReport,
  };
}

/** One UpdateMemberDetectors per batch of 50 with the same feature entry, then a read-back of what went through. */
async function remediateMembers(
  context: InvocationContext,
  organization: OrganizationPort,
  adminDetectorId: string,
  work: RemediationWork,
  errors: unknown[],
) {
  const batches = batchRemediations(work.drifted);
  // A call can succeed while accounts fail: its unprocessed accounts are failures too.
  const failed = new Map<string, string>();
  const results = await settleWithConcurrency(batches, MEMBER_CONCURRENCY, (batch) =>
    organization.updateMemberDetectors(adminDetectorId, batch.accountIds, batch.feature),
  );
  results.forEach((result, index) => {
    const batch = batches[index];
    if (!batch) return;
    if (result.status === 'rejected') errors.push(result.reason);
    const unprocessed: UnprocessedAccount[] =
      result.status === 'fulfilled'
        ? result.value
        : batch.accountIds.map((accountId) => ({ accountId, reason: describeError(result.reason) }));
    for (const entry of unprocessed) failed.set(entry.accountId, entry.reason);
  });
  const attempted = batches
    .flatMap((batch) => batch.accountIds)
    .filter((accountId) => !failed.has(accountId));
  const readBackBatches = chunk(attempted, MEMBER_BATCH_SIZE);
  const readBack = await settleWithConcurrency(readBackBatches, MEMBER_CONCURRENCY, (batch) =>
    organization.getMemberDetectors(adminDetectorId, batch),
  );
  const confirmed = new Set<string>();
  readBack.forEach((result, index) => {
    const batch = readBackBatches[index] ?? [];
    if (result.status === 'rejected') {
      errors.push(result.reason);
      for (const accountId of batch)
        failed.set(accountId, `read back failed: ${describeError(result.reason)}`);
      return;
    }
    for (const member of result.value.members) {
      if (evaluateMember(member, context.config.requireAgentManagement, undefined).evaluation.compliant) {
        confirmed.add(member.accountId);
      }
    }
    for (const accountId of batch) {
      if (!confirmed.has(accountId) && !failed.has(accountId))
        failed.set(accountId, 'read back: still not compliant');
    }
  });
  return { batches, confirmed, failed };
}
