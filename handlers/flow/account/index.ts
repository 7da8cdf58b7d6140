/**
 * Account target: the detectors of this account and Region. It reads, decides through the pure core, remediates one
 * detector (remediate.ts) and describes the facts (describe.ts); the pipeline (flow/case.ts) does the claiming,
 * paging and settling.
 */
import { snapshot } from '../../alerts/detector.js';
import {
  applyCircuitBreaker,
  type Decision,
  decide,
  driftFingerprint,
  type Outcome,
} from '../../core/decide.js';
import { evaluate } from '../../core/evaluate.js';
import { parseExemption } from '../../core/exemption.js';
import {
  DISABLE_DENIED_METRIC,
  DRIFT_DETECTED_METRIC,
  REMEDIATION_SUCCEEDED_METRIC,
} from '../../core/metrics.js';
import type { ApiCallInput } from '../../core/types.js';
import { ResponderError } from '../../errors.js';
import { type CaseAct, runCase, runOwed } from '../case.js';
import type { InvocationContext } from '../context.js';
import { type ClaimKey, driftKey, eventKey } from '../keys.js';
import { settleWithConcurrency } from '../pool.js';
import {
  alertAct,
  type DetectorReport,
  facts,
  NO_DETECTOR,
  pendingReport,
  standingAction,
  type Target,
} from './describe.js';
import { historyKey, remediateDetector } from './remediate.js';

export type { DetectorReport } from './describe.js';

const HOUR_MS = 60 * 60 * 1000;

const SWEEP_CONCURRENCY = 4;

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
      return remediateDetector(context, decision.plan, target);
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
