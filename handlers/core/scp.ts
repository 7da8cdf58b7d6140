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

/**
 * The maximum size of an SCP document, in characters. The console strips whitespace before counting; the CLI and
 * SDKs store (and count) the text exactly as given, so the printed text is what has to fit (cli/commands/scp.ts).
 */
export const SCP_MAX_CHARS = 5120;

/** The calls that switch protection off, hide its findings, or take an account out of the administrator's reach. */
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
  // An archiving filter leaves monitoring "on" and hides every finding; no condition key tells its action apart.
  'guardduty:CreateFilter',
  'guardduty:UpdateFilter',
  // A member that leaves the organization escapes both the SCP and the GuardDuty administrator.
  'organizations:LeaveOrganization',
] as const;

/** Setting or removing the responder's exemption tags on a detector: an exemption turns remediation off. */
export const GUARDDUTY_TAG_ACTIONS = ['guardduty:TagResource', 'guardduty:UntagResource'] as const;
export const EXEMPTION_TAG_KEYS = [EXEMPT_UNTIL_TAG, EXEMPT_REASON_TAG] as const;

/** `GuardDutyManaged` on an EKS cluster: `false` excludes it from agent management, removing `true` un-includes it. */
export const EKS_TAG_ACTIONS = ['eks:TagResource', 'eks:UntagResource'] as const;
export const CLUSTER_TAG_KEY = EXCLUSION_TAG;

/**
 * An IAM role ARN as `ArnNotLike` matches it: a known partition; a 12-digit account, or `*` for the same role name in
 * every account the policy covers (a break-glass role is one per account); then the role's path (IAM allows any
 * printable character there) and a name that is not wildcards alone (`role/*` would exempt every role) and does not
 * end the path. `*` and `?` are allowed in the path and name.
 */
export const ROLE_ARN_PATTERN =
  /^arn:aws(?:-cn|-us-gov|-iso|-iso-b|-iso-e|-iso-f|-eusc)?:iam::(?:\d{12}|\*):role\/(?:[\x21-\x7e]{0,512}\/)?[\w+=,.@*?-]{0,64}[\w+=,.@-][\w+=,.@*?-]{0,64}$/;
export const ROLE_ARN_EXPECTED =
  'an IAM role ARN such as arn:aws:iam::123456789012:role/guardduty-drift-responder (account: 12 digits or *; ' +
  '* and ? allowed in the path and name, but not a name of wildcards alone; an IAM Identity Center role: ' +
  'arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_BreakGlass_*, whose path holds the ' +
  'Identity Center Region outside us-east-1)';

/** True when the ARN's role path or name carries a wildcard: every role it matches is exempt, present or future. */
export const hasWildcardName = (arn: string): boolean => /[*?]/.test(arn.slice(arn.indexOf(':role/')));

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
      statement('DenyProtectionLossPaths', GUARDDUTY_LOSS_ACTIONS, {}),
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
        'use shorter role ARNs (a shorter path)',
    );
  }
  return { policy, exemptRoles, minifiedSize };
}
