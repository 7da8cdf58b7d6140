import { type AutoEnableTarget, level } from './auto-enable.js';
import { planRemediation, type RemediationPlan } from './decide.js';
import { type Evaluation, evaluate } from './evaluate.js';
import {
  type DetectorFeature,
  type DetectorState,
  EKS_ADDON_MANAGEMENT,
  ENABLED,
  isRuntimeFeature,
  type RequestedChange,
  RUNTIME_FEATURES,
  type RuntimeFeature,
} from './types.js';

/** UpdateMemberDetectors and GetMemberDetectors take at most 50 account ids per call. */
export const MEMBER_BATCH_SIZE = 50;

export interface OrganizationFeature {
  readonly name: string;
  readonly autoEnable: string;
  readonly additionalConfiguration: readonly { readonly name: string; readonly autoEnable: string }[];
}

/** What DescribeOrganizationConfiguration says, reduced to what the decisions need. */
export interface OrganizationConfiguration {
  /** `NEW` | `ALL` | `NONE`; undefined when only the deprecated boolean `autoEnable` is set. */
  readonly autoEnableOrganizationMembers: string | undefined;
  readonly autoEnable: boolean | undefined;
  readonly features: readonly OrganizationFeature[];
}

export interface OrganizationEvaluation {
  readonly compliant: boolean;
  /** The runtime feature whose auto-enable meets the target, or the strongest one listed. */
  readonly generationInUse: RuntimeFeature | undefined;
  readonly problems: readonly string[];
}

/**
 * The organization configuration is compliant when one runtime feature auto-enables at the target level (`ALL` by
 * default: every member, not only new ones) and, when agent management is required, so does its EKS_ADDON_MANAGEMENT.
 */
export function evaluateOrganization(
  configuration: OrganizationConfiguration,
  target: AutoEnableTarget,
  requireAgentManagement: boolean,
): OrganizationEvaluation {
  const runtime = RUNTIME_FEATURES.map((name) =>
    configuration.features.find((feature) => feature.name === name),
  ).filter((feature): feature is OrganizationFeature => feature !== undefined);
  const agentOf = (feature: OrganizationFeature) =>
    feature.additionalConfiguration.find((config) => config.name === EKS_ADDON_MANAGEMENT)?.autoEnable;
  const meets = (feature: OrganizationFeature) =>
    level(feature.autoEnable) >= level(target) &&
    (!requireAgentManagement || level(agentOf(feature)) >= level(target));
  const protecting = runtime.find(meets);
  const strongest = [...runtime].sort((a, b) => level(b.autoEnable) - level(a.autoEnable))[0];
  const inUse = protecting ?? strongest;
  const problems: string[] = [];
  if (!protecting) {
    if (runtime.length === 0) problems.push('the organization configuration lists no runtime feature');
    for (const feature of runtime) {
      problems.push(
        `${feature.name} auto-enable is ${feature.autoEnable}` +
          (requireAgentManagement ? ` (${EKS_ADDON_MANAGEMENT} ${agentOf(feature) ?? 'not listed'})` : '') +
          `; target ${target}`,
      );
    }
  }
  return {
    compliant: protecting !== undefined,
    generationInUse: inUse && isRuntimeFeature(inUse.name) ? inUse.name : undefined,
    problems,
  };
}

export interface OrganizationPlan {
  /** Exactly one runtime feature per request: AWS rejects both. */
  readonly feature: {
    readonly name: RuntimeFeature;
    readonly autoEnable: AutoEnableTarget;
    readonly additionalConfiguration: readonly { readonly name: string; readonly autoEnable: string }[];
  };
  /** UpdateOrganizationConfiguration requires exactly one of these; the current value is sent back unchanged. */
  readonly members: { readonly autoEnableOrganizationMembers: string } | { readonly autoEnable: boolean };
}

