/**
 * Account target: the detectors of this account and Region. It reads, decides through the pure core, remediates one
 * detector (remediate.ts) and describes the facts (describe.ts); the pipeline (flow/case.ts) does the claiming,
 * paging and settling. One drift of one detector is one case, whichever trigger sees it first.
 */
import { describePlan, snapshot } from '../../alerts/detector.js';
import { applyCircuitBreaker, type Decision, decide, driftFingerprint } from '../../core/decide.js';
import { evaluate } from '../../core/evaluate.js';
import { parseExemption } from '../../core/exemption.js';
import {
  DISABLE_DENIED_METRIC,
  DRIFT_DETECTED_METRIC,
  REMEDIATION_SUCCEEDED_METRIC,
} from '../../core/metrics.js';
import type { ApiCallInput } from '../../core/types.js';
import { ResponderError } from '../../errors.js';
import type { ClaimRecord } from '../../ports.js';
import { type CaseAct, runCase, runOwed } from '../case.js';
import type { InvocationContext } from '../context.js';
import { owesAlert } from '../delivery.js';
import { decodeIntent, encodeIntent } from '../intent.js';
import { type ClaimKey, caseKey, caseRecordKey, eventKey, STANDING_DRIFT_TTL_SECONDS } from '../keys.js';
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
import { costWarning, historyKey, remediateDetector } from './remediate.js';

export type { DetectorReport } from './describe.js';

const HOUR_MS = 60 * 60 * 1000;
const SWEEP_CONCURRENCY = 4;

/** How often the detector was re-enabled in the last hour (history dated after now does not count). */
function recentRemediations(context: InvocationContext, detectorId: string): Promise<number> {
  const now = context.deps.now();
  const since = new Date(now.getTime() - HOUR_MS);
  return context.deps.store.countRemediationsSince(historyKey(context, detectorId), since, now);
}

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
  // A call that took protection away most likely left a drift to restore: count the detector's recent re-enables
  // while it is read, so only the claim stands between the read and the write (one round trip less).
  const likelyRestore = context.trigger.reducedProtection && context.config.mode === 'remediate';
  const recent = likelyRestore ? recentRemediations(context, detectorId) : undefined;
  recent?.catch(() => undefined); // awaited below when needed; a failure must not go unhandled meanwhile
  return handleDetector(context, await readTarget(context, detectorId), recent);
}

/** Every detector of the Region (a Region without one is reported); one failure fails the invocation, not the rest. */
export async function sweepDetectors(context: InvocationContext): Promise<DetectorReport[]> {
  const observedAt = context.deps.now();
  const ids = await context.detectorIds();
  if (ids.length === 0) return [await handleDetector(context, { ...NO_DETECTOR, observedAt })];
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
      const target: Target = { ...NO_DETECTOR, detectorId: input.detectorId, observedAt: context.deps.now() };
      const error = `${input.errorCode ?? 'an error'}${input.errorMessage ? ` (${input.errorMessage})` : ''}`;
      return alertAct({
        ...facts(
          context,
          'disable-denied',
          target,
          `Nothing: the call failed with ${error}, so nothing changed.`,
        ),
        // The call changed nothing: what it tried is the news, not the detector (which was never read).
        problems: input.change.summary,
      });
    },
  });
}

export async function readTarget(context: InvocationContext, detectorId: string): Promise<Target> {
  // Taken before the read: a case that closed after this moment may have fixed what the read returns.
  const observedAt = context.deps.now();
  const state = await context.deps.guardDuty.getDetector(detectorId);
  return {
    detectorId,
    state,
    evaluation: state && evaluate(state, context.config.requireAgentManagement, context.config.runtimeTarget),
    exemption: state
      ? parseExemption(state.tags, context.deps.now(), context.config.maxExemptionDays)
      : { status: 'none' },
    observedAt,
  };
}

