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
 * Compliance as Security Hub GuardDuty.7 means it: the detector is enabled and one runtime feature (either
 * generation) is enabled with, when required, EKS add-on management enabled on that same feature.
 */
export function evaluate(state: DetectorState, requireAgentManagement: boolean): Evaluation {
  const runtimeFeatures: RuntimeFeatureView[] = [];
  for (const name of RUNTIME_FEATURES) {
    const feature = findFeature(state, name);
    if (feature)
      runtimeFeatures.push({ name, status: feature.status, agentManagement: agentManagementOf(feature) });
  }
  const detectorEnabled = state.status === ENABLED;
  const enabled = runtimeFeatures.filter((view) => view.status === ENABLED);
  const protecting = enabled.find((view) => !requireAgentManagement || view.agentManagement === 'ENABLED');
  const inUse = protecting ?? enabled[0];

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
  } else if (protecting === undefined && inUse) {
    problems.push(`${inUse.name} is enabled but ${EKS_ADDON_MANAGEMENT} is ${inUse.agentManagement}`);
  }

  return {
    compliant: detectorEnabled && protecting !== undefined,
    detectorEnabled,
    generationInUse: inUse?.name,
    agentManagement: inUse?.agentManagement,
    runtimeFeatures,
    problems,
  };
}
