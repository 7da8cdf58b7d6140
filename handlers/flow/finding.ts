/**
 * Security Hub findings of drifts (SECURITY_HUB=true, docs/audit.md). A case that opens for a drift claims a finding
 * id with it (kept while the drift lasts); when the case's alert goes out, its finding is imported alongside the
 * Publish: open (Compliance FAILED, Workflow NEW) while protection is off, resolved (Compliance PASSED, then Workflow
 * RESOLVED through BatchUpdateFindings) once the read-back confirms it is back. A Security Hub failure is logged and
 * counted, never thrown: the page and the remediation never wait on it. The case keeps the finding until Security
 * Hub has it RESOLVED, so a later compliant read (the sweep) resolves what a failed call, or a drift left standing
 * and fixed by someone else, left open.
 */
import { type AlertFacts, headline, nextStepOf, severityOf, timeOffText } from '../alerts/detector.js';
import { SECURITY_HUB_FAILED_METRIC } from '../contract.js';
import {
  type AlertSeverity,
  type DriftFinding,
  decodeFindingRef,
  encodeFindingRef,
  findingIdOf,
  toAsff,
} from '../core/finding.js';
import type { MetricBatch } from '../core/metrics.js';
import type { ResponderConfig } from '../core/types.js';
import { describeError } from '../errors.js';
import type { CaseClaim, ClaimRecord, FindingsPort, LogPort, StateStorePort } from '../ports.js';
import type { TriggerFacts } from './context.js';
import { type MemberFindingFacts, syncMemberFindings } from './member-findings.js';

/** Imports (and resolves) the finding of a case for an alert's facts; resolves to what the case keeps of it. */
export type FindingSync = (
  finding: string,
  facts: AlertFacts | MemberFindingFacts,
) => Promise<string | undefined>;

export interface FindingDeps {
  readonly findings: FindingsPort;
  readonly logger: LogPort;
  readonly metrics: MetricBatch;
  readonly now: () => Date;
  readonly trigger: TriggerFacts;
  readonly config: ResponderConfig;
}

/** The outcomes that are drifts (a finding each), and whether the alert says protection is back. */
export function findingState(
  facts: Pick<AlertFacts, 'outcome' | 'remediation'> & { readonly after?: AlertFacts['after'] },
): 'open' | 'resolved' | undefined {
  switch (facts.outcome) {
    case 'remediate':
    case 'circuit-open':
      // Protection read back on is the end of the drift, even when a second step failed (both generations billing:
      // the alert still pages that, as a failed remediation).
      return facts.remediation === 'succeeded' || facts.after?.compliant === true ? 'resolved' : 'open';
    case 'would-remediate':
    case 'exempt':
    case 'detector-deleted':
      return 'open';
    default:
      // A denied call changed nothing; a follow-up, an exemption change or a cost warning is no drift.
      return undefined;
  }
}

/** Whether a decision's outcome opens a finding when it claims its case (cost warnings and the rest do not). */
export function opensFinding(outcome: string): boolean {
  return findingState({ outcome: outcome as AlertFacts['outcome'], remediation: undefined }) !== undefined;
}

/** The finding a drift's claim offers (kept only when its case holds none still open); undefined without Security Hub. */
export function claimedFinding(
  deps: { readonly findings?: FindingsPort | undefined },
  caseKey: string,
  claim: Pick<CaseClaim, 'owner' | 'outcome' | 'observedAt'>,
): string | undefined {
  if (deps.findings === undefined || !opensFinding(claim.outcome)) return undefined;
  return encodeFindingRef({
    id: findingIdOf(caseKey, claim.owner),
    firstObservedAt: claim.observedAt.toISOString(),
  });
}

/** `arn:aws-cn:sns:…` → `aws-cn`: the deployment's partition, from its own (validated) topic ARN. */
function partitionOf(config: ResponderConfig): string {
  return config.notificationTopicArn.split(':')[1] ?? 'aws';
}

