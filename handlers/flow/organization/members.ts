import {
  batchRemediations,
  chunk,
  evaluateMember,
  MEMBER_BATCH_SIZE,
  type MemberBatch,
  type MemberState,
  type MemberVerdict,
  unifiedProtects,
} from '../../core/organization.js';

import { LEGACY_FEATURE, UNIFIED_FEATURE } from '../../core/target.js';

import { ENABLED } from '../../core/types.js';

import { describeError } from '../../errors.js';

import type { OrganizationPort, UnprocessedAccount } from '../../ports.js';

import type { InvocationContext } from '../context.js';

import { settleWithConcurrency } from '../pool.js';

import { MEMBER_CONCURRENCY } from './read.js';
import type { RemediationWork } from './remediate.js';

/** The UpdateMemberDetectors calls of one step, in parallel; unprocessed or rejected accounts become failures. */
export async function sendBatches(
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
export async function readMembers(
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

export function legacyEnabled(member: MemberState): boolean {
  return member.features.some((feature) => feature.name === LEGACY_FEATURE && feature.status === ENABLED);
}

/**
 * One UpdateMemberDetectors per batch of 50 with the same feature entry, then a read-back of what went through. Under
 * RUNTIME_TARGET=unified, the members whose read-back shows RUNTIME_MONITORING protecting and the legacy feature still
 * enabled get the second request (EKS_RUNTIME_MONITORING → DISABLED), then a second read-back.
 */
export async function remediateMembers(
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
