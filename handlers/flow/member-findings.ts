/**
 * Security Hub findings of an organization's drifts (SECURITY_HUB=true, organization scope): one organization case,
 * one finding per drifted member. The case keeps a seed and the members whose finding may still be open
 * (core/finding.ts MemberFindings, at most MAX_MEMBER_FINDINGS); each member's finding id is a digest of the two, so
 * a retry, a takeover or a standing drift's next digest updates the same finding. The findings are imported while
 * the digest is published (the Delivery's hook, as for a detector): open (Compliance FAILED) while the member is off,
 * resolved (Compliance PASSED, then Workflow RESOLVED) once a read-back confirms it, or once a later read finds it
 * compliant. A Security Hub failure is logged and counted, never thrown: the page and the remediation never wait on
 * it, and the case keeps every member it tried, so the next read sends them again.
 */
import { type DigestFacts, digestNextStep, digestSeverityOf } from '../alerts/digest.js';
import { SECURITY_HUB_FAILED_METRIC } from '../contract.js';
import {
  type DriftFinding,
  decodeMemberFindings,
  encodeMemberFindings,
  findingIdOf,
  MAX_MEMBER_FINDINGS,
  memberFindingIdOf,
  openMember,
  toAsff,
} from '../core/finding.js';
import { describeError } from '../errors.js';
import type { AsffFinding, CaseClaim, ClaimRecord, FindingsPort, StateStorePort } from '../ports.js';
import type { FindingDeps } from './finding.js';

/** What an organization digest tells Security Hub: a finding per drifted member, and the members back since. */
export interface MemberFindingFacts {
  readonly kind: 'members';
  readonly digest: DigestFacts;
  /** The members this run found drifted (their digest lines say whether they were read back protected). */
  readonly drifted: readonly string[];
  /** Members of the case's open findings that this run read compliant. */
  readonly compliant: readonly string[];
  /** The members' own detector ids, where ListMembers gave them (the finding's resource). */
  readonly detectors?: ReadonlyMap<string, string> | undefined;
}

/** The outcomes of an organization case that are drifts (a denied call changed nothing). */
const DRIFT_OUTCOMES = new Set(['remediate', 'would-remediate', 'circuit-open']);

/** The member findings an organization claim offers (kept when its case holds some still open). */
export function claimedMemberFindings(
  deps: { readonly findings?: FindingsPort | undefined },
  caseKey: string,
  claim: Pick<CaseClaim, 'owner' | 'outcome' | 'observedAt'>,
): string | undefined {
  if (deps.findings === undefined || !DRIFT_OUTCOMES.has(claim.outcome)) return undefined;
  return encodeMemberFindings({
    seed: findingIdOf(caseKey, claim.owner),
    firstObservedAt: claim.observedAt.toISOString(),
    open: [],
  });
}

const RESTORED = new Set(['remediated', 'restored again']);

