import {
  EKS_ADDON_MANAGEMENT,
  isRuntimeFeature,
  type OrganizationFeatureRequest,
  type RuntimeFeature,
} from './types.js';

/** Organization auto-enable settings, weakest first. */
export const AUTO_ENABLE_LEVELS = ['NONE', 'NEW', 'ALL'] as const;
export type AutoEnableTarget = 'NEW' | 'ALL';

/** Position of an auto-enable value, weakest first; unknown values rank below NONE. */
export function level(value: string | undefined): number {
  return AUTO_ENABLE_LEVELS.indexOf((value ?? 'NONE') as (typeof AUTO_ENABLE_LEVELS)[number]);
}

/**
 * Which runtime feature an UpdateOrganizationConfiguration request lowered below the target (the feature itself, or,
 * when agent management is required, its EKS_ADDON_MANAGEMENT), if any.
 */
export function loweredFeature(
  features: readonly OrganizationFeatureRequest[] | undefined,
  target: AutoEnableTarget,
  requireAgentManagement: boolean,
): RuntimeFeature | undefined {
  const below = (value: string | undefined) => value !== undefined && level(value) < level(target);
  for (const feature of features ?? []) {
    if (!isRuntimeFeature(feature.name)) continue;
    const agent = feature.additionalConfiguration?.find((config) => config.name === EKS_ADDON_MANAGEMENT);
    if (below(feature.autoEnable) || (requireAgentManagement && below(agent?.autoEnable)))
      return feature.name;
  }
  return undefined;
}
