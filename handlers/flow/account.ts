/**
 * Account target: the detectors of this account and Region. It reads, decides through the pure core, remediates
 * one detector and describes the facts; the pipeline (flow/case.ts) does the claiming, paging and settling.
 */
import {
  type AlertFacts,
  type AlertOutcome,
  describePlan,
  renderNotification,
  snapshot,
} from '../alerts/detector.js';
import {
  applyCircuitBreaker,
  type Decision,
  decide,
  driftFingerprint,
  type Outcome,
  type RemediationPlan,
} from '../core/decide.js';
import { type Evaluation, evaluate } from '../core/evaluate.js';
import { type Exemption, parseExemption } from '../core/exemption.js';
import {
  DISABLE_DENIED_METRIC,
  DRIFT_DETECTED_METRIC,
  REMEDIATION_FAILED_METRIC,
  REMEDIATION_SUCCEEDED_METRIC,
} from '../core/metrics.js';
import type { ApiCallInput, DetectorState } from '../core/types.js';
import { describeError, ResponderError } from '../errors.js';
import type { ClaimRecord, RemediationRecord } from '../ports.js';
import { type CaseAct, runCase, runOwed } from './case.js';
import { alertContext, type InvocationContext } from './context.js';
import { type ClaimKey, detectorHistoryKey, driftKey, eventKey } from './keys.js';
import { settleWithConcurrency } from './pool.js';

export interface DetectorReport {
  readonly outcome: Outcome;
  readonly detectorId: string | null;
  readonly reason?: string;
  readonly remediation?: 'succeeded' | 'failed';
  readonly messageId?: string;
}

const HOUR_MS = 60 * 60 * 1000;
const SWEEP_CONCURRENCY = 4;

/** One detector as read for a decision. */
interface Target {
  readonly detectorId: string | undefined;
  readonly state: DetectorState | undefined;
  readonly evaluation: Evaluation | undefined;
  readonly exemption: Exemption;
}

const NO_DETECTOR: Target = {
  detectorId: undefined,
  state: undefined,
  evaluation: undefined,
  exemption: { status: 'none' },
};

/** A decision line for an input the responder leaves alone. */
export function ignoreDetector(
  context: InvocationContext,
  detectorId: string | undefined,
  reason: string,
): DetectorReport {
  return context.log({ outcome: 'ignored', detectorId: detectorId ?? null, reason });
}

/** An API call named one detector: read it and decide. */
export async function respondForDetector(
  context: InvocationContext,
  detectorId: string,
): Promise<DetectorReport> {
  return handleDetector(context, await readTarget(context, detectorId));
}

/** Every detector of the Region (a Region without one is reported); one failure fails the invocation, not the rest. */
export async function sweepDetectors(context: InvocationContext): Promise<DetectorReport[]> {
  const ids = await context.detectorIds();
  if (ids.length === 0) return [await handleDetector(context, NO_DETECTOR)];
  const settled = await settleWithConcurrency(ids, SWEEP_CONCURRENCY, async (id) =>
    handleDetector(context, await readTarget(context, id)),
  );
  const reports: DetectorReport[] = [];
  const failures: unknown[] = [];
  for (const result of settled) {
    if (result.status === 'fulfilled') reports.push(result.value);
    else failures.push(result.reason);
  }
  if (failures.length > 0) {
    throw new ResponderError(`sweep failed for ${failures.length} of ${ids.length} detector(s)`, {
      cause: failures.length === 1 ? failures[0] : new AggregateError(failures),
    });
  }
  return reports;
}

/** A failed call that would have reduced protection: nothing changed, but someone tried. */
export function reportDeniedCall(context: InvocationContext, input: ApiCallInput): Promise<DetectorReport> {
  const claim = eventKey(input.eventId);
  const detectorId = input.detectorId ?? null;
  return runCase<DetectorReport>(context, {
    claim,
    duplicate: () => ({ outcome: 'ignored', detectorId, reason: `duplicate: ${claim.key} already handled` }),
    firstAttempt: () => context.metrics.count(DISABLE_DENIED_METRIC),
    pending: (previous, messageId) => pendingReport(previous, detectorId, messageId),
    act: async () => {
      const target: Target = { ...NO_DETECTOR, detectorId: input.detectorId };
      const error = `${input.errorCode ?? 'an error'}${input.errorMessage ? ` (${input.errorMessage})` : ''}`;
      return alertAct(
        facts(
          context,
          'disable-denied',
          target,
          `Nothing: the call failed with ${error}, so nothing changed.`,
        ),
      );
    },
  });
}

async function readTarget(context: InvocationContext, detectorId: string): Promise<Target> {
  const state = await context.deps.guardDuty.getDetector(detectorId);
  return {
    detectorId,
    state,
    evaluation: state && evaluate(state, context.config.requireAgentManagement),
    exemption: state ? parseExemption(state.tags, context.deps.now()) : { status: 'none' },
  };
}

