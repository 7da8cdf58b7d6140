import type { CommandName } from './args.js';
import { CLI_TIMEOUTS } from './aws.js';

const EXIT_CODES = `Exit codes:
  0  everything in scope is compliant / the command did what it was asked
  1  something is not compliant, has no detector, or did not read back as intended
  2  bad arguments (nothing was sent to AWS)
  3  AWS error: missing or rejected credentials, access denied, throttling, an endpoint that is unreachable,
     silent (each call gives up after 3 attempts of at most ${CLI_TIMEOUTS.requestTimeout / 1000} s) or lacks the API`;

const GLOBAL = `Options for every command:
  --region R                  a Region to act on; repeat for several (default: AWS_REGION or the profile's region)
  --profile NAME              a named profile from ~/.aws/config (default: AWS_PROFILE or the SDK's default chain);
                              its region and endpoint_url (or services section) apply as with AWS_PROFILE
  --endpoint-url URL          send the GuardDuty calls to URL instead of the AWS endpoint, as the AWS CLI's option
                              (e.g. http://127.0.0.1:5000 for moto_server, or a VPC endpoint); STS, called only to
                              find the account for tagging, keeps its own endpoint: pass --account-id with an emulator
  --account-id ID             the 12-digit account, for the detector ARN that tagging needs (default: the account
                              the credentials report: SSO and assume-role profiles, aws_account_id, AWS_ACCOUNT_ID,
                              else STS GetCallerIdentity)
  --require-agent-management true|false
                              whether compliance needs EKS_ADDON_MANAGEMENT enabled, as the responder's
                              REQUIRE_AGENT_MANAGEMENT (default true, as Security Hub GuardDuty.7)
  --target any|unified        which generation counts as compliant, as the responder's RUNTIME_TARGET: any (default:
                              RUNTIME_MONITORING or the legacy EKS_RUNTIME_MONITORING, Security Hub GuardDuty.7) or
                              unified (RUNTIME_MONITORING only: GuardDuty.7 and GuardDuty.11); see docs/generations.md
  --json                      print one stable JSON document on stdout instead of text
  -h, --help                  this help
Environment: the standard AWS SDK variables (AWS_PROFILE, AWS_REGION, AWS_ACCESS_KEY_ID..., AWS_ENDPOINT_URL and
AWS_ENDPOINT_URL_GUARDDUTY, e.g. http://127.0.0.1:5000 for moto_server). Precedence of the GuardDuty endpoint:
--endpoint-url, AWS_ENDPOINT_URL_GUARDDUTY, AWS_ENDPOINT_URL, the profile's services section, its endpoint_url.
With --json, a command that fails as a whole still prints one JSON document, its "error" set.`;

const OVERVIEW = `guardduty-drift: the operator side of the GuardDuty EKS Runtime Monitoring drift responder.

Usage: guardduty-drift <command> [options]

Commands:
  check      test plan: is EKS runtime monitoring on, exactly as the responder evaluates it?
  enable     implementation: turn it on (one generation, agent management on), read back
  migrate    move from the legacy EKS_RUNTIME_MONITORING to RUNTIME_MONITORING in two steps, read back between
  backout    backout: set an exemption, then turn it off, so the responder reports instead of reverting
  exempt     set or replace the exemption alone
  unexempt   remove the exemption
  report     evidence: restores, who, denied attempts and the verdict now, from the state table (md or json)
  scp        prevention: print the service control policy that denies the loss paths to all but named roles

Start with:  guardduty-drift check --region eu-west-1      (or --all-regions)
Run \`guardduty-drift <command> --help\` for a command's options and the AWS CLI calls it makes.

${EXIT_CODES}`;