export async function handleDetector(
  context: InvocationContext,
  target: Target,
  /** The re-enables of the last hour, when a caller already asked for them. */
  recent?: Promise<number>,
): Promise<DetectorReport> {
  const { config, metrics, trigger } = context;
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
    const count = await (recent ?? recentRemediations(context, target.detectorId));
    decision = applyCircuitBreaker(decision, count, config.maxRemediationsPerHour);
  }
  // A remediation reports the state it leaves behind; DriftDetected keeps the drift itself visible.
  const restores = decision.outcome === 'remediate' || decision.outcome === 'circuit-open';
  if (!restores) metrics.compliance(decision.outcome === 'compliant' || decision.outcome === 'cost-warning');
  if (decision.outcome === 'compliant') {
    const followUp = target.detectorId ? await afterTheFact(context, target.detectorId, target) : undefined;
    return followUp ?? context.log<DetectorReport>({ outcome: 'compliant', detectorId });
  }

  const claim = detectorCase(context, decision, target);
  return runCase<DetectorReport>(context, {
    claim,
    duplicate: (existing) => joinCase(context, target, claim, existing),
    // Both generations enabled is a cost, not a drift: it stays out of DriftDetected.
    firstAttempt: () => {
      if (decision.outcome !== 'cost-warning') metrics.count(DRIFT_DETECTED_METRIC);
    },
    pending: (previous, messageId) => pendingReport(previous, detectorId, messageId),
    act: (previous) => act(context, decision, target, previous),
  });
}

async function act(
  context: InvocationContext,
  decision: Decision,
  target: Target,
  previous: ClaimRecord | undefined,
): Promise<CaseAct<DetectorReport>> {
  switch (decision.outcome) {
    case 'remediate':
      return remediateDetector(context, { plan: decision.plan, target, previous, fight: undefined });
    case 'circuit-open':
      return remediateDetector(context, {
        plan: decision.plan,
        target,
        previous,
        fight: { recentRemediations: decision.recentRemediations },
      });
    case 'would-remediate':
    case 'exempt':
    case 'detector-deleted':
      return {
        ...alertAct(facts(context, decision.outcome, target, standingAction(decision))),
        // A drift left in place pages again after a day, or as soon as it changes (another case).
        closes: { claimableAt: new Date(context.deps.now().getTime() + STANDING_DRIFT_TTL_SECONDS * 1000) },
      };
    case 'cost-warning':
      return costWarning(context, target, decision.retire);
    case 'compliant':
    case 'disable-denied':
    case 'ignored':
      throw new ResponderError(`unexpected decision ${decision.outcome} after the claim`);
  }
}

/**
 * Another trigger holds or has handled this drift. The same trigger, or one that knows no more than the case's
 * owner, has nothing to add. A CloudTrail event that names who made a change the case's page did not name (the
 * sweep got there first, or another event did) sends a short follow-up linked to it.
 */
async function joinCase(
  context: InvocationContext,
  target: Target,
  claim: ClaimKey,
  existing: ClaimRecord | undefined,
): Promise<DetectorReport> {
  const detectorId = target.detectorId ?? null;
  const owner = existing?.owner ?? 'another delivery';
  if (owner !== context.trigger.owner && namesSomeoneNew(context, existing)) {
    return sendFollowUp(context, target, existing);
  }
  const state = existing?.status === 'COMPLETED' ? 'handled' : 'being handled';
  return {
    outcome: 'ignored',
    detectorId,
    reason: `duplicate: this drift is already ${state} by ${owner} (${claim.key})`,
  };
}

/**
 * The detector reads compliant. An earlier attempt may still owe its alert (it crashed after the write, or its
 * Publish failed, or it could not confirm), or the case that restored it named nobody while this event knows who.
 */
async function afterTheFact(
  context: InvocationContext,
  detectorId: string,
  target: Target,
): Promise<DetectorReport | undefined> {
  if (!context.trigger.mayOweAlert) return undefined;
  const { accountId, region } = context.trigger;
  const claim = caseRecordKey({ accountId, region, target: detectorId });
  const record = await context.delivery.read(claim);
  if (record && owesAlert(record)) return deliverOwed(context, claim, record, detectorId, target);
  const closedAfterTheChange =
    record?.closedAt !== undefined && Date.parse(context.trigger.eventTime) <= record.closedAt.getTime();
  if (record?.owner !== context.trigger.owner && closedAfterTheChange && namesSomeoneNew(context, record)) {
    return sendFollowUp(context, target, record);
  }
  return undefined;
}

