import { RESPONDER_USER_AGENT } from '../contract.js';
import { type Evaluation, findFeature } from './evaluate.js';
import type { Exemption } from './exemption.js';
import { acceptedGenerations, LEGACY_FEATURE, UNIFIED_FEATURE } from './target.js';
import {
  type AdditionalConfiguration,
  type DetectorState,
  EKS_ADDON_MANAGEMENT,
  ENABLED,
  type RequestedChange,
  type ResponderMode,
  RUNTIME_FEATURES,
  type RuntimeFeature,
} from './types.js';

export { RESPONDER_USER_AGENT };

/** One runtime feature entry of an UpdateDetector (or UpdateMemberDetectors) request, with its full configuration list. */
export interface FeatureRequest {
  readonly name: RuntimeFeature;
  readonly status: 'ENABLED' | 'DISABLED';
  readonly additionalConfiguration: readonly AdditionalConfiguration[];
}

/**
 * One UpdateDetector request that restores protection: at most one runtime feature, never both. Under
 * RUNTIME_TARGET=unified it may carry a second request, `retire`, sent only after a read-back confirms this one.
 */
export interface RemediationPlan {
  readonly detectorId: string;
  readonly resumeDetector: boolean;
  readonly generation: RuntimeFeature;
  /** The feature entry to send, with its full additionalConfiguration list; undefined when only a resume is needed. */
  readonly feature: FeatureRequest | undefined;
  /**
   * RUNTIME_TARGET=unified, the legacy generation enabled: the second UpdateDetector, `EKS_RUNTIME_MONITORING` →
   * DISABLED, sent only once RUNTIME_MONITORING reads back protecting (so protection never has a gap).
   */
  readonly retire?: RemediationPlan | undefined;
}

export type Decision =
  | { readonly outcome: 'compliant' }
  /**
   * Compliant, but both generations are enabled and billing. `retire` (RUNTIME_TARGET=unified, remediate mode, no
   * active exemption) disables the legacy one; otherwise the responder only reports it, once a day.
   */
  | { readonly outcome: 'cost-warning'; readonly retire: RemediationPlan | undefined }
  | { readonly outcome: 'remediate'; readonly plan: RemediationPlan }
  | { readonly outcome: 'would-remediate'; readonly plan: RemediationPlan }
  | { readonly outcome: 'exempt'; readonly plan: RemediationPlan }
  | { readonly outcome: 'circuit-open'; readonly plan: RemediationPlan; readonly recentRemediations: number }
  | { readonly outcome: 'detector-deleted' }
  | { readonly outcome: 'disable-denied' }
  | { readonly outcome: 'ignored'; readonly reason: string };

export type Outcome = Decision['outcome'];

export { isOwnChange, type ResponderIdentity, type Triage, triage } from './triage.js';

export interface DecisionContext {
  /** Undefined when GetDetector says the detector does not exist. */
  readonly state: DetectorState | undefined;
  readonly evaluation: Evaluation | undefined;
  readonly exemption: Exemption;
  readonly mode: ResponderMode;
  readonly requireAgentManagement: boolean;
  /** What the triggering request changed; undefined for the sweep. */
  readonly change: RequestedChange | undefined;
}

/** The outcome for one detector, from its real state. The circuit breaker is applied after, by `applyCircuitBreaker`. */
export function decide(context: DecisionContext): Decision {
  const { state, evaluation } = context;
  if (state === undefined || evaluation === undefined) return { outcome: 'detector-deleted' };
  if (evaluation.compliant) {
    if (!evaluation.bothEnabled) return { outcome: 'compliant' };
    const retires =
      evaluation.target === 'unified' &&
      context.mode === 'remediate' &&
      context.exemption.status !== 'active';
    return { outcome: 'cost-warning', retire: retires ? planRetire(state) : undefined };
  }
  const plan = planRemediation(state, evaluation, context.change, context.requireAgentManagement);
  if (context.exemption.status === 'active') return { outcome: 'exempt', plan };
  if (context.mode === 'notify') return { outcome: 'would-remediate', plan };
  return { outcome: 'remediate', plan };
}

/** Stops remediating a detector that has been remediated `max` times within the window: someone keeps undoing it. */
export function applyCircuitBreaker(decision: Decision, recentRemediations: number, max: number): Decision {
  if (decision.outcome !== 'remediate' || recentRemediations < max) return decision;
  return { outcome: 'circuit-open', plan: decision.plan, recentRemediations };
}

/**
 * Which generation to restore: the one an operator asked for, else the one the drift turned off, else the one already
 * enabled but incomplete, else the one listed (RUNTIME_MONITORING first), else RUNTIME_MONITORING.
 */
