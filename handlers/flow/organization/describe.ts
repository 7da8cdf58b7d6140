/** How the organization target describes what it found and did: the digest facts and the decision line. */
import type { TimeOff } from '../../alerts/detector.js';
import {
  type AccountLine,
  type DigestFacts,
  type DigestOutcome,
  digestCounts,
  renderDigest,
} from '../../alerts/digest.js';
import type { RemediationRecord } from '../../ports.js';
import type { CaseAct } from '../case.js';
import { alertContext, type InvocationContext, timeOffOf } from '../context.js';
import type { MemberFindingFacts } from '../member-findings.js';
import type { MembershipReport } from './loss.js';
import type { Findings } from './read.js';

export interface OrganizationReport {
  readonly outcome: DigestOutcome | 'compliant' | 'ignored';
  readonly scope: 'organization';
  readonly evaluatedAccounts: number;
  readonly affectedAccounts: number;
  readonly remediatedAccounts?: number;
  readonly failedAccounts?: number;
  /** Accounts in a fight (re-enabled MAX_REMEDIATIONS_PER_HOUR times in the last hour): restored all the same. */
  readonly circuitOpenAccounts?: number;
  readonly reason?: string;
  readonly messageId?: string;
  /** At least one member restored and read back: how long protection was off (the audit line's time-to-restore). */
  readonly timeOff?: TimeOff;
  /** The sweep: its member count against the last sweep's (flow/organization/membership.ts). */
  readonly membership?: MembershipReport;
}

/** The circuit breaker's name for the organization's auto-enable configuration, beside the member accounts. */
export const CONFIGURATION_TARGET = 'organization-configuration';

/** The digest to page, and the decision line it becomes once published. */
export function digestAct(
  facts: DigestFacts,
  toReport: (messageId: string) => OrganizationReport,
  remediation?: RemediationRecord,
  members?: MemberFindings,
): Extract<CaseAct<OrganizationReport>, { status: 'alert' }> {
  return {
    status: 'alert',
    alert: {
      outcome: facts.outcome,
      rendered: renderDigest(facts),
      remediation,
      finding: members && memberFindingFacts(facts, members),
    },
    report: (messageId) => {
      const base = toReport(messageId);
      return facts.timeOff && digestCounts(facts).remediated > 0 ? { ...base, timeOff: facts.timeOff } : base;
    },
  };
}

/** The members a digest is about, for their Security Hub findings (flow/member-findings.ts). */
export interface MemberFindings {
  /** The members found drifted (their digest lines say whether they are back). */
  readonly drifted: readonly string[];
  /** Members of the case's open findings read compliant (flow/organization/read.ts). */
  readonly compliant: readonly string[];
  readonly detectors?: ReadonlyMap<string, string> | undefined;
}

export function memberFindingFacts(facts: DigestFacts, members: MemberFindings): MemberFindingFacts {
  return { kind: 'members', digest: facts, ...members };
}

/** The members of a reading, for their findings: the drifted verdicts, and the watched members read compliant. */
export function membersOf(findings: Findings): MemberFindings {
  return {
    drifted: findings.verdicts.map((verdict) => verdict.accountId),
    compliant: findings.compliantWatched ?? [],
    detectors: findings.memberDetectors,
  };
}

export function report(
  fields: Omit<OrganizationReport, 'scope' | 'evaluatedAccounts' | 'affectedAccounts'> &
    Partial<Pick<OrganizationReport, 'evaluatedAccounts' | 'affectedAccounts'>>,
): OrganizationReport {
  return { scope: 'organization', evaluatedAccounts: 0, affectedAccounts: 0, ...fields };
}

export function digestFacts(
  context: InvocationContext,
  outcome: DigestOutcome,
  findings: Findings,
  accounts: readonly AccountLine[],
  organizationResult: DigestFacts['organizationResult'],
  action: string,
): DigestFacts {
  return {
    ...alertContext(context.trigger, context.config),
    outcome,
    adminDetectorId: findings.adminDetectorId || null,
    mode: context.config.mode,
    evaluatedAccounts: findings.evaluatedAccounts,
    accounts,
    organizationProblems: findings.organization?.evaluation.problems ?? [],
    organizationResult,
    action,
    statistics: findings.statistics,
    // Built after the read-backs: now is when the restores were confirmed. The sweep counts from its own start.
    ...(outcome === 'remediate' || outcome === 'circuit-open'
      ? { timeOff: timeOffOf(context, sweepStart(context), context.deps.now()) }
      : {}),
  };
}

/** When the sweep began reading (its schedule time), for a drift found by the sweep; now when not parseable. */
function sweepStart(context: InvocationContext): Date {
  const at = Date.parse(context.trigger.eventTime);
  return Number.isFinite(at) ? new Date(at) : context.deps.now();
}
