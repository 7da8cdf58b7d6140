/** Domain types shared by the responder, the sweep and the operator CLI. No AWS SDK shapes beyond the adapters. */
import type { OwnResources, RuntimeTarget } from '../contract.js';

import type { ClusterCoverage } from './coverage.js';
import type { TamperInput } from './tamper.js';

/** The two generations of EKS runtime protection, newest first (the order is the preference order). */
export const RUNTIME_FEATURES = ['RUNTIME_MONITORING', 'EKS_RUNTIME_MONITORING'] as const;
export type RuntimeFeature = (typeof RUNTIME_FEATURES)[number];

export const EKS_ADDON_MANAGEMENT = 'EKS_ADDON_MANAGEMENT';
export const ENABLED = 'ENABLED';
export const DISABLED = 'DISABLED';

export function isRuntimeFeature(name: string): name is RuntimeFeature {
  return (RUNTIME_FEATURES as readonly string[]).includes(name);
}

/** Feature and configuration names are an open set in AWS: they stay plain strings here. */
export interface AdditionalConfiguration {
  readonly name: string;
  readonly status: string;
}

export interface DetectorFeature {
  readonly name: string;
  readonly status: string;
  readonly additionalConfiguration: readonly AdditionalConfiguration[];
}

/** What GetDetector says about one detector, reduced to what the decisions need. */
export interface DetectorState {
  readonly detectorId: string;
  /** `ENABLED`, or `DISABLED` when the detector is suspended. */
  readonly status: string;
  readonly features: readonly DetectorFeature[];
  readonly tags: Readonly<Record<string, string>>;
}

export type ResponderMode = 'remediate' | 'notify';
/** `account`: the detectors of this account. `organization`: also every member, from the delegated administrator. */
export type ResponderScope = 'account' | 'organization';

export interface ResponderConfig {
  readonly mode: ResponderMode;
  readonly notificationTopicArn: string;
  readonly metricNamespace: string;
  readonly requireAgentManagement: boolean;
  readonly maxRemediationsPerHour: number;
  /** The longest exemption honoured, in days from now; a later end is refused and reported. */
  readonly maxExemptionDays: number;
  readonly stateTableName: string;
  readonly scope: ResponderScope;
  /** Organization scope: the auto-enable level the organization configuration must keep. */
  readonly autoEnableTarget: 'ALL' | 'NEW';
  /** Which runtime-monitoring generation counts as compliant (`RUNTIME_TARGET`, see docs/generations.md). */
  readonly runtimeTarget: RuntimeTarget;
  /** The function's own execution role, to recognise its own changes in CloudTrail; undefined turns that off. */
  readonly roleArn: string | undefined;
  /** Whether the sweep also publishes per-cluster coverage metrics (`COVERAGE_CLUSTER_METRICS`); default false. */
  readonly coverageClusterMetrics?: boolean | undefined;
  /** The account's name in alerts (`ACCOUNT_NAME`); undefined: the alias IAM reports, if any. */
  readonly accountName?: string | undefined;
  /** The runbook alerts link to (`RUNBOOK_URL`); undefined: docs/runbook.md of the repository. */
  readonly runbookUrl?: string | undefined;
  /** Without `accountName`, whether to look the account's alias up (`ACCOUNT_ALIAS_LOOKUP`, once per cold start). */
  readonly accountAliasLookup?: boolean | undefined;
  /** Whether each drift is also a Security Hub finding (`SECURITY_HUB`, see docs/audit.md); default false. */
  readonly securityHub?: boolean | undefined;
  /** The rules, alarms, key and trail the tamper watch treats as the responder's own (`OWN_RESOURCES`); undefined: none known. */
  readonly ownResources?: OwnResources | undefined;
}

/** Who made an API call, as CloudTrail recorded it. Every field is attacker-controlled text except the ARN. */
export interface Actor {
  readonly type?: string | undefined;
  readonly principalArn?: string | undefined;
  readonly sessionIssuerArn?: string | undefined;
  readonly sourceIp?: string | undefined;
  readonly userAgent?: string | undefined;
}