export function chooseGeneration(
  state: DetectorState,
  evaluation: Evaluation,
  change: RequestedChange | undefined,
  preferred?: RuntimeFeature,
): RuntimeFeature {
  if (preferred) return preferred;
  const turnedOff = change?.disabledFeatures[0] ?? change?.disabledAgentManagement[0];
  if (turnedOff) return turnedOff;
  if (evaluation.generationInUse) return evaluation.generationInUse;
  return RUNTIME_FEATURES.find((name) => findFeature(state, name) !== undefined) ?? 'RUNTIME_MONITORING';
}

/**
 * The requests that restore protection. Under `any`: one UpdateDetector for one generation (see chooseGeneration).
 * Under `unified`: RUNTIME_MONITORING always, and when the legacy generation is enabled, a second request (`retire`)
 * that disables it once the first reads back.
 */
export function planRemediation(
  state: DetectorState,
  evaluation: Evaluation,
  change: RequestedChange | undefined,
  requireAgentManagement: boolean,
  preferred?: RuntimeFeature,
): RemediationPlan {
  const unified = evaluation.target === 'unified';
  const resumeDetector = !evaluation.detectorEnabled;
  const featuresOk =
    evaluation.compliant || (resumeDetector && isProtecting(evaluation, requireAgentManagement));
  const generation = unified ? UNIFIED_FEATURE : chooseGeneration(state, evaluation, change, preferred);
  const retire = unified ? planRetire(state) : undefined;
  const extra = retire ? { retire } : {};
  if (featuresOk)
    return { detectorId: state.detectorId, resumeDetector, generation, feature: undefined, ...extra };

  const current = findFeature(state, generation)?.additionalConfiguration ?? [];
  // A migration carries the team's agent choice over from the legacy feature when the new one has none yet.
  const legacyAgent = unified
    ? findFeature(state, LEGACY_FEATURE)?.additionalConfiguration.find(
        (config) => config.name === EKS_ADDON_MANAGEMENT,
      )?.status
    : undefined;
  const currentAgent = current.find((config) => config.name === EKS_ADDON_MANAGEMENT)?.status ?? legacyAgent;
  // Without the strict setting, a team that runs the agent itself keeps agent management off.
  const agentStatus = requireAgentManagement ? ENABLED : (currentAgent ?? ENABLED);
  const additionalConfiguration = current.map((config) =>
    config.name === EKS_ADDON_MANAGEMENT
      ? { name: config.name, status: agentStatus }
      : { name: config.name, status: config.status },
  );
  if (!current.some((config) => config.name === EKS_ADDON_MANAGEMENT))
    additionalConfiguration.unshift({ name: EKS_ADDON_MANAGEMENT, status: agentStatus });
  return {
    detectorId: state.detectorId,
    resumeDetector,
    generation,
    feature: { name: generation, status: ENABLED, additionalConfiguration },
    ...extra,
  };
}

/**
 * The request that disables the legacy generation when it is enabled (undefined otherwise): the feature alone, its
 * additional configurations sent back as they are, so the EKS add-on that RUNTIME_MONITORING's agent management
 * also uses is left alone. Only ever sent after RUNTIME_MONITORING reads back protecting.
 */
export function planRetire(state: DetectorState): RemediationPlan | undefined {
  const legacy = findFeature(state, LEGACY_FEATURE);
  if (legacy?.status !== ENABLED) return undefined;
  return {
    detectorId: state.detectorId,
    resumeDetector: false,
    generation: LEGACY_FEATURE,
    feature: {
      name: LEGACY_FEATURE,
      status: 'DISABLED',
      additionalConfiguration: legacy.additionalConfiguration.map((config) => ({
        name: config.name,
        status: config.status,
      })),
    },
  };
}

/** True when a runtime feature alone would protect the detector, i.e. only the detector's suspension is wrong. */
function isProtecting(evaluation: Evaluation, requireAgentManagement: boolean): boolean {
  const accepted = acceptedGenerations(evaluation.target);
  return evaluation.runtimeFeatures.some(
    (view) =>
      accepted.includes(view.name) &&
      view.status === ENABLED &&
      (!requireAgentManagement || view.agentManagement === 'ENABLED'),
  );
}

/** A short, stable description of a non-compliant state, so a sweep pages once per distinct drift. */
export function driftFingerprint(
  state: DetectorState | undefined,
  evaluation: Evaluation | undefined,
): string {
  if (state === undefined || evaluation === undefined) return 'missing';
  const features = evaluation.runtimeFeatures.map(
    (view) => `${view.name}=${view.status}/${view.agentManagement}`,
  );
  // A cost warning is its own case: it never joins, or is joined by, a drift of the same detector.
  const kind = evaluation.compliant && evaluation.bothEnabled ? ['cost-warning'] : [];
  return [...kind, state.status, ...features].join(',');
}
