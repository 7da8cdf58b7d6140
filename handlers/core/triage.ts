/**
 * What to do with an API-call event before reading any state (no AWS call): another Region or account, a call that
 * cannot touch runtime monitoring, the responder's own re-enable, a denied attempt, the organization path, a change
 * of the exemption tags. Pure, like the rest of core/.
 */
import { RESPONDER_USER_AGENT } from '../contract.js';
import { type AutoEnableTarget, loweredFeature } from './auto-enable.js';
import { reducesProtection } from './change.js';
import { EXEMPTION_TAGS } from './exemption.js';
import { type LossKind, lossKindOf } from './organization-loss.js';
import { DEFAULT_RUNTIME_TARGET, LEGACY_FEATURE, type RuntimeTarget } from './target.js';
import {
  type ApiCallInput,
  ORGANIZATION_API_CALLS,
  type ResponderScope,
  SUPPORTED_API_CALLS,
  TAG_API_CALLS,
} from './types.js';

/** Who the responder is, to recognise events it caused and events meant for another stack. */
export interface ResponderIdentity {
  readonly region: string;
  readonly accountId: string | undefined;
  readonly functionName: string | undefined;
  /** The function's execution role; without it the responder recognises none of its own changes. */
  readonly roleArn: string | undefined;
}

export type Triage =
  | { readonly action: 'ignore'; readonly reason: string }
  | { readonly action: 'report-denied' }
  | { readonly action: 'evaluate'; readonly detectorId: string }
  /** Organization scope: UpdateMemberDetectors or UpdateOrganizationConfiguration, for the organization path. */
  | { readonly action: 'organization' }
  /** TagResource / UntagResource set or removed the exemption tags of this account's detector. */
  | { readonly action: 'exemption-change'; readonly detectorId: string }
  /**
   * A call that takes members (or their monitoring, or the administrator) away from the organization's GuardDuty,
   * or this account leaving its administrator (`left-administrator`): reported, restored where the API allows.
   */
  | { readonly action: 'organization-loss'; readonly kind: LossKind };

/** The session name of an assumed-role ARN: `arn:aws:sts::123:assumed-role/Role/SESSION`. */
function sessionName(principalArn: string | undefined): string | undefined {
  const match = /^arn:aws[\w-]*:sts::\d+:assumed-role\/[^/]+\/(.+)$/.exec(principalArn ?? '');
  return match?.[1];
}

/**
 * The responder's own re-enable: made by its execution role (the session issuer), in a session Lambda named after
 * the function, carrying its user agent, and only ever adding protection. All four must hold: anyone may pick a
 * session name or a user agent, but not the role, so a look-alike cannot hide a disable.
 */
export function isOwnChange(
  input: ApiCallInput,
  self: ResponderIdentity,
  requireAgentManagement: boolean,
  autoEnableTarget: AutoEnableTarget = 'ALL',
  runtimeTarget: RuntimeTarget = DEFAULT_RUNTIME_TARGET,
): boolean {
  // Under `unified` the responder itself disables the legacy generation, after RUNTIME_MONITORING read back.
  const retiresLegacy = runtimeTarget === 'unified';
  const change = retiresLegacy
    ? {
        ...input.change,
        disabledFeatures: input.change.disabledFeatures.filter((name) => name !== LEGACY_FEATURE),
      }
    : input.change;
  const organizationFeatures = retiresLegacy
    ? input.organizationFeatures?.filter((feature) => feature.name !== LEGACY_FEATURE)
    : input.organizationFeatures;
  return (
    self.roleArn !== undefined &&
    self.functionName !== undefined &&
    input.actor.sessionIssuerArn === self.roleArn &&
    sessionName(input.actor.principalArn) === self.functionName &&
    (input.actor.userAgent ?? '').includes(RESPONDER_USER_AGENT) &&
    !reducesProtection(change, requireAgentManagement) &&
    loweredFeature(organizationFeatures, autoEnableTarget, requireAgentManagement) === undefined
  );
}

