/**
 * Account target: the detectors of this account and Region. It reads, decides through the pure core, remediates one
 * detector (remediate.ts) and describes the facts (describe.ts); the pipeline (flow/case.ts) does the claiming,
 * paging and settling. One drift of one detector is one case, whichever trigger sees it first.
 */
import { describePlan } from '../../alerts/detector.js';
import { applyCircuitBreaker, type Decision, decide, driftFingerprint } from '../../core/decide.js';
import { evaluate } from '../../core/evaluate.js';
import { type Exemption, parseExemption } from '../../core/exemption.js';
import { DISABLE_DENIED_METRIC, DRIFT_DETECTED_METRIC } from '../../core/metrics.js';
import type { ApiCallInput } from '../../core/types.js';
import { ResponderError } from '../../errors.js';
import type { ClaimRecord } from '../../ports.js';
import { type CaseAct, runCase } from '../case.js';
import type { InvocationContext } from '../context.js';
import { claimedFinding } from '../finding.js';
import { encodeIntent } from '../intent.js';
import {
  type ClaimKey,
  caseKey,
  caseRecordKey,
  deniedEventKey,
  exemptionKey,
  STANDING_DRIFT_TTL_SECONDS,
} from '../keys.js';
import { settleWithConcurrency } from '../pool.js';
import { afterTheFact, joinCase } from './after.js';
import { costWarning } from './cost.js';
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
  return handleDetector(context, await readTarget(context, detectorId), { recent });
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
  const claim = deniedEventKey(input.eventId);
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
  const { maxExemptionDays } = context.config;
  const now = context.deps.now();
  let exemption: Exemption = state ? parseExemption(state.tags, now, maxExemptionDays) : { status: 'none' };
  if (state && (exemption.status === 'active' || exemption.status === 'refused')) {
    // Bounded from when the exemption first appeared: a too distant end refused today is not honoured once it
    // comes within reach (one extra read, only for a detector that carries exemption tags).
    const { accountId, region } = context.trigger;
    const key = exemptionKey(accountId, region, detectorId);
    const firstSeen = await context.deps.store.exemptionFirstSeen(key, exemption.until, now);
    exemption = parseExemption(state.tags, now, maxExemptionDays, firstSeen);
  }
  return {
    detectorId,
    state,
    evaluation: state && evaluate(state, context.config.requireAgentManagement, context.config.runtimeTarget),
    exemption,
    observedAt,
  };
}

export interface HandleOptions {
  /** The re-enables of the last hour, when a caller already asked for them. */
  readonly recent?: Promise<number> | undefined;
  /** Whether joining a case that closed after this read may read the detector once more (false on that re-read). */
  readonly mayReread?: boolean | undefined;
}

export async function handleDetector(
  context: InvocationContext,
  target: Target,
  { recent, mayReread = true }: HandleOptions = {},
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
    duplicate: (existing) =>
      joinCase(context, {
        target,
        claim,
        existing,
        reread:
          mayReread && target.detectorId !== undefined
            ? async () =>
                handleDetector(context, await readTarget(context, target.detectorId ?? ''), {
                  mayReread: false,
                })
            : undefined,
      }),
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

/** The case of one detector's drift, claimed by this trigger for what it read and decided. */
function detectorCase(context: InvocationContext, decision: Decision, target: Target): ClaimKey {
  const { trigger, deps } = context;
  const plan =
    decision.outcome === 'remediate' || decision.outcome === 'circuit-open' ? decision.plan : undefined;
  const where = { accountId: trigger.accountId, region: trigger.region, target: caseTarget(target) };
  const opener = { owner: trigger.owner, outcome: decision.outcome, observedAt: target.observedAt };
  return caseKey(where, {
    finding: claimedFinding(deps, caseRecordKey(where).key, opener),
    owner: trigger.owner,
    outcome: decision.outcome,
    fingerprint: driftFingerprint(target.state, target.evaluation),
    observedAt: target.observedAt,
    actor: trigger.caseActor,
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
  });
}

/** A detector that is gone is the same case as a Region without one, which is how the sweep sees it. */
function caseTarget(target: Target): string {
  return target.state === undefined ? 'none' : (target.detectorId ?? 'none');
}