/** The finding of one member, in plain data (core/finding.ts maps it to ASFF and scrubs every string). */
function memberFinding(
  deps: FindingDeps,
  seed: { readonly seed: string; readonly firstObservedAt: string },
  facts: MemberFindingFacts,
  accountId: string,
  state: 'open' | 'resolved',
  detectorId: string | null,
): DriftFinding {
  const { digest } = facts;
  const line = digest.accounts.find((entry) => entry.accountId === accountId);
  const step = digestNextStep(digest);
  const who = digest.actor?.principalArn
    ? `Changed by ${digest.actor.principalArn}${digest.eventName ? ` (${digest.eventName} at ${digest.eventTime})` : ''}.`
    : 'Found by the scheduled sweep: who made the change is not known.';
  const drifted = line !== undefined;
  return {
    ref: { id: memberFindingIdOf(seed.seed, accountId), firstObservedAt: seed.firstObservedAt },
    partition: deps.config.notificationTopicArn.split(':')[1] ?? 'aws',
    accountId: deps.trigger.accountId,
    region: deps.trigger.region,
    resource: { accountId, region: digest.region, detectorId },
    state,
    severity: digestSeverityOf(digest),
    title:
      state === 'resolved'
        ? `EKS Runtime Monitoring is on again in member account ${accountId}`
        : `EKS Runtime Monitoring is off in member account ${accountId}`,
    description: [
      state === 'resolved'
        ? 'Protection is back on in this member account (read back by the responder).'
        : 'Protection is off in this member account of the organization.',
      ...(digest.outcome === 'would-remediate'
        ? ['Left off: the responder runs in notify mode and only reports.']
        : []),
      ...(drifted ? [`What the responder did for the organization: ${digest.action}`, who] : []),
      ...(line?.problems.length ? [`Found: ${line.problems.join('; ')}.`] : []),
      ...(line?.detail ? [`Result: ${line.result ?? 'none'}: ${line.detail}.`] : []),
    ],
    recommendation: `Next step: ${step.command}. Runbook: ${step.runbook}.`,
    runbookUrl: digest.runbookUrl ? step.runbook.replace(/ \(.*$/, '') : undefined,
    updatedAt: deps.now().toISOString(),
    productFields: {
      'guardduty-drift-responder/outcome': digest.outcome,
      'guardduty-drift-responder/mode': digest.mode,
      'guardduty-drift-responder/trigger': digest.trigger,
      'guardduty-drift-responder/member': accountId,
    },
  };
}

/** What to send: the open members first (all of them fit), then new drifts while the bound allows. */
function plan(open: ReadonlySet<string>, facts: MemberFindingFacts) {
  const states = new Map<string, 'open' | 'resolved'>();
  const restored = new Set(
    facts.digest.accounts.filter((line) => RESTORED.has(line.result ?? '')).map((line) => line.accountId),
  );
  for (const accountId of facts.compliant) if (open.has(accountId)) states.set(accountId, 'resolved');
  const fresh: string[] = [];
  for (const accountId of facts.drifted) {
    const state = restored.has(accountId) ? 'resolved' : 'open';
    if (open.has(accountId)) states.set(accountId, state);
    else fresh.push(accountId);
  }
  let tracked = open.size;
  let capped = 0;
  for (const accountId of fresh) {
    const state = restored.has(accountId) ? 'resolved' : 'open';
    // Bounded twice: at most MAX_MEMBER_FINDINGS sent per digest, and at most that many kept open in the case.
    if (states.size >= MAX_MEMBER_FINDINGS || (state === 'open' && tracked >= MAX_MEMBER_FINDINGS)) {
      capped += 1;
      continue;
    }
    states.set(accountId, state);
    if (state === 'open') tracked += 1;
  }
  return { states, capped };
}

/**
 * Imports the member findings of an organization digest and resolves those read back protected; resolves to what the
 * case keeps (undefined once none is open). Never throws.
 */
export async function syncMemberFindings(
  deps: FindingDeps,
  text: string,
  facts: MemberFindingFacts,
): Promise<string | undefined> {
  const kept = decodeMemberFindings(text);
  if (kept === undefined) {
    deps.logger.warn('security-hub-finding-unreadable', { eventId: deps.trigger.eventId });
    return undefined;
  }
  // Account → the detector its finding was made with (kept, so a finding's resource never changes).
  const open = new Map(kept.open.map((entry) => [openMember(entry).accountId, openMember(entry).detectorId]));
  const { states, capped } = plan(new Set(open.keys()), facts);
  if (capped > 0) {
    deps.logger.warn('security-hub-findings-capped', {
      eventId: deps.trigger.eventId,
      capped,
      limit: MAX_MEMBER_FINDINGS,
    });
  }
  if (states.size === 0) return open.size === 0 ? undefined : text;
  const entries = [...states];
  const detectorOf = (accountId: string) =>
    open.has(accountId) ? (open.get(accountId) ?? null) : (facts.detectors?.get(accountId) ?? null);
  const findings = entries.map(([accountId, state]) =>
    toAsff(memberFinding(deps, kept, facts, accountId, state, detectorOf(accountId))),
  );
  const resolved = findings.filter((_finding, index) => entries[index]?.[1] === 'resolved');
  const sent = await send(deps, findings, resolved);
  // Sent: what is still off stays; what is back is forgotten. Not sent: every member tried stays, for the next read.
  for (const [accountId, state] of states) {
    if (state === 'open' || !sent) open.set(accountId, detectorOf(accountId));
    else open.delete(accountId);
  }
  if (open.size === 0) return undefined;
  const list = [...open].map(([accountId, detectorId]) =>
    detectorId && /^[0-9a-z]{1,64}$/.test(detectorId) ? `${accountId}:${detectorId}` : accountId,
  );
  return encodeMemberFindings({ ...kept, open: list.slice(0, MAX_MEMBER_FINDINGS) });
}

async function send(
  deps: FindingDeps,
  findings: readonly AsffFinding[],
  resolved: readonly AsffFinding[],
): Promise<boolean> {
  try {
    await deps.findings.import(findings);
    if (resolved.length > 0) {
      await deps.findings.resolve(resolved, 'Protection read back on; resolved by the responder.');
    }
    deps.logger.info('security-hub-member-findings', {
      eventId: deps.trigger.eventId,
      open: findings.length - resolved.length,
      resolved: resolved.length,
    });
    return true;
  } catch (error) {
    deps.metrics.count(SECURITY_HUB_FAILED_METRIC);
    deps.logger.error('security-hub-failed', {
      eventId: deps.trigger.eventId,
      findings: findings.length,
      error: describeError(error),
    });
    return false;
  }
}

/**
 * A read that finds members of the organization case's open findings compliant, with no digest to carry them (the
 * case is settled, or was abandoned by a crash): resolves them and keeps the rest. Never throws.
 */
export async function resolveCompliantMembers(
  deps: FindingDeps & { readonly store: StateStorePort },
  key: string,
  record: ClaimRecord,
  facts: MemberFindingFacts,
): Promise<void> {
  const text = record.finding;
  // A case still held (its lease runs) is being worked on: its own digest sends the findings.
  const held = record.status === 'IN_PROGRESS' && (record.leaseUntil?.getTime() ?? 0) > deps.now().getTime();
  if (text === undefined || held || facts.compliant.length === 0) return;
  const next = await syncMemberFindings(deps, text, facts);
  if (next === text) return;
  try {
    await deps.store.forgetFinding(key, text, next);
  } catch (error) {
    // Resolved in Security Hub; the next read resolves them once more (the same ids, the same state).
    deps.logger.error('state-settle-failed', {
      eventId: deps.trigger.eventId,
      key,
      error: describeError(error),
    });
  }
}
