import { EXEMPTION_TAGS } from './exemption.js';
import {
  DISABLED,
  EKS_ADDON_MANAGEMENT,
  ENABLED,
  isRuntimeFeature,
  type RequestedChange,
  type RuntimeFeature,
} from './types.js';

/** The parts of a detector API call's `requestParameters` (CloudTrail wire names, camelCase) that matter here. */
export interface DetectorRequest {
  readonly enable?: boolean | undefined;
  readonly features?:
    | readonly {
        readonly name: string;
        readonly status?: string | undefined;
        /** UpdateOrganizationConfiguration: NEW | ALL | NONE. */
        readonly autoEnable?: string | undefined;
        readonly additionalConfiguration?:
          | readonly {
              readonly name: string;
              readonly status?: string | undefined;
              readonly autoEnable?: string | undefined;
            }[]
          | undefined;
      }[]
    | undefined;
  /** TagResource / UntagResource. */
  readonly tags?: Readonly<Record<string, string>> | undefined;
  readonly tagKeys?: readonly string[] | undefined;
}

/** Reads what a detector, member or organization-configuration request asked for. */
export function describeChange(eventName: string, request: DetectorRequest | undefined): RequestedChange {
  const deletesDetector = eventName === 'DeleteDetector';
  const suspendsDetector = eventName === 'UpdateDetector' && request?.enable === false;
  const resumesDetector = request?.enable === true;
  const disabledFeatures: RuntimeFeature[] = [];
  const enabledFeatures: RuntimeFeature[] = [];
  const disabledAgentManagement: RuntimeFeature[] = [];
  const summary: string[] = [];
  if (deletesDetector) summary.push('detector deleted');
  if (suspendsDetector) summary.push('detector suspended (enable: false)');
  if (resumesDetector && eventName === 'UpdateDetector') summary.push('detector resumed (enable: true)');
  // Only the exemption tags matter here; the others are the owner's business.
  for (const [key, value] of Object.entries(request?.tags ?? {})) {
    if ((EXEMPTION_TAGS as readonly string[]).includes(key)) summary.push(`tag ${key} → ${value}`);
  }
  for (const key of request?.tagKeys ?? []) {
    if ((EXEMPTION_TAGS as readonly string[]).includes(key)) summary.push(`tag ${key} removed`);
  }

  for (const feature of request?.features ?? []) {
    if (!isRuntimeFeature(feature.name)) continue;
    if (feature.status === DISABLED) disabledFeatures.push(feature.name);
    if (feature.status === ENABLED) enabledFeatures.push(feature.name);
    if (feature.status) summary.push(`${feature.name} → ${feature.status}`);
    if (feature.autoEnable) summary.push(`${feature.name} auto-enable → ${feature.autoEnable}`);
    const agent = feature.additionalConfiguration?.find((config) => config.name === EKS_ADDON_MANAGEMENT);
    if (agent?.status === DISABLED) disabledAgentManagement.push(feature.name);
    if (agent?.status) summary.push(`${feature.name}.${EKS_ADDON_MANAGEMENT} → ${agent.status}`);
    if (agent?.autoEnable)
      summary.push(`${feature.name}.${EKS_ADDON_MANAGEMENT} auto-enable → ${agent.autoEnable}`);
  }
  return {
    suspendsDetector,
    resumesDetector,
    deletesDetector,
    disabledFeatures,
    disabledAgentManagement,
    enabledFeatures,
    summary,
  };
}

/** Whether the request, had it succeeded, would have reduced EKS runtime protection. */
export function reducesProtection(change: RequestedChange, requireAgentManagement: boolean): boolean {
  return (
    change.deletesDetector ||
    change.suspendsDetector ||
    change.disabledFeatures.length > 0 ||
    (requireAgentManagement && change.disabledAgentManagement.length > 0)
  );
}