/** What a CloudTrail request asked GuardDuty to change, as far as EKS runtime protection is concerned. */
export interface RequestedChange {
  readonly suspendsDetector: boolean;
  readonly resumesDetector: boolean;
  readonly deletesDetector: boolean;
  /** Runtime features the request set to DISABLED. */
  readonly disabledFeatures: readonly RuntimeFeature[];
  /** Runtime features whose EKS_ADDON_MANAGEMENT the request set to DISABLED. */
  readonly disabledAgentManagement: readonly RuntimeFeature[];
  /** Runtime features the request set to ENABLED. */
  readonly enabledFeatures: readonly RuntimeFeature[];
  /** One readable line per relevant change, e.g. `RUNTIME_MONITORING → DISABLED`. */
  readonly summary: readonly string[];
}

// The call lists live in the contract (the rule's pattern is built from them); re-exported for the core.
export { ORGANIZATION_API_CALLS, SUPPORTED_API_CALLS, TAG_API_CALLS } from '../contract.js';

/** One feature entry of an UpdateOrganizationConfiguration request. */
export interface OrganizationFeatureRequest {
  readonly name: string;
  readonly autoEnable?: string | undefined;
  readonly additionalConfiguration?:
    | readonly { readonly name: string; readonly autoEnable?: string | undefined }[]
    | undefined;
}

/** A GuardDuty API call delivered by EventBridge from CloudTrail. */
export interface ApiCallInput {
  readonly kind: 'api-call';
  readonly eventId: string;
  readonly eventTime: string;
  readonly eventName: string;
  readonly accountId: string;
  readonly region: string;
  readonly detectorId: string | undefined;
  readonly actor: Actor;
  readonly errorCode: string | undefined;
  readonly errorMessage: string | undefined;
  readonly change: RequestedChange;
  /** UpdateMemberDetectors and the organization loss calls: the member accounts the request named (once each). */
  readonly memberAccountIds?: readonly string[] | undefined;
  /** DisableOrganizationAdminAccount: the delegated administrator it removed, as the request gave it. */
  readonly adminAccountId?: string | undefined;
  /** UpdateOrganizationConfiguration: the auto-enable settings the request made. */
  readonly organizationFeatures?: readonly OrganizationFeatureRequest[] | undefined;
  /** TagResource / UntagResource: the resource and the tags set or removed. */
  readonly tagChange?: TagChange | undefined;
}

/** What a TagResource or UntagResource request did to a GuardDuty resource's tags. */
export interface TagChange {
  readonly resourceArn: string;
  /** The detector the ARN names (`arn:aws:guardduty:REGION:ACCOUNT:detector/ID`), if it names one. */
  readonly detector:
    | { readonly region: string; readonly accountId: string; readonly detectorId: string }
    | undefined;
  /** Tags set (TagResource). */
  readonly set: Readonly<Record<string, string>>;
  /** Tag keys removed (UntagResource). */
  readonly removed: readonly string[];
}

/** The scheduled sweep: evaluate every detector of the Region. */
export interface SweepInput {
  readonly kind: 'sweep';
  readonly eventId: string;
  readonly eventTime: string;
  readonly accountId: string;
  readonly region: string;
}

/**
 * A `GuardDuty Runtime Protection Unhealthy` or `… Healthy` event for one EKS cluster (GuardDuty sends it to
 * EventBridge itself, durable delivery): the cluster's coverage as the event reports it.
 */
export interface CoverageEventInput {
  readonly kind: 'coverage';
  readonly eventId: string;
  readonly eventTime: string;
  /** The account whose event bus received it; the cluster's own account is `cluster.accountId`. */
  readonly accountId: string;
  readonly region: string;
  /** The detail-type, which says which way the coverage changed. */
  readonly detailType: string;
  readonly previousStatus: string | undefined;
  readonly cluster: ClusterCoverage;
}

export type { TamperInput } from './tamper.js';

export type ResponderInput = ApiCallInput | SweepInput | CoverageEventInput | TamperInput;
