/**
 * The service control policy that makes the loss paths of EKS runtime protection impossible for everyone but the
 * responder's role and a named break-glass role (issue 12, Prevention). Pure: no SDK, no I/O; the CLI prints it
 * (`guardduty-drift scp`) and docs/runbook.md explains where it applies.
 *
 * What AWS allows, and so what the policy can say:
 * - GuardDuty has no service-specific condition keys: the Service Authorization Reference lists only
 *   `aws:RequestTag/${TagKey}`, `aws:ResourceTag/${TagKey}` and `aws:TagKeys`. Nothing in the request context says
 *   whether an `UpdateDetector` enables or disables a feature, so the policy denies `UpdateDetector` (and the other
 *   loss-path calls) to every principal but the exempt roles; routine detector changes go through those roles.
 * - SCPs never restrict the management account, nor service-linked roles (GuardDuty's own agent management keeps
 *   working). `DisableOrganizationAdminAccount` is a management-account call: it is listed for completeness and to
 *   stop a delegated administrator's principals should AWS ever allow it there, but only detection covers it.
 */
import { EXCLUSION_TAG } from './coverage.js';
import { EXEMPT_REASON_TAG, EXEMPT_UNTIL_TAG } from './exemption.js';

/** The maximum size of an SCP document, in characters, counted on the document without whitespace. */
export const SCP_MAX_CHARS = 5120;

/** The GuardDuty calls that switch protection off, or take an account out of the administrator's reach. */
export const GUARDDUTY_LOSS_ACTIONS = [
  'guardduty:UpdateDetector',
  'guardduty:DeleteDetector',
  'guardduty:UpdateMemberDetectors',
  'guardduty:UpdateOrganizationConfiguration',
  'guardduty:DisassociateFromAdministratorAccount',
  'guardduty:DisassociateFromMasterAccount',
  'guardduty:DisassociateMembers',
  'guardduty:DeleteMembers',
  'guardduty:StopMonitoringMembers',
  'guardduty:DisableOrganizationAdminAccount',
] as const;

/** Setting or removing the responder's exemption tags on a detector: an exemption turns remediation off. */
export const GUARDDUTY_TAG_ACTIONS = ['guardduty:TagResource', 'guardduty:UntagResource'] as const;
export const EXEMPTION_TAG_KEYS = [EXEMPT_UNTIL_TAG, EXEMPT_REASON_TAG] as const;

/** `GuardDutyManaged` on an EKS cluster: `false` excludes it from agent management, removing `true` un-includes it. */
export const EKS_TAG_ACTIONS = ['eks:TagResource', 'eks:UntagResource'] as const;
export const CLUSTER_TAG_KEY = EXCLUSION_TAG;

/**
 * An IAM role ARN as `ArnNotLike` matches it: any partition, a 12-digit account, then the role's path and name, in
 * which `*` and `?` are allowed (the only place a wildcard is: the account and partition stay exact).
 */
export const ROLE_ARN_PATTERN = /^arn:aws(?:-[a-z]+)*:iam::\d{12}:role\/[\w+=,.@*?/-]{1,575}$/;
export const ROLE_ARN_EXPECTED =
  'an IAM role ARN such as arn:aws:iam::123456789012:role/guardduty-drift-responder ' +
  '(wildcards * and ? only in the path and name, e.g. arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/*)';

export interface ScpOptions {
  readonly responderRoleArn?: string | undefined;
  readonly breakGlassRoleArn?: string | undefined;
}

/** A policy that cannot be built from these options (a bad ARN, or a document over the SCP size limit). */
export class ScpPolicyError extends Error {
  override readonly name = 'ScpPolicyError';
}

type Condition = Record<string, Record<string, string | readonly string[]>>;

export interface ScpStatement {
  readonly Sid: string;
  readonly Effect: 'Deny';
  readonly Action: readonly string[];
  readonly Resource: '*';
  readonly Condition?: Condition;
}

export interface ScpDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly ScpStatement[];
}

export interface ScpResult {
  readonly policy: ScpDocument;
  /** The roles the policy leaves free, in the order given, without duplicates. Empty: nobody is exempt. */
  readonly exemptRoles: readonly string[];
  /** Length of `JSON.stringify(policy)`, the size AWS counts against {@link SCP_MAX_CHARS}. */
  readonly minifiedSize: number;
}

function checkRole(label: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!ROLE_ARN_PATTERN.test(value)) {
    throw new ScpPolicyError(`${label}: expected ${ROLE_ARN_EXPECTED} (received "${value.slice(0, 120)}")`);
  }
  return value;
}

/** Builds the SCP. Throws {@link ScpPolicyError} for a bad role ARN or a document over 5,120 characters. */
export function buildScp(options: ScpOptions): ScpResult {
  const roles = [
    checkRole('responder role', options.responderRoleArn),
    checkRole('break-glass role', options.breakGlassRoleArn),
  ].filter((role): role is string => role !== undefined);
  const exemptRoles = [...new Set(roles)];
  const exempt: Condition =
    exemptRoles.length === 0 ? {} : { ArnNotLike: { 'aws:PrincipalArn': exemptRoles } };
  const statement = (Sid: string, Action: readonly string[], condition: Condition): ScpStatement => {
    const Condition = { ...condition, ...exempt };
    return Object.keys(Condition).length === 0
      ? { Sid, Effect: 'Deny', Action, Resource: '*' }
      : { Sid, Effect: 'Deny', Action, Resource: '*', Condition };
  };
  const policy: ScpDocument = {
    Version: '2012-10-17',
    Statement: [
      statement('DenyGuardDutyLossPaths', GUARDDUTY_LOSS_ACTIONS, {}),
      statement('DenyGuardDutyExemptionTags', GUARDDUTY_TAG_ACTIONS, {
        'ForAnyValue:StringEquals': { 'aws:TagKeys': EXEMPTION_TAG_KEYS },
      }),
      // Setting GuardDutyManaged to anything but "true" (Null=false: only when the request carries the tag at all,
      // since StringNotEquals is true for a missing key).
      statement('DenyEksGuardDutyManagedOff', ['eks:TagResource'], {
        Null: { [`aws:RequestTag/${CLUSTER_TAG_KEY}`]: 'false' },
        StringNotEquals: { [`aws:RequestTag/${CLUSTER_TAG_KEY}`]: 'true' },
      }),
      statement('DenyEksGuardDutyManagedRemoval', ['eks:UntagResource'], {
        'ForAnyValue:StringEquals': { 'aws:TagKeys': [CLUSTER_TAG_KEY] },
      }),
    ],
  };
  const minifiedSize = JSON.stringify(policy).length;
  if (minifiedSize > SCP_MAX_CHARS) {
    throw new ScpPolicyError(
      `the policy would be ${minifiedSize} characters minified, over the ${SCP_MAX_CHARS}-character SCP limit; ` +
        'use shorter role ARNs (a wildcard in the name, e.g. role/breakglass-*)',
    );
  }
  return { policy, exemptRoles, minifiedSize };
}