/** Restores auto-enable on one generation: the one the change lowered, else the one in use, else RUNTIME_MONITORING. */
export function planOrganization(
  configuration: OrganizationConfiguration,
  evaluation: OrganizationEvaluation,
  target: AutoEnableTarget,
  requireAgentManagement: boolean,
  lowered: RuntimeFeature | undefined,
): OrganizationPlan {
  const name = lowered ?? evaluation.generationInUse ?? 'RUNTIME_MONITORING';
  const current =
    configuration.features.find((feature) => feature.name === name)?.additionalConfiguration ?? [];
  const agentTarget = (status: string | undefined) =>
    requireAgentManagement || status === undefined ? raise(status, target) : status;
  const additionalConfiguration = current.map((config) =>
    config.name === EKS_ADDON_MANAGEMENT
      ? { name: config.name, autoEnable: agentTarget(config.autoEnable) }
      : config,
  );
  if (!current.some((config) => config.name === EKS_ADDON_MANAGEMENT)) {
    additionalConfiguration.unshift({ name: EKS_ADDON_MANAGEMENT, autoEnable: target });
  }
  const members =
    configuration.autoEnableOrganizationMembers !== undefined
      ? { autoEnableOrganizationMembers: configuration.autoEnableOrganizationMembers }
      : { autoEnable: configuration.autoEnable ?? false };
  return { feature: { name, autoEnable: target, additionalConfiguration }, members };
}

/** Never lowers a setting: `ALL` stays `ALL` when the target is `NEW`. */
function raise(current: string | undefined, target: AutoEnableTarget): string {
  return level(current) >= level(target) ? (current ?? target) : target;
}

/** One member account's runtime features, as GetMemberDetectors returns them. */
export interface MemberState {
  readonly accountId: string;
  readonly features: readonly DetectorFeature[];
}

export interface MemberVerdict {
  readonly accountId: string;
  readonly evaluation: Evaluation;
  /** Undefined when compliant. */
  readonly plan: RemediationPlan | undefined;
}

/** Members are evaluated exactly as a standalone detector (the member's detector is enabled while it is associated). */
export function evaluateMember(
  member: MemberState,
  requireAgentManagement: boolean,
  change: RequestedChange | undefined,
): MemberVerdict {
  const state: DetectorState = {
    detectorId: member.accountId,
    status: ENABLED,
    features: member.features,
    tags: {},
  };
  const evaluation = evaluate(state, requireAgentManagement);
  return {
    accountId: member.accountId,
    evaluation,
    plan: evaluation.compliant
      ? undefined
      : planRemediation(state, evaluation, change, requireAgentManagement),
  };
}

export interface MemberBatch {
  readonly feature: NonNullable<RemediationPlan['feature']>;
  readonly accountIds: readonly string[];
}

/**
 * Groups the members to remediate by the exact feature entry they need, in batches of at most 50 accounts: one
 * UpdateMemberDetectors call per batch, one runtime feature per call.
 */
export function batchRemediations(verdicts: readonly MemberVerdict[]): MemberBatch[] {
  const groups = new Map<
    string,
    { feature: NonNullable<RemediationPlan['feature']>; accountIds: string[] }
  >();
  for (const verdict of verdicts) {
    const feature = verdict.plan?.feature;
    if (!feature) continue;
    const key = JSON.stringify(feature);
    const group = groups.get(key) ?? { feature, accountIds: [] };
    group.accountIds.push(verdict.accountId);
    groups.set(key, group);
  }
  return [...groups.values()].flatMap((group) =>
    chunk(group.accountIds, MEMBER_BATCH_SIZE).map((accountIds) => ({ feature: group.feature, accountIds })),
  );
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

/** Severity of an organization digest grows with the share of accounts that lost protection. */
export function digestSeverity(affected: number, evaluated: number, failed: number): 'critical' | 'high' {
  if (failed > 0) return 'critical';
  return affected >= 10 || (evaluated > 0 && affected / evaluated >= 0.1) ? 'critical' : 'high';
}