/** What to do with an API-call event before reading any state. */
export function triage(
  input: ApiCallInput,
  self: ResponderIdentity,
  requireAgentManagement: boolean,
  scope: ResponderScope = 'account',
  autoEnableTarget: AutoEnableTarget = 'ALL',
  runtimeTarget: RuntimeTarget = DEFAULT_RUNTIME_TARGET,
): Triage {
  if (input.region !== self.region) {
    return {
      action: 'ignore',
      reason: `event is for Region ${input.region}; this responder serves ${self.region}`,
    };
  }
  if (self.accountId !== undefined && input.accountId !== self.accountId) {
    return {
      action: 'ignore',
      reason: `event is for account ${input.accountId}; this responder serves ${self.accountId}`,
    };
  }
  const lossKind = lossKindOf(input.eventName);
  if (lossKind !== undefined) return triageLoss(input, scope, lossKind);
  const organizationCall = (ORGANIZATION_API_CALLS as readonly string[]).includes(input.eventName);
  if (organizationCall && scope === 'account') {
    return {
      action: 'ignore',
      reason:
        `${input.eventName} is an organization-level call; deploy with RESPONDER_SCOPE=organization in the ` +
        'GuardDuty delegated administrator account to act on it',
    };
  }
  if ((TAG_API_CALLS as readonly string[]).includes(input.eventName)) return triageTagChange(input, self);
  if (!organizationCall && !(SUPPORTED_API_CALLS as readonly string[]).includes(input.eventName)) {
    return { action: 'ignore', reason: `${input.eventName} does not change EKS runtime monitoring` };
  }
  if (
    input.errorCode === undefined &&
    isOwnChange(input, self, requireAgentManagement, autoEnableTarget, runtimeTarget)
  ) {
    return { action: 'ignore', reason: "the responder's own re-enable" };
  }
  // The organization path judges failed calls itself: its requests lower auto-enable settings the change does not see.
  if (organizationCall) return { action: 'organization' };
  if (input.errorCode !== undefined) {
    return reducesProtection(input.change, requireAgentManagement)
      ? { action: 'report-denied' }
      : { action: 'ignore', reason: `the call failed with ${input.errorCode} and changed nothing` };
  }
  if (input.detectorId === undefined) {
    return { action: 'ignore', reason: `${input.eventName} event names no detector id` };
  }
  return { action: 'evaluate', detectorId: input.detectorId };
}

/**
 * A tag call matters when it sets or removes the exemption tags of a detector this responder serves: the exemption
 * is what stops remediation, so the change is reported whether or not a drift exists (and a denied one too).
 */
function triageTagChange(input: ApiCallInput, self: ResponderIdentity): Triage {
  const detector = input.tagChange?.detector;
  if (detector === undefined) {
    return { action: 'ignore', reason: `${input.eventName} is not about a GuardDuty detector` };
  }
  if (
    detector.region !== self.region ||
    (self.accountId !== undefined && detector.accountId !== self.accountId)
  ) {
    return { action: 'ignore', reason: `${input.eventName} is for a detector this responder does not serve` };
  }
  const keys = [...Object.keys(input.tagChange?.set ?? {}), ...(input.tagChange?.removed ?? [])];
  if (!keys.some((key) => (EXEMPTION_TAGS as readonly string[]).includes(key))) {
    return { action: 'ignore', reason: `${input.eventName} does not change the exemption tags` };
  }
  if (input.errorCode !== undefined) {
    // A denied attempt to set an exemption is an attempt to stop the responder; a denied removal adds nothing.
    return input.eventName === 'TagResource'
      ? { action: 'report-denied' }
      : { action: 'ignore', reason: `the call failed with ${input.errorCode} and changed nothing` };
  }
  return { action: 'exemption-change', detectorId: detector.detectorId };
}

/**
 * The loss paths (core/organization-loss.ts). The administrator's calls on members are acted on in organization scope
 * only (where the responder is the administrator); the member side (this account leaving its administrator) in every
 * scope; DisableOrganizationAdminAccount in every scope too, because only the management account can make it and
 * records it: a deployment there (account scope) is the one that sees it. Denied calls are reported as attempts.
 */
function triageLoss(input: ApiCallInput, scope: ResponderScope, kind: LossKind): Triage {
  const administratorSide = kind !== 'left-administrator' && kind !== 'administrator-removed';
  if (administratorSide && scope === 'account') {
    return {
      action: 'ignore',
      reason:
        `${input.eventName} changes the organization's GuardDuty members; deploy with RESPONDER_SCOPE=organization ` +
        'in the GuardDuty delegated administrator account to act on it',
    };
  }
  return { action: 'organization-loss', kind };
}