const COMMAND_HELP: Record<CommandName, string> = {
  check: `Usage: guardduty-drift check [--region R ...|--all-regions] [--strict] [--coverage[=report]] [--json]

Evaluates every detector in scope exactly as the responder does and prints Region, detector, status, generation in
use, agent management, the Security Hub verdicts of GuardDuty.7 and GuardDuty.11 side by side, exemption and
verdict. Compliant (--target any, the default): the detector is ENABLED and RUNTIME_MONITORING or
EKS_RUNTIME_MONITORING is ENABLED with EKS_ADDON_MANAGEMENT ENABLED; with --target unified only RUNTIME_MONITORING
counts. GuardDuty.7 passes with either generation and EKS_ADDON_MANAGEMENT ENABLED; GuardDuty.11 only with
RUNTIME_MONITORING ENABLED (the legacy feature alone fails it). Both generations enabled is compliant but billed
twice: the note under the table says so. A Region without a detector is non-compliant. An active exemption passes
(the responder accepts it) unless --strict.

  --all-regions   every Region of the partition (scanned 6 at a time, progress on stderr); opt-in Regions the
                  account has not enabled are reported as skipped
  --strict        count active exemptions as failures
  --coverage      also list every EKS cluster's runtime coverage (ListCoverage, as the responder's sweep reads it;
                  a delegated administrator sees its members' clusters): cluster, status, issue, nodes covered /
                  compatible, add-on version, management type, and the next step of each one that is not covered.
                  An UNHEALTHY cluster counts as not compliant (exit 1); EXCLUDED (GuardDutyManaged=false, agent
                  management DISABLED) and Outposts clusters do not
  --coverage=report
                  the same table, but unhealthy clusters do not change the exit code

AWS CLI equivalent (read-only; IAM: guardduty:ListDetectors, guardduty:GetDetector):
  aws guardduty list-detectors --region R
  aws guardduty get-detector --region R --detector-id ID --query '{Status:Status,Features:Features,Tags:Tags}'
With --coverage, also (IAM: guardduty:ListCoverage, guardduty:GetCoverageStatistics; every page of 50):
  aws guardduty list-coverage --region R --detector-id ID --max-results 50 \\
    --filter-criteria '{"FilterCriterion":[{"CriterionKey":"RESOURCE_TYPE","FilterCondition":{"Equals":["EKS"]}}]}'
  aws guardduty get-coverage-statistics --region R --detector-id ID --statistics-type COUNT_BY_COVERAGE_STATUS \\
    --filter-criteria '{"FilterCriterion":[{"CriterionKey":"RESOURCE_TYPE","FilterCondition":{"Equals":["EKS"]}}]}'

${GLOBAL}

${EXIT_CODES}`,

  enable: `Usage: guardduty-drift enable [--region R ...] [--generation runtime|eks] [--dry-run] [--json]

Turns EKS runtime monitoring on, the way the responder remediates: one UpdateDetector naming ONE generation with its
full additional configuration (EKS_ADDON_MANAGEMENT ENABLED, the others kept as they are), resuming a suspended
detector, then reads the detector back and shows before and after. A compliant detector is left alone.

  --generation runtime   RUNTIME_MONITORING (EKS, ECS on Fargate, EC2; the default when nothing is listed)
  --generation eks       EKS_RUNTIME_MONITORING (legacy, EKS only)
                         default: the generation the detector already lists, RUNTIME_MONITORING first
  --dry-run              show the request and the AWS CLI call; write nothing

AWS CLI equivalent (IAM: guardduty:ListDetectors, guardduty:GetDetector, guardduty:UpdateDetector):
  aws guardduty update-detector --region R --detector-id ID \\
    --features '[{"Name":"RUNTIME_MONITORING","Status":"ENABLED","AdditionalConfiguration":[{"Name":"EKS_ADDON_MANAGEMENT","Status":"ENABLED"},{"Name":"ECS_FARGATE_AGENT_MANAGEMENT","Status":"<as now>"},{"Name":"EC2_AGENT_MANAGEMENT","Status":"<as now>"}]}]'
  # legacy generation:
  aws guardduty update-detector --region R --detector-id ID \\
    --features '[{"Name":"EKS_RUNTIME_MONITORING","Status":"ENABLED","AdditionalConfiguration":[{"Name":"EKS_ADDON_MANAGEMENT","Status":"ENABLED"}]}]'
  aws guardduty get-detector --region R --detector-id ID --query 'Features'
(There is no --eks-configuration option in GuardDuty; never send both generations in one request.)

${GLOBAL}

${EXIT_CODES}`,

  backout: `Usage: guardduty-drift backout --reason TEXT --until DATE [--max-days N] [--region R ...] [--dry-run] [--json]

Turns EKS runtime monitoring off without a fight with the responder: FIRST sets the exemption tags
drift-responder:exempt-until and drift-responder:exempt-reason on the detector and reads them back, THEN disables
each enabled runtime generation (feature and its EKS_ADDON_MANAGEMENT DISABLED, one UpdateDetector per generation).
The responder reports the change as "exempt" and leaves it until the expiry; at its first sweep after the expiry it
re-enables protection.

  --reason TEXT   required; why (e.g. a change ticket). Letters, digits, spaces and _ . : / = + - @, max 256
  --until DATE    required; YYYY-MM-DD (through the end of that UTC day) or 2026-12-01T18:00:00Z
  --max-days N    the furthest allowed expiry in days from today (default 30, at most 365)
  --dry-run       show the requests and the AWS CLI calls; write nothing

AWS CLI equivalent (IAM: guardduty:ListDetectors, guardduty:GetDetector, guardduty:TagResource, guardduty:UpdateDetector):
  aws guardduty tag-resource --region R \\
    --resource-arn arn:aws:guardduty:R:ACCOUNT:detector/ID \\
    --tags '{"drift-responder:exempt-until":"2026-12-31","drift-responder:exempt-reason":"CHG-1234 agent conflict"}'
  aws guardduty update-detector --region R --detector-id ID \\
    --features '[{"Name":"RUNTIME_MONITORING","Status":"DISABLED","AdditionalConfiguration":[{"Name":"EKS_ADDON_MANAGEMENT","Status":"DISABLED"},{"Name":"ECS_FARGATE_AGENT_MANAGEMENT","Status":"<as now>"},{"Name":"EC2_AGENT_MANAGEMENT","Status":"<as now>"}]}]'
Note: disabling RUNTIME_MONITORING also stops its ECS on Fargate and EC2 monitoring.

${GLOBAL}

${EXIT_CODES}`,

  exempt: `Usage: guardduty-drift exempt --reason TEXT --until DATE [--max-days N] [--region R ...] [--dry-run] [--json]

Sets (or replaces) the exemption tags alone. While it is active the responder reports any drift of the detector as
"exempt" and does not revert it. Same --reason, --until and --max-days rules as backout.

AWS CLI equivalent (IAM: guardduty:ListDetectors, guardduty:GetDetector, guardduty:TagResource):
  aws guardduty tag-resource --region R --resource-arn arn:aws:guardduty:R:ACCOUNT:detector/ID \\
    --tags '{"drift-responder:exempt-until":"2026-12-31","drift-responder:exempt-reason":"CHG-1234 agent conflict"}'

${GLOBAL}

${EXIT_CODES}`,

  migrate: `Usage: guardduty-drift migrate [--region R ...|--all-regions] [--dry-run] [--json]

Moves every detector in scope to RUNTIME_MONITORING (the unified generation: EKS, ECS on Fargate, EC2), in the order
the responder uses with RUNTIME_TARGET=unified, so protection never has a gap:
  step 1  UpdateDetector naming RUNTIME_MONITORING only: ENABLED, its full additional configuration (EKS_ADDON_MANAGEMENT
          ENABLED, the others kept as they are); a suspended detector is resumed (--enable)
          then GetDetector: step 2 is sent only if RUNTIME_MONITORING now protects the detector
  step 2  UpdateDetector naming EKS_RUNTIME_MONITORING only: DISABLED, its additional configuration sent back unchanged
A detector already on RUNTIME_MONITORING with the legacy feature still enabled gets step 2 only; one without the
legacy feature gets nothing. Both features are never sent in one request (GuardDuty rejects it). An exempt detector is
left alone. Prints, per detector, the real AWS CLI call of each step and what was done.

  --all-regions   every Region of the partition
  --dry-run       show the requests and the AWS CLI calls; write nothing

AWS CLI equivalent (IAM: guardduty:ListDetectors, guardduty:GetDetector, guardduty:UpdateDetector):
  aws guardduty update-detector --region R --detector-id ID \\
    --features '[{"Name":"RUNTIME_MONITORING","Status":"ENABLED","AdditionalConfiguration":[{"Name":"EKS_ADDON_MANAGEMENT","Status":"ENABLED"},{"Name":"ECS_FARGATE_AGENT_MANAGEMENT","Status":"<as now>"},{"Name":"EC2_AGENT_MANAGEMENT","Status":"<as now>"}]}]'
  aws guardduty get-detector --region R --detector-id ID --query 'Features'
  # only once RUNTIME_MONITORING reads back ENABLED with EKS_ADDON_MANAGEMENT ENABLED:
  aws guardduty update-detector --region R --detector-id ID \\
    --features '[{"Name":"EKS_RUNTIME_MONITORING","Status":"DISABLED","AdditionalConfiguration":[{"Name":"EKS_ADDON_MANAGEMENT","Status":"<as now>"}]}]'
(AWS does not migrate EKS Runtime Monitoring settings for you, and EKS Runtime Monitoring keeps billing until it is
disabled. --target any is refused here: the migration's target is always unified.)

${GLOBAL}

${EXIT_CODES}`,

  unexempt: `Usage: guardduty-drift unexempt [--region R ...] [--dry-run] [--json]

Removes both exemption tags. Untagging raises no event the responder listens to: a detector that is still off is
re-enabled at the responder's next sweep (or run \`guardduty-drift enable\` now).

AWS CLI equivalent (IAM: guardduty:ListDetectors, guardduty:GetDetector, guardduty:UntagResource):
  aws guardduty untag-resource --region R --resource-arn arn:aws:guardduty:R:ACCOUNT:detector/ID \\
    --tag-keys drift-responder:exempt-until drift-responder:exempt-reason

${GLOBAL}

${EXIT_CODES}`,
};

export function helpText(topic: CommandName | undefined): string {
  return topic === undefined ? OVERVIEW : COMMAND_HELP[topic];
}