async function handleDetector(context: InvocationContext, target: Target): Promise<DetectorReport> {
  const { config, deps, metrics, trigger } = context;
  const detectorId = target.detectorId ?? null;
  let decision = decide({
    state: target.state,
    evaluation: target.evaluation,
    exemption: target.exemption,
    mode: config.mode,
    requireAgentManagement: config.requireAgentManagement,
    change: trigger.change,
  });
  if (decision.outcome === 'remediate' && target.detectorId) {
    const since = new Date(deps.now().getTime() - HOUR_MS);
    const recent = await deps.store.countRemediationsSince(historyKey(context, target.detectorId), since);
    decision = applyCircuitBreaker(decision, recent, config.maxRemediationsPerHour);
  }
  // A remediation reports the state it leaves behind; DriftDetected keeps the drift itself visible.
  if (decision.outcome !== 'remediate') metrics.compliance(decision.outcome === 'compliant');
  if (decision.outcome === 'compliant') {
    const owed =
      target.detectorId && trigger.mayOweAlert
        ? await deliverOwed(context, target.detectorId, target)
        : undefined;
    return owed ?? context.log<DetectorReport>({ outcome: 'compliant', detectorId });
  }

  const claim = caseClaim(context, decision, target);
  return runCase<DetectorReport>(context, {
    claim,
    duplicate: (existing) => ({
      outcome: 'ignored',
      detectorId,
      reason: `duplicate: this drift is already ${existing?.status === 'COMPLETED' ? 'handled' : 'being handled'} (${claim.key})`,
    }),
    firstAttempt: () => metrics.count(DRIFT_DETECTED_METRIC),
    pending: (previous, messageId) => pendingReport(previous, detectorId, messageId),
    act: () => act(context, decision, target),
  });
}

async function act(
  context: InvocationContext,
  decision: Decision,
  target: Target,
): Promise<CaseAct<DetectorReport>> {
  switch (decision.outcome) {
    case 'remediate':
      return remediate(context, decision.plan, target);
    case 'would-remediate':
    case 'exempt':
    case 'circuit-open':
    case 'detector-deleted':
      return alertAct(facts(context, decision.outcome, target, standingAction(context, decision)), {
        standing:
          context.trigger.standingDrift === 'per-trigger'
            ? standingKey(context, decision.outcome, target)
            : undefined,
      });
    case 'compliant':
    case 'disable-denied':
    case 'ignored':
      throw new ResponderError(`unexpected decision ${decision.outcome} after the claim`);
  }
}

/** What the responder did (nothing) about a drift it leaves in place, and why. */
function standingAction(
  context: InvocationContext,
  decision: Extract<
    Decision,
    { outcome: 'would-remediate' | 'exempt' | 'circuit-open' | 'detector-deleted' }
  >,
): string {
  switch (decision.outcome) {
    case 'would-remediate':
      return `Nothing (notify mode). Remediate mode would send ${describePlan(decision.plan)}.`;
    case 'exempt':
      return 'Nothing: the detector is exempt, so the change is reported and left in place.';
    case 'circuit-open':
      return (
        `Nothing: ${decision.recentRemediations} remediations of this detector in the last hour reached the limit ` +
        `of ${context.config.maxRemediationsPerHour}. Something keeps turning protection off; automatic re-enable ` +
        `resumes when the count drops. Would have sent ${describePlan(decision.plan)}.`
      );
    case 'detector-deleted':
      return (
        'Nothing: the responder does not re-create detectors. Re-create one with `aws guardduty create-detector ' +
        "--enable --features 'Name=RUNTIME_MONITORING,Status=ENABLED,AdditionalConfiguration=[{Name=EKS_ADDON_MANAGEMENT,Status=ENABLED}]'`."
      );
  }
}

