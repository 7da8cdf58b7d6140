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
  batchRemediations,
  chunk,
  evaluateMember,
  evaluateOrganization,
  MEMBER_BATCH_SIZE,
  type MemberBatch,
  type MemberState,
  type MemberVerdict,
  type OrganizationConfiguration,
  planOrganization,
  unifiedProtects,
} from '../../core/organization.js';
import { LEGACY_FEATURE, UNIFIED_FEATURE } from '../../core/target.js';
import { ENABLED } from '../../core/types.js';
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

/** The UpdateMemberDetectors calls of one step, in parallel; unprocessed or rejected accounts become failures. */
async function sendBatches(
  organization: OrganizationPort,
  adminDetectorId: string,
  batches: readonly MemberBatch[],
  failed: Map<string, string>,
  errors: unknown[],
  prefix = '',
): Promise<string[]> {
  const results = await settleWithConcurrency(batches, MEMBER_CONCURRENCY, (batch) =>
    organization.updateMemberDetectors(adminDetectorId, batch.accountIds, batch.feature),
  );
  results.forEach((result, index) => {
    const batch = batches[index];
    if (!batch) return;
    if (result.status === 'rejected') errors.push(result.reason);
    // A call can succeed while accounts fail: its unprocessed accounts are failures too.
    const unprocessed: UnprocessedAccount[] =
      result.status === 'fulfilled'
        ? result.value
        : batch.accountIds.map((accountId) => ({ accountId, reason: describeError(result.reason) }));
    for (const entry of unprocessed) failed.set(entry.accountId, `${prefix}${entry.reason}`);
  });
  return batches.flatMap((batch) => batch.accountIds).filter((accountId) => !failed.has(accountId));
}

/** GetMemberDetectors of these accounts, in batches of 50; a failed read fails its accounts. */
async function readMembers(
  organization: OrganizationPort,
  adminDetectorId: string,
  accountIds: readonly string[],
  failed: Map<string, string>,
  errors: unknown[],
): Promise<Map<string, MemberState>> {
  const readBackBatches = chunk(accountIds, MEMBER_BATCH_SIZE);
  const readBack = await settleWithConcurrency(readBackBatches, MEMBER_CONCURRENCY, (batch) =>
    organization.getMemberDetectors(adminDetectorId, batch),
  );
  const members = new Map<string, MemberState>();
  readBack.forEach((result, index) => {
    const batch = readBackBatches[index] ?? [];
    if (result.status === 'rejected') {
      errors.push(result.reason);
      for (const accountId of batch)
        failed.set(accountId, `read back failed: ${describeError(result.reason)}`);
      return;
    }
    for (const member of result.value.members) members.set(member.accountId, member);
  });
  return members;
}

function legacyEnabled(member: MemberState): boolean {
  return member.features.some((feature) => feature.name === LEGACY_FEATURE && feature.status === ENABLED);
}

/**
 * One UpdateMemberDetectors per batch of 50 with the same feature entry, then a read-back of what went through. Under
 * RUNTIME_TARGET=unified, the members whose read-back shows RUNTIME_MONITORING protecting and the legacy feature still
 * enabled get the second request (EKS_RUNTIME_MONITORING → DISABLED), then a second read-back.
 */
async function remediateMembers(
  context: InvocationContext,
  organization: OrganizationPort,
  adminDetectorId: string,
  work: RemediationWork,
  errors: unknown[],
) {
  const { requireAgentManagement, runtimeTarget } = context.config;
  const batches = batchRemediations(work.drifted);
  const failed = new Map<string, string>();
  const sent = await sendBatches(organization, adminDetectorId, batches, failed, errors);
  // Members that only need the legacy feature off (RUNTIME_MONITORING already protects them) are read as well.
  const retireOnly = work.drifted
    .filter((verdict) => verdict.plan?.feature === undefined && verdict.plan?.retire !== undefined)
    .map((verdict) => verdict.accountId);
  const attempted = [...sent, ...retireOnly];
  let read = await readMembers(organization, adminDetectorId, attempted, failed, errors);

  const plans = new Map(work.drifted.map((verdict) => [verdict.accountId, verdict.plan]));
  const toRetire: MemberVerdict[] = [];
  for (const accountId of attempted) {
    const member = read.get(accountId);
    const retire = plans.get(accountId)?.retire;
    if (member === undefined || retire === undefined || !legacyEnabled(member)) continue;
    if (unifiedProtects(member, requireAgentManagement)) {
      toRetire.push({
        accountId,
        evaluation: evaluateMember(member, requireAgentManagement, undefined, runtimeTarget).evaluation,
        plan: { ...retire, feature: undefined, retire },
      });
    } else {
      failed.set(
        accountId,
        `${UNIFIED_FEATURE} did not read back protecting; ${LEGACY_FEATURE} left enabled (its protection is kept)`,
      );
    }
  }
  const retireBatches = batchRemediations(toRetire, 'retire');
  if (retireBatches.length > 0) {
    const retired = await sendBatches(
      organization,
      adminDetectorId,
      retireBatches,
      failed,
      errors,
      `${UNIFIED_FEATURE} is protecting, but disabling ${LEGACY_FEATURE} failed (both bill): `,
    );
    const again = await readMembers(organization, adminDetectorId, retired, failed, errors);
    read = new Map([...read, ...again]);
  }

  const confirmed = new Set<string>();
  for (const accountId of attempted) {
    if (failed.has(accountId)) continue;
    const member = read.get(accountId);
    if (
      member &&
      evaluateMember(member, requireAgentManagement, undefined, runtimeTarget).evaluation.compliant
    ) {
      confirmed.add(accountId);
    } else {
      failed.set(accountId, 'read back: still not compliant');
    }
  }
  return { batches: [...batches, ...retireBatches], confirmed, failed };
}
