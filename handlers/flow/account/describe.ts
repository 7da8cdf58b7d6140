/** How the account target describes what it found and did: the alert facts and the decision line. */
import {
  type AlertFacts,
  type AlertOutcome,
  describePlan,
  renderNotification,
  snapshot,
  type TimeOff,
} from '../../alerts/detector.js';
import type { Decision, Outcome } from '../../core/decide.js';
import type { Evaluation } from '../../core/evaluate.js';
import type { Exemption } from '../../core/exemption.js';
import type { DetectorState } from '../../core/types.js';
import type { ClaimRecord, RemediationRecord } from '../../ports.js';
import type { CaseAct } from '../case.js';
import { alertContext, type InvocationContext, timeOffOf } from '../context.js';

export interface DetectorReport {
  readonly outcome: Outcome | AlertOutcome;
  readonly detectorId: string | null;
  readonly reason?: string;
  readonly remediation?: 'succeeded' | 'failed';
  readonly messageId?: string;
  /** A restore confirmed by its read-back: how long protection was off (the audit line's time-to-restore). */
  readonly timeOff?: TimeOff;
}

/** One detector as read for a decision. */
export interface Target {
  readonly detectorId: string | undefined;
  readonly state: DetectorState | undefined;
  readonly evaluation: Evaluation | undefined;
  readonly exemption: Exemption;
  /** When the read began (see CaseClaim.observedAt). */
  readonly observedAt: Date;
}

export const NO_DETECTOR: Omit<Target, 'observedAt'> = {
  detectorId: undefined,
  state: undefined,
  evaluation: undefined,
  exemption: { status: 'none' },
};

/** What the responder did (nothing) about a drift it leaves in place, and why. */
export function standingAction(
  decision: Extract<Decision, { outcome: 'would-remediate' | 'exempt' | 'detector-deleted' }>,
): string {
  switch (decision.outcome) {
    case 'would-remediate':
      return `Nothing (notify mode). Remediate mode would send ${describePlan(decision.plan)}.`;
    case 'exempt':
      return 'Nothing: the detector is exempt, so the change is reported and left in place.';
    case 'detector-deleted':
      return (
        'Nothing: the responder does not re-create detectors. Re-create one with `aws guardduty create-detector ' +
        "--enable --features 'Name=RUNTIME_MONITORING,Status=ENABLED,AdditionalConfiguration=[{Name=EKS_ADDON_MANAGEMENT,Status=ENABLED}]'`."
      );
  }
}

/** The page for one detector, and the decision line it becomes once published. */
export function alertAct(
  alertFacts: AlertFacts,
  extra: { remediation?: RemediationRecord | undefined } = {},
): Extract<CaseAct<DetectorReport>, { status: 'alert' }> {
  return {
    status: 'alert',
    alert: {
      outcome: alertFacts.outcome,
      rendered: renderNotification(alertFacts),
      finding: alertFacts,
      ...extra,
    },
    report: (messageId) => ({
      outcome: alertFacts.outcome,
      detectorId: alertFacts.detectorId,
      messageId,
      ...(alertFacts.remediation ? { remediation: alertFacts.remediation } : {}),
      ...(alertFacts.remediation === 'succeeded' && alertFacts.timeOff
        ? { timeOff: alertFacts.timeOff }
        : {}),
    }),
  };
}

export function pendingReport(
  previous: ClaimRecord,
  detectorId: string | null,
  messageId: string,
): DetectorReport {
  return {
    outcome: (previous.outcome ?? 'remediate') as AlertOutcome,
    detectorId,
    messageId,
    reason: 'delivered the alert a previous attempt could not publish',
  };
}

export function facts(
  context: InvocationContext,
  outcome: AlertOutcome,
  target: Target,
  action: string,
): AlertFacts {
  const before = target.state && target.evaluation ? snapshot(target.state.status, target.evaluation) : null;
  return {
    ...alertContext(context.trigger, context.config),
    outcome,
    detectorId: target.detectorId ?? null,
    mode: context.config.mode,
    problems: target.evaluation?.problems ?? (target.state ? [] : ['no GuardDuty detector in this Region']),
    action,
    before,
    after: outcome === 'remediate' ? null : before,
    exemption: target.exemption,
    // Built after the read-back: now is when the restore was confirmed (or found to have failed).
    ...(outcome === 'remediate'
      ? { timeOff: timeOffOf(context, target.observedAt, context.deps.now()) }
      : {}),
  };
}