async function remediate(
  context: InvocationContext,
  plan: RemediationPlan,
  target: Target,
): Promise<CaseAct<DetectorReport>> {
  const { config, deps, metrics, trigger } = context;
  let written = false;
  let after: DetectorState | undefined;
  let failure: unknown;
  try {
    await deps.guardDuty.updateDetector(plan);
    written = true;
    after = await deps.guardDuty.getDetector(plan.detectorId);
  } catch (error) {
    failure = error;
  }
  const afterEvaluation = after && evaluate(after, config.requireAgentManagement);
  const succeeded = afterEvaluation?.compliant === true;
  metrics.count(succeeded ? REMEDIATION_SUCCEEDED_METRIC : REMEDIATION_FAILED_METRIC);
  metrics.compliance(succeeded);
  const remediation: RemediationRecord | undefined = written
    ? {
        detectorKey: historyKey(context, plan.detectorId),
        at: deps.now(),
        eventId: trigger.eventId,
        generation: plan.generation,
        actor: trigger.historyActor,
      }
    : undefined;
  const outcomeText = succeeded
    ? 'read back: compliant'
    : failure
      ? `failed: ${describeError(failure)}`
      : `read back: still not compliant (${afterEvaluation?.problems.join('; ') ?? 'detector not found'})`;
  const alertFacts: AlertFacts = {
    ...facts(context, 'remediate', target, `${describePlan(plan)}; ${outcomeText}.`),
    remediation: succeeded ? 'succeeded' : 'failed',
    after: after && afterEvaluation ? snapshot(after.status, afterEvaluation) : null,
  };
  if (succeeded) {
    deps.logger.info('remediated', {
      eventId: trigger.eventId,
      detectorId: plan.detectorId,
      generation: plan.generation,
    });
    return alertAct(alertFacts, { remediation });
  }
  // Page once per drift about the failure; the retries Lambda makes stay quiet unless they succeed.
  return {
    status: 'failed',
    failure: { outcome: 'remediate', rendered: renderNotification(alertFacts), remediation },
    error: new ResponderError(`remediation of detector ${plan.detectorId} failed: ${outcomeText}`, {
      cause: failure,
    }),
    report: (messageId) => ({
      outcome: 'remediate',
      detectorId: plan.detectorId,
      remediation: 'failed',
      ...(messageId ? { messageId } : {}),
    }),
  };
}

/** The detector reads compliant: an earlier attempt of this delivery may still owe its alert. */
function deliverOwed(
  context: InvocationContext,
  detectorId: string,
  target: Target,
): Promise<DetectorReport | undefined> {
  return runOwed(context, {
    claim: context.trigger.caseKey(detectorId),
    pending: (previous, messageId) => pendingReport(previous, detectorId, messageId),
    back: () => {
      context.metrics.count(REMEDIATION_SUCCEEDED_METRIC);
      const now = target.state && target.evaluation ? snapshot(target.state.status, target.evaluation) : null;
      return alertAct({
        ...facts(
          context,
          'remediate',
          target,
          'An earlier attempt could not confirm its re-enable; this retry reads the detector compliant: protection is back.',
        ),
        remediation: 'succeeded',
        before: null,
        after: now,
      });
    },
  });
}

/** The page for one detector, and the decision line it becomes once published. */
function alertAct(
  alertFacts: AlertFacts,
  extra: { remediation?: RemediationRecord | undefined; standing?: ClaimKey | undefined } = {},
): Extract<CaseAct<DetectorReport>, { status: 'alert' }> {
  return {
    status: 'alert',
    alert: { outcome: alertFacts.outcome, rendered: renderNotification(alertFacts), ...extra },
    report: (messageId) => ({
      outcome: alertFacts.outcome,
      detectorId: alertFacts.detectorId,
      messageId,
      ...(alertFacts.remediation ? { remediation: alertFacts.remediation } : {}),
    }),
  };
}

function pendingReport(previous: ClaimRecord, detectorId: string | null, messageId: string): DetectorReport {
  return {
    outcome: (previous.outcome ?? 'remediate') as AlertOutcome,
    detectorId,
    messageId,
    reason: 'delivered the alert a previous attempt could not publish',
  };
}

function facts(
  context: InvocationContext,
  outcome: AlertOutcome,
  target: Target,
  action: string,
): AlertFacts {
  const before = target.state && target.evaluation ? snapshot(target.state.status, target.evaluation) : null;
  return {
    ...alertContext(context.trigger),
    outcome,
    detectorId: target.detectorId ?? null,
    mode: context.config.mode,
    problems: target.evaluation?.problems ?? (target.state ? [] : ['no GuardDuty detector in this Region']),
    action,
    before,
    after: outcome === 'remediate' ? null : before,
    exemption: target.exemption,
  };
}

/**
 * What makes two deliveries "the same case": the trigger's own claim when it remediates or when it pages the drift
 * it caused; a standing drift seen by a sweep is the drift itself (a page a day).
 */
function caseClaim(context: InvocationContext, decision: Decision, target: Target): ClaimKey {
  if (context.trigger.standingDrift === 'per-trigger' || decision.outcome === 'remediate')
    return context.trigger.caseKey(target.detectorId ?? 'none');
  return standingKey(context, decision.outcome, target);
}

/** A drift that stays in place (notify mode, exemption, open circuit, no detector), by what it looks like. */
function standingKey(context: InvocationContext, outcome: Outcome, target: Target): ClaimKey {
  return driftKey({
    accountId: context.trigger.accountId,
    region: context.trigger.region,
    // A detector that is gone is the same drift as a Region without one, which is how the sweep sees it.
    target: target.state === undefined ? 'none' : (target.detectorId ?? 'none'),
    outcome,
    fingerprint: driftFingerprint(target.state, target.evaluation),
  });
}

function historyKey(context: InvocationContext, detectorId: string): string {
  return detectorHistoryKey(context.trigger.accountId, context.trigger.region, detectorId);
}
