/**
 * The two generations of EKS runtime monitoring and the two Security Hub controls that judge them (see
 * docs/generations.md). Pure: no SDK.
 *
 * - GuardDuty.7 (Config rule GUARDDUTY_EKS_PROTECTION_RUNTIME_ENABLED): "EKS Runtime Monitoring with automated agent
 *   management". Counted here for either generation with EKS_ADDON_MANAGEMENT ENABLED (AWS does not say whether the
 *   unified feature satisfies it; Prowler counts either).
 * - GuardDuty.11 (Config rule GUARDDUTY_RUNTIME_MONITORING_ENABLED): "Runtime Monitoring is enabled", i.e. the
 *   unified RUNTIME_MONITORING feature; the legacy feature alone fails it.
 */
import { DEFAULTS, RUNTIME_TARGETS, type RuntimeTarget } from '../contract.js';
import {
  type AdditionalConfiguration,
  type DetectorState,
  EKS_ADDON_MANAGEMENT,
  ENABLED,
  type RuntimeFeature,
} from './types.js';

export { RUNTIME_TARGETS, type RuntimeTarget };
export const DEFAULT_RUNTIME_TARGET: RuntimeTarget = DEFAULTS.runtimeTarget;

/** The unified generation (EKS, ECS on Fargate, EC2) and the legacy, EKS-only one. */
export const UNIFIED_FEATURE: RuntimeFeature = 'RUNTIME_MONITORING';
export const LEGACY_FEATURE: RuntimeFeature = 'EKS_RUNTIME_MONITORING';

export const SECURITY_HUB_CONTROLS = ['GuardDuty.7', 'GuardDuty.11'] as const;
export type SecurityHubControl = (typeof SECURITY_HUB_CONTROLS)[number];
export type ControlVerdict = 'PASSED' | 'FAILED';
export type ControlVerdicts = Readonly<Record<SecurityHubControl, ControlVerdict>>;

/** The generations a target accepts as protection, in preference order. */
export function acceptedGenerations(target: RuntimeTarget): readonly RuntimeFeature[] {
  return target === 'unified' ? [UNIFIED_FEATURE] : [UNIFIED_FEATURE, LEGACY_FEATURE];
}

function featureOf(state: DetectorState, name: string) {
  return state.features.find((feature) => feature.name === name);
}

function agentManaged(configs: readonly AdditionalConfiguration[]): boolean {
  return configs.some((config) => config.name === EKS_ADDON_MANAGEMENT && config.status === ENABLED);
}

/**
 * What Security Hub would say of this detector, whatever the responder is configured to require: both controls fail
 * on a suspended detector (no feature protects anything then).
 */
export function controlVerdicts(state: DetectorState): ControlVerdicts {
  const enabled = state.status === ENABLED;
  const unified = featureOf(state, UNIFIED_FEATURE);
  const legacy = featureOf(state, LEGACY_FEATURE);
  const withAgent = [unified, legacy].some(
    (feature) =>
      feature !== undefined && feature.status === ENABLED && agentManaged(feature.additionalConfiguration),
  );
  const verdict = (passed: boolean): ControlVerdict => (passed ? 'PASSED' : 'FAILED');
  return {
    'GuardDuty.7': verdict(enabled && withAgent),
    'GuardDuty.11': verdict(enabled && unified?.status === ENABLED),
  };
}

function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * The AWS CLI call that disables the legacy generation and nothing else: its additional configurations are sent back
 * as they are (the EKS add-on that RUNTIME_MONITORING's agent management also uses is not touched).
 */
export function disableLegacyCommand(
  detectorId: string,
  region: string,
  additionalConfiguration: readonly AdditionalConfiguration[],
): string {
  const features = JSON.stringify([
    {
      Name: LEGACY_FEATURE,
      Status: 'DISABLED',
      AdditionalConfiguration: additionalConfiguration.map((config) => ({
        Name: config.name,
        Status: config.status,
      })),
    },
  ]);
  return [
    'aws',
    'guardduty',
    'update-detector',
    '--detector-id',
    detectorId,
    '--features',
    features,
    '--region',
    region,
  ]
    .map(shellQuote)
    .join(' ');
}