/** Whether this trigger names a cause the case did not: a change that took protection away, by someone else. */
function namesSomeoneNew(context: InvocationContext, record: ClaimRecord | undefined): boolean {
  const { trigger } = context;
  return (
    record?.owner !== undefined &&
    trigger.reducedProtection &&
    trigger.caseActor !== undefined &&
    record.actor !== trigger.caseActor
  );
}

function deliverOwed(
  context: InvocationContext,
  claim: ClaimKey,
  record: ClaimRecord,
  detectorId: string,
  target: Target,
): Promise<DetectorReport | undefined> {
  return runOwed(context, {
    claim,
    known: record,
    pending: (previous, messageId) => pendingReport(previous, detectorId, messageId),
    back: (previous) => {
      context.metrics.count(REMEDIATION_SUCCEEDED_METRIC);
      const now = target.state && target.evaluation ? snapshot(target.state.status, target.evaluation) : null;
      const intent = decodeIntent(previous.intent);
      const action = intent
        ? `Restored by the responder at ${intent.at} (${intent.action}); this alert was delayed by a failed ` +
          'invocation, and this retry reads the detector compliant: protection is back.'
        : 'An earlier attempt could not confirm its re-enable; this retry reads the detector compliant: protection is back.';
      const alert = alertAct(
        {
          ...facts(context, 'remediate', target, action),
          remediation: 'succeeded',
          before: null,
          after: now,
        },
        {
          // The write the crashed attempt made was never counted: count it now, once, with its own time and actor.
          remediation: intent && {
            detectorKey: historyKey(context, detectorId),
            at: new Date(intent.at),
            eventId: intent.eventId,
            generation: intent.generation,
            actor: intent.actor,
          },
        },
      );
      return { alert: alert.alert, report: alert.report };
    },
  });
}

/** A short page that names who made the change an earlier page (of another trigger) reported without a name. */
function sendFollowUp(
  context: InvocationContext,
  target: Target,
  record: ClaimRecord | undefined,
): Promise<DetectorReport> {
  const claim = eventKey(context.trigger.eventId);
  const detectorId = target.detectorId ?? null;
  const earlier = record?.owner ?? 'an earlier page';
  return runCase<DetectorReport>(context, {
    claim,
    duplicate: () => ({ outcome: 'ignored', detectorId, reason: `duplicate: ${claim.key} already handled` }),
    pending: (previous, messageId) => pendingReport(previous, detectorId, messageId),
    act: async () =>
      alertAct(
        facts(
          context,
          'attribution',
          target,
          `Nothing more: the change was already handled as ${earlier}${record?.actor ? ` (caused by ${record.actor})` : ', which could not say who made it'}. This follow-up names who did it.`,
        ),
      ),
  });
}

/** The case of one detector's drift, claimed by this trigger for what it read and decided. */
function detectorCase(context: InvocationContext, decision: Decision, target: Target): ClaimKey {
  const { trigger, deps } = context;
  const plan =
    decision.outcome === 'remediate' || decision.outcome === 'circuit-open' ? decision.plan : undefined;
  return caseKey(
    { accountId: trigger.accountId, region: trigger.region, target: caseTarget(target) },
    {
      owner: trigger.owner,
      outcome: decision.outcome,
      fingerprint: driftFingerprint(target.state, target.evaluation),
      observedAt: target.observedAt,
      // Recorded with the claim, before the write: a crash after it still owes this alert (see flow/intent.ts).
      intent:
        plan &&
        encodeIntent({
          action: describePlan(plan),
          generation: plan.generation,
          at: deps.now().toISOString(),
          eventId: trigger.eventId,
          actor: trigger.historyActor,
        }),
    },
  );
}

/** A detector that is gone is the same case as a Region without one, which is how the sweep sees it. */
function caseTarget(target: Target): string {
  return target.state === undefined ? 'none' : (target.detectorId ?? 'none');
}
