/**
 * `guardduty-drift scp`: prints the service control policy that denies the loss paths of EKS runtime protection to
 * everyone but the responder's role and a break-glass role. Sends nothing to AWS. Its own argument parser, as
 * `report`: it takes none of the detector commands' options.
 */
import { parseArgs } from 'node:util';
import * as z from 'zod/mini';
import {
  buildScp,
  hasWildcardName,
  ROLE_ARN_EXPECTED,
  ROLE_ARN_PATTERN,
  SCP_MAX_CHARS,
  ScpPolicyError,
} from '../../handlers/core/scp.js';
import { UsageError } from '../errors.js';

export const SCP_HELP = `Usage: guardduty-drift scp [--responder-role ARN] [--break-glass-role ARN] [--minified]

Prints the service control policy (SCP) that denies, to every principal but the roles given, the calls that turn EKS
runtime protection off: GuardDuty UpdateDetector, DeleteDetector, UpdateMemberDetectors,
UpdateOrganizationConfiguration, DisassociateFromAdministratorAccount, DisassociateFromMasterAccount,
DisassociateMembers, DeleteMembers, StopMonitoringMembers, DisableOrganizationAdminAccount, CreateFilter and
UpdateFilter (an archiving filter hides every finding); Organizations LeaveOrganization; setting or removing the
exemption tags drift-responder:exempt-until and drift-responder:exempt-reason on a detector; and setting the EKS
cluster tag GuardDutyManaged to anything but "true", or removing it. The roles are exempt through
ArnNotLike aws:PrincipalArn. Four statements, well under the ${SCP_MAX_CHARS}-character SCP limit, which the CLI
and SDKs count on the text as given (whitespace included): the size is reported on stderr. Nothing is sent to AWS.

  --responder-role ARN     the responder's execution role (its remediation must stay allowed)
  --break-glass-role ARN   the role that may still change detectors, members and exemptions by hand
                           ARN: arn:aws:iam::ACCOUNT:role/PATH/NAME; ACCOUNT is 12 digits or * (the same role in
                           every account); * and ? allowed in the path and name, not a name of wildcards alone.
                           IAM Identity Center roles carry the Identity Center Region in their path outside
                           us-east-1: arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_BreakGlass_*
  --minified               print the document without whitespace (the smallest text AWS will accept)

Without any role nobody is exempt: the responder's own remediation is denied too (a warning says so on stderr).
GuardDuty has no condition key for a feature's status, so the policy cannot tell "disable" from "enable" in
UpdateDetector: every detector change, enabling included, must go through an exempt role. SCPs do not apply to the
management account (nor to service-linked roles); see docs/runbook.md, "Prevention".

AWS CLI equivalent (run in the management account; IAM: organizations:CreatePolicy, organizations:AttachPolicy):
  guardduty-drift scp --responder-role ARN --break-glass-role ARN --minified > guardduty-scp.json
  aws organizations create-policy --type SERVICE_CONTROL_POLICY --name guardduty-drift-protection \\
    --description "Deny EKS runtime protection loss paths" --content file://guardduty-scp.json
  aws organizations attach-policy --policy-id p-EXAMPLE --target-id ou-EXAMPLE`;

const roleArn = z.optional(
  z.string().check(
    z.regex(ROLE_ARN_PATTERN, {
      error: (issue) =>
        `expected ${ROLE_ARN_EXPECTED}${typeof issue.input === 'string' ? ` (received "${issue.input.slice(0, 120)}")` : ''}`,
    }),
  ),
);

const schema = z.object({
  'responder-role': roleArn,
  'break-glass-role': roleArn,
  minified: z.optional(z.boolean()),
});

export interface ScpRequest {
  readonly responderRoleArn: string | undefined;
  readonly breakGlassRoleArn: string | undefined;
  readonly minified: boolean;
}

const USAGE_HINT = 'Run `guardduty-drift scp --help` for usage.';

export function parseScpArgs(argv: readonly string[]): ScpRequest | 'help' {
  if (argv.includes('--help') || argv.includes('-h')) return 'help';
  let values: Record<string, unknown>;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        'responder-role': { type: 'string' },
        'break-glass-role': { type: 'string' },
        minified: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new UsageError(`scp: ${message}\n${USAGE_HINT}`, { cause: error });
  }
  const parsed = schema.safeParse(values);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `--${String(issue.path.find((part) => typeof part === 'string'))}: ${issue.message}`,
    );
    throw new UsageError(`${problems.join('\n')}\n${USAGE_HINT}`);
  }
  return {
    responderRoleArn: parsed.data['responder-role'],
    breakGlassRoleArn: parsed.data['break-glass-role'],
    minified: parsed.data.minified ?? false,
  };
}

/** Prints the policy on stdout, its minified size (and a warning when nobody is exempt) on stderr. */
export function scp(
  request: ScpRequest,
  io: { readonly stdout: (text: string) => void; readonly stderr: (text: string) => void },
): void {
  let result: ReturnType<typeof buildScp>;
  try {
    result = buildScp({
      responderRoleArn: request.responderRoleArn,
      breakGlassRoleArn: request.breakGlassRoleArn,
    });
  } catch (error) {
    // Both causes (a bad ARN, a document over the limit) come from the command line: nothing was sent anywhere.
    if (error instanceof ScpPolicyError)
      throw new UsageError(`scp: ${error.message}\n${USAGE_HINT}`, { cause: error });
    throw error;
  }
  // AWS counts an SCP created through the CLI or an SDK exactly as given, whitespace included.
  const text = request.minified ? JSON.stringify(result.policy) : JSON.stringify(result.policy, null, 2);
  if (text.length > SCP_MAX_CHARS) {
    throw new UsageError(
      `scp: the printed policy is ${text.length} characters, over the ${SCP_MAX_CHARS}-character SCP limit that ` +
        `\`aws organizations create-policy\` counts whitespace against; use --minified (${result.minifiedSize} characters)`,
    );
  }
  for (const role of result.exemptRoles.filter(hasWildcardName)) {
    io.stderr(
      `guardduty-drift: note: ${role} has a wildcard: every role it matches is exempt, including one created later, ` +
        'so keep iam:CreateRole for such names (and changes to these roles) out of reach; the aws-reserved/ path of ' +
        'IAM Identity Center roles cannot be created by hand\n',
    );
  }
  if (result.exemptRoles.length === 0) {
    io.stderr(
      'guardduty-drift: warning: no --responder-role or --break-glass-role given, so nobody is exempt: the ' +
        "responder's own remediation (UpdateDetector, UpdateMemberDetectors) is denied too in every account the " +
        'policy applies to, and only the management account can change detectors\n',
    );
  }
  io.stderr(
    `guardduty-drift: SCP size ${text.length} of ${SCP_MAX_CHARS} characters as printed (${result.minifiedSize} minified); ` +
      `exempt: ${result.exemptRoles.length === 0 ? 'nobody' : result.exemptRoles.join(', ')}; ` +
      'SCPs do not apply to the management account\n',
  );
  io.stdout(`${text}\n`);
}
