import { type AutoEnableTarget, level } from './auto-enable.js';
import { type FeatureRequest, planRemediation, type RemediationPlan } from './decide.js';
import { type Evaluation, evaluate } from './evaluate.js';
import {
  acceptedGenerations,
  DEFAULT_RUNTIME_TARGET,
  LEGACY_FEATURE,
  type RuntimeTarget,
  UNIFIED_FEATURE,
} from './target.js';
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
  /** The RUNTIME_TARGET the verdict was reached under. */
  readonly runtimeTarget: RuntimeTarget;
  /** Whether RUNTIME_MONITORING (and its agent management, when required) auto-enables at the target level. */
  readonly unifiedMeets: boolean;
  /** Whether EKS_RUNTIME_MONITORING still auto-enables (NEW or ALL): members then get, and pay for, it too. */
  readonly legacyAutoEnabled: boolean;
  /** Whether accounts of the organization become GuardDuty members on their own at the target level. */
  readonly membersMeet: boolean;
}

/**
 * How accounts of the organization become members: `autoEnableOrganizationMembers`, else the deprecated boolean
 * `autoEnable` (true: new accounts), else unknown.
 */
export function memberAutoEnable(configuration: OrganizationConfiguration): string | undefined {
  if (configuration.autoEnableOrganizationMembers !== undefined)
    return configuration.autoEnableOrganizationMembers;
  if (configuration.autoEnable === undefined) return undefined;
  return configuration.autoEnable ? 'NEW' : 'NONE';
}

/**
 * The organization configuration is compliant when one runtime feature auto-enables at the target level (`ALL` by
 * default: every member, not only new ones) and, when agent management is required, so does its EKS_ADDON_MANAGEMENT;
 * and when the organization's accounts become members at that level too (`autoEnableOrganizationMembers`): lowered
 * to `NONE`, an account that joins the organization never becomes a member, so no sweep ever sees it, and below `ALL`
 * GuardDuty no longer refuses to disassociate or stop monitoring a member. Under RUNTIME_TARGET=unified only
 * RUNTIME_MONITORING counts, and the legacy feature must no longer auto-enable.
 */
export function evaluateOrganization(
  configuration: OrganizationConfiguration,
  target: AutoEnableTarget,
  requireAgentManagement: boolean,
  runtimeTarget: RuntimeTarget = DEFAULT_RUNTIME_TARGET,
): OrganizationEvaluation {
  const runtime = RUNTIME_FEATURES.map((name) =>
    configuration.features.find((feature) => feature.name === name),
  ).filter((feature): feature is OrganizationFeature => feature !== undefined);
  const agentOf = (feature: OrganizationFeature) =>
    feature.additionalConfiguration.find((config) => config.name === EKS_ADDON_MANAGEMENT)?.autoEnable;
  const meets = (feature: OrganizationFeature) =>
    level(feature.autoEnable) >= level(target) &&
    (!requireAgentManagement || level(agentOf(feature)) >= level(target));
  const accepted = acceptedGenerations(runtimeTarget);
  const protecting = runtime.find(
    (feature) => meets(feature) && isRuntimeFeature(feature.name) && accepted.includes(feature.name),
  );
  const unified = runtime.find((feature) => feature.name === UNIFIED_FEATURE);
  const legacy = runtime.find((feature) => feature.name === LEGACY_FEATURE);
  const legacyAutoEnabled = legacy !== undefined && level(legacy.autoEnable) > level('NONE');
  const retireNeeded = runtimeTarget === 'unified' && protecting !== undefined && legacyAutoEnabled;
  const strongest = [...runtime].sort((a, b) => level(b.autoEnable) - level(a.autoEnable))[0];
  const inUse = runtime.find(meets) ?? strongest;
  const problems: string[] = [];
  if (retireNeeded) {
    problems.push(
      `${LEGACY_FEATURE} auto-enable is ${legacy?.autoEnable} next to ${UNIFIED_FEATURE} (RUNTIME_TARGET=unified): ` +
        'accounts would get, and pay for, both generations',
    );
  }
  if (!protecting) {
    if (runtimeTarget === 'unified' && unified === undefined && runtime.length > 0)
      problems.push(
        `RUNTIME_TARGET=unified: the organization configuration does not list ${UNIFIED_FEATURE}`,
      );
    if (runtime.length === 0) problems.push('the organization configuration lists no runtime feature');
    for (const feature of runtime) {
      problems.push(
        `${feature.name} auto-enable is ${feature.autoEnable}` +
          (requireAgentManagement ? ` (${EKS_ADDON_MANAGEMENT} ${agentOf(feature) ?? 'not listed'})` : '') +
          `; target ${target}`,
      );
    }
  }
  const members = memberAutoEnable(configuration);
  // Unknown (neither field listed) is not read as lowered: a missing entry means unknown, never disabled.
  const membersMeet = members === undefined || level(members) >= level(target);
  if (!membersMeet) {
    problems.push(
      `autoEnableOrganizationMembers is ${members}; target ${target}: accounts that join the organization ` +
        (level(members) === level('NONE')
          ? 'do not become GuardDuty members'
          : 'are enrolled, existing ones are not'),
    );
  }
  return {
    compliant: protecting !== undefined && !retireNeeded && membersMeet,
    generationInUse: inUse && isRuntimeFeature(inUse.name) ? inUse.name : undefined,
    problems,
    runtimeTarget,
    unifiedMeets: unified !== undefined && meets(unified),
    legacyAutoEnabled,
    membersMeet,
  };
}