/** The finding of an alert's facts, in plain data (core/finding.ts maps it to ASFF and scrubs every string). */
function driftFinding(
  deps: FindingDeps,
  ref: NonNullable<ReturnType<typeof decodeFindingRef>>,
  facts: AlertFacts,
  state: 'open' | 'resolved',
  title: string = headline(facts),
): DriftFinding {
  const step = nextStepOf(facts);
  const who = facts.actor?.principalArn
    ? `Changed by ${facts.actor.principalArn}${facts.eventName ? ` (${facts.eventName} at ${facts.eventTime})` : ''}.`
    : 'Found by the scheduled sweep: who made the change is not known (a later follow-up alert names them).';
  const exemption =
    facts.exemption.status === 'active'
      ? `Exempt until ${facts.exemption.until}: ${facts.exemption.reason}.`
      : undefined;
  const why =
    facts.outcome === 'would-remediate'
      ? 'Left off: the responder runs in notify mode and only reports.'
      : facts.outcome === 'exempt'
        ? 'Left off: the detector carries a valid exemption, so the drift is reported and not reverted.'
        : undefined;
  const off = timeOffText(facts);
  return {
    ref,
    partition: partitionOf(deps.config),
    accountId: deps.trigger.accountId,
    region: deps.trigger.region,
    resource: { accountId: facts.accountId, region: facts.region, detectorId: facts.detectorId },
    state,
    severity: severityOf(facts) as AlertSeverity,
    title,
    description: [
      state === 'resolved' ? 'Protection is back on (read back by the responder).' : 'Protection is off.',
      ...(why ? [why] : []),
      ...(exemption ? [exemption] : []),
      `What the responder did: ${facts.action}`,
      who,
      ...(off ? [`${off.charAt(0).toUpperCase()}${off.slice(1)}.`] : []),
      ...(facts.problems.length ? [`Found: ${facts.problems.join('; ')}.`] : []),
    ],
    recommendation: `Next step: ${step.command}. Runbook: ${step.runbook}.`,
    // The runbook link is a URL only when the deployment names one (RUNBOOK_URL); otherwise it stays in the text.
    runbookUrl: facts.runbookUrl ? step.runbook.replace(/ \(.*$/, '') : undefined,
    updatedAt: deps.now().toISOString(),
    productFields: {
      'guardduty-drift-responder/outcome': facts.outcome,
      'guardduty-drift-responder/mode': facts.mode,
      'guardduty-drift-responder/trigger': facts.trigger,
    },
  };
}

/** Imports one finding, and resolves it when it says protection is back; true when Security Hub took all of it. */
async function send(deps: FindingDeps, finding: DriftFinding): Promise<boolean> {
  const asff = toAsff(finding);
  try {
    await deps.findings.import([asff]);
    if (finding.state === 'resolved') {
      await deps.findings.resolve(
        [asff],
        `Protection read back on at ${finding.updatedAt}; resolved by the responder.`,
      );
    }
    deps.logger.info('security-hub-finding', {
      eventId: deps.trigger.eventId,
      findingId: asff.Id,
      state: finding.state,
    });
    return true;
  } catch (error) {
    // Never thrown: the page and the remediation do not depend on Security Hub. The case keeps the finding, so the
    // next compliant read (or the drift's next page) sends it again.
    deps.metrics.count(SECURITY_HUB_FAILED_METRIC);
    deps.logger.error('security-hub-failed', {
      eventId: deps.trigger.eventId,
      findingId: asff.Id,
      state: finding.state,
      error: describeError(error),
    });
    return false;
  }
}

/** The Delivery's hook: the finding of a case's alert, sent alongside its Publish. */
export function findingSync(deps: FindingDeps): FindingSync {
  return async (text, facts) => {
    // Organization scope: one finding per drifted member (flow/member-findings.ts).
    if ('kind' in facts) return syncMemberFindings(deps, text, facts);
    const state = findingState(facts);
    if (state === undefined) return text;
    const ref = decodeFindingRef(text);
    if (ref === undefined) {
      // Not one the responder wrote (only its role may write the table): drop it; the next drift gets its own.
      deps.logger.warn('security-hub-finding-unreadable', { eventId: deps.trigger.eventId });
      return undefined;
    }
    const sent = await send(deps, driftFinding(deps, ref, facts, state));
    return sent && state === 'resolved' ? undefined : text;
  };
}

/**
 * A compliant read of a target whose case (settled, or abandoned by a crash) still holds a finding (a standing drift someone else fixed, a
 * resolve that failed): resolves it and forgets it. Never throws; a failure leaves it for the next read.
 */
export async function resolveOnCompliantRead(
  deps: FindingDeps & { readonly store: StateStorePort },
  key: string,
  record: ClaimRecord,
  facts: AlertFacts,
): Promise<void> {
  const text = record.finding;
  // A case still held (its lease runs) is being worked on: its own alert sends the finding.
  const held = record.status === 'IN_PROGRESS' && (record.leaseUntil?.getTime() ?? 0) > deps.now().getTime();
  if (text === undefined || held) return;
  const ref = decodeFindingRef(text);
  const resolved =
    ref === undefined ||
    (await send(
      deps,
      driftFinding(deps, ref, facts, 'resolved', 'EKS Runtime Monitoring is on again: the drift is over'),
    ));
  if (!resolved) return;
  try {
    await deps.store.forgetFinding(key, text);
  } catch (error) {
    // Resolved in Security Hub; the next read resolves it once more (the same id, the same state) and tries again.
    deps.logger.error('state-settle-failed', {
      eventId: deps.trigger.eventId,
      key,
      error: describeError(error),
    });
  }
}
