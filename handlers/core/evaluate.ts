import {
  acceptedGenerations,
  type ControlVerdicts,
  controlVerdicts,
  DEFAULT_RUNTIME_TARGET,
  LEGACY_FEATURE,
  type RuntimeTarget,
  UNIFIED_FEATURE,
} from './target.js';
import {
  type DetectorFeature,
  type DetectorState,
  DISABLED,
  EKS_ADDON_MANAGEMENT,
  ENABLED,
  RUNTIME_FEATURES,
  type RuntimeFeature,
} from './types.js';

/** Status of EKS agent management on a runtime feature; `MISSING` when GetDetector does not list it. */
export type AgentManagement = 'ENABLED' | 'DISABLED' | 'MISSING';

export interface RuntimeFeatureView {
  readonly name: RuntimeFeature;
  readonly status: string;
  readonly agentManagement: AgentManagement;
}

export interface Evaluation {
  readonly compliant: boolean;
  readonly detectorEnabled: boolean;
  /** The runtime feature that protects the detector (or comes closest to it); undefined when none is enabled. */
  readonly generationInUse: RuntimeFeature | undefined;
  readonly agentManagement: AgentManagement | undefined;
  /** The runtime features GetDetector lists, in preference order. */
  readonly runtimeFeatures: readonly RuntimeFeatureView[];
  /** Why the detector is not compliant, one readable line each; empty when compliant. */
  readonly problems: readonly string[];
  /** The RUNTIME_TARGET the verdict was reached under. */
  readonly target: RuntimeTarget;
  /** Whether either generation protects the detector (the `any` rule), whatever the target. */
  readonly protectedByEither: boolean;
  /** Both generations are ENABLED: EKS_RUNTIME_MONITORING keeps billing next to RUNTIME_MONITORING until disabled. */
  readonly bothEnabled: boolean;
  /** What Security Hub's GuardDuty.7 and GuardDuty.11 say of this state (independent of the responder's settings). */
  readonly controls: ControlVerdicts;
}

export function findFeature(state: DetectorState, name: string): DetectorFeature | undefined {
  return state.features.find((feature) => feature.name === name);
}

function agentManagementOf(feature: DetectorFeature): AgentManagement {
  const entry = feature.additionalConfiguration.find((config) => config.name === EKS_ADDON_MANAGEMENT);
  if (entry === undefined) return 'MISSING';
  return entry.status === ENABLED ? 'ENABLED' : 'DISABLED';
}

/**
 * Compliance under a RUNTIME_TARGET. `any` (GuardDuty.7's rule): the detector is enabled and one runtime feature
 * (either generation) is enabled with, when required, EKS add-on management enabled on that same feature. `unified`
 * (GuardDuty.7 and GuardDuty.11): the same, but only RUNTIME_MONITORING counts.
 */
export function evaluate(
  state: DetectorState,
  requireAgentManagement: boolean,
  target: RuntimeTarget = DEFAULT_RUNTIME_TARGET,
): Evaluation {
  const runtimeFeatures: RuntimeFeatureView[] = [];
  for (const name of RUNTIME_FEATURES) {
    const feature = findFeature(state, name);
    if (feature)
      runtimeFeatures.push({ name, status: feature.status, agentManagement: agentManagementOf(feature) });
  }
  const detectorEnabled = state.status === ENABLED;
  const enabled = runtimeFeatures.filter((view) => view.status === ENABLED);
  const meets = (view: RuntimeFeatureView) => !requireAgentManagement || view.agentManagement === 'ENABLED';
  const protectingEither = enabled.find(meets);
  const accepted = acceptedGenerations(target);
  const protecting = enabled.find((view) => accepted.includes(view.name) && meets(view));
  // The generation in use is a fact of the detector, reported under either target.
  const inUse = protectingEither ?? enabled[0];

  const problems: string[] = [];
  if (!detectorEnabled) problems.push(`detector is suspended (status ${state.status})`);
  if (runtimeFeatures.length === 0) {
    problems.push('GetDetector lists neither RUNTIME_MONITORING nor EKS_RUNTIME_MONITORING');
  } else if (enabled.length === 0) {
    problems.push(
      runtimeFeatures
        .map((view) => `${view.name} is ${view.status === DISABLED ? DISABLED : view.status}`)
        .join('; '),
    );
  } else if (protecting === undefined) {
    const unified = enabled.find((view) => view.name === UNIFIED_FEATURE);
    if (target === 'unified' && unified === undefined) {
      problems.push(
        `RUNTIME_TARGET=unified: only ${LEGACY_FEATURE} is enabled, and RUNTIME_MONITORING is ` +
          `${runtimeFeatures.find((view) => view.name === UNIFIED_FEATURE)?.status ?? 'not listed'} ` +
          '(fails Security Hub GuardDuty.11)',
      );
    } else {
      const closest = target === 'unified' ? unified : inUse;
      if (closest)
        problems.push(`${closest.name} is enabled but ${EKS_ADDON_MANAGEMENT} is ${closest.agentManagement}`);
    }
  }

  return {
    compliant: detectorEnabled && protecting !== undefined,
    detectorEnabled,
    generationInUse: inUse?.name,
    agentManagement: inUse?.agentManagement,
    runtimeFeatures,
    problems,
    target,
    protectedByEither: detectorEnabled && protectingEither !== undefined,
    bothEnabled:
      enabled.some((view) => view.name === UNIFIED_FEATURE) &&
      enabled.some((view) => view.name === LEGACY_FEATURE),
    controls: controlVerdicts(state),
  };
}