export interface OrganizationPlan {
  /** Exactly one runtime feature per request: AWS rejects both. */
  readonly feature: {
    readonly name: RuntimeFeature;
    /** The target level, or (a retire) `NONE`; never lower than the feature's current level otherwise. */
    readonly autoEnable: string;
    readonly additionalConfiguration: readonly { readonly name: string; readonly autoEnable: string }[];
  };
  /** UpdateOrganizationConfiguration requires exactly one of these: the current value, raised to the target if below. */
  readonly members: { readonly autoEnableOrganizationMembers: string } | { readonly autoEnable: boolean };
  /**
   * RUNTIME_TARGET=unified with the legacy feature still auto-enabled: a second request, EKS_RUNTIME_MONITORING
   * auto-enable → NONE, sent only once RUNTIME_MONITORING reads back at the target level. (NONE does not disable
   * the feature on existing members: their detectors are migrated one by one.)
   */
  readonly retire?: OrganizationPlan | undefined;
}

/**
 * Restores auto-enable on one generation: the one the change lowered, else the one in use, else RUNTIME_MONITORING;
 * under RUNTIME_TARGET=unified always RUNTIME_MONITORING, then (`retire`) the legacy feature's auto-enable off.
 */
export function planOrganization(
  configuration: OrganizationConfiguration,
  evaluation: OrganizationEvaluation,
  target: AutoEnableTarget,
  requireAgentManagement: boolean,
  lowered: RuntimeFeature | undefined,
): OrganizationPlan {
  const unified = evaluation.runtimeTarget === 'unified';
  const name = unified ? UNIFIED_FEATURE : (lowered ?? evaluation.generationInUse ?? UNIFIED_FEATURE);
  const currentFeature = configuration.features.find((feature) => feature.name === name);
  const current = currentFeature?.additionalConfiguration ?? [];
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
  // Sent back unchanged when it meets the target, raised to it when it does not (never lowered).
  const memberLevel = memberAutoEnable(configuration);
  const members =
    evaluation.membersMeet && configuration.autoEnableOrganizationMembers === undefined
      ? { autoEnable: configuration.autoEnable ?? false }
      : { autoEnableOrganizationMembers: evaluation.membersMeet ? (memberLevel ?? target) : target };
  const legacy = configuration.features.find((feature) => feature.name === LEGACY_FEATURE);
  const retire: OrganizationPlan | undefined =
    unified && legacy !== undefined && level(legacy.autoEnable) > level('NONE')
      ? {
          feature: {
            name: LEGACY_FEATURE,
            autoEnable: 'NONE',
            additionalConfiguration: legacy.additionalConfiguration.map((config) => ({ ...config })),
          },
          members,
        }
      : undefined;
  return {
    feature: { name, autoEnable: raise(currentFeature?.autoEnable, target), additionalConfiguration },
    members,
    ...(retire ? { retire } : {}),
  };
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

function memberDetector(member: MemberState): DetectorState {
  return { detectorId: member.accountId, status: ENABLED, features: member.features, tags: {} };
}

/**
 * Members are evaluated exactly as a standalone detector (the member's detector is enabled while it is associated).
 * Under RUNTIME_TARGET=unified a member that also keeps the legacy generation is a drift here (the digest lists it and
 * the responder disables the legacy feature): the organization path has no separate cost warning.
 */
export function evaluateMember(
  member: MemberState,
  requireAgentManagement: boolean,
  change: RequestedChange | undefined,
  runtimeTarget: RuntimeTarget = DEFAULT_RUNTIME_TARGET,
): MemberVerdict {
  const state = memberDetector(member);
  const evaluated = evaluate(state, requireAgentManagement, runtimeTarget);
  const redundant = runtimeTarget === 'unified' && evaluated.compliant && evaluated.bothEnabled;
  const evaluation: Evaluation = redundant
    ? {
        ...evaluated,
        compliant: false,
        problems: [
          `${LEGACY_FEATURE} is still enabled next to ${UNIFIED_FEATURE} (RUNTIME_TARGET=unified): both generations bill`,
        ],
      }
    : evaluated;
  return {
    accountId: member.accountId,
    evaluation,
    plan: evaluation.compliant
      ? undefined
      : planRemediation(state, evaluated, change, requireAgentManagement),
  };
}

/** Whether RUNTIME_MONITORING protects the member (the first step of a migration worked), legacy or not. */
export function unifiedProtects(member: MemberState, requireAgentManagement: boolean): boolean {
  return evaluate(memberDetector(member), requireAgentManagement, 'unified').compliant;
}

export interface MemberBatch {
  readonly feature: FeatureRequest;
  readonly accountIds: readonly string[];
}

/**
 * Groups the members to remediate by the exact feature entry they need, in batches of at most 50 accounts: one
 * UpdateMemberDetectors call per batch, one runtime feature per call. `step` picks the first request of each plan,
 * or its second (`retire`: the legacy generation's disable under RUNTIME_TARGET=unified).
 */
export function batchRemediations(
  verdicts: readonly MemberVerdict[],
  step: 'first' | 'retire' = 'first',
): MemberBatch[] {
  const groups = new Map<string, { feature: FeatureRequest; accountIds: string[] }>();
  for (const verdict of verdicts) {
    const feature = step === 'first' ? verdict.plan?.feature : verdict.plan?.retire?.feature;
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
