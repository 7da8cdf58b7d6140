/**
 * How the account target remediates one detector: one UpdateDetector, then a read-back that confirms it. Under
 * RUNTIME_TARGET=unified a second UpdateDetector disables the legacy generation, and only once the first reads back
 * protecting: never both features in one request, and never a moment without protection.
 */
import { type AlertFacts, describePlan, renderNotification, snapshot } from '../../alerts/detector.js';
import type { RemediationPlan } from '../../core/decide.js';
import { type Evaluation, evaluate, findFeature } from '../../core/evaluate.js';
import { REMEDIATION_FAILED_METRIC, REMEDIATION_SUCCEEDED_METRIC } from '../../core/metrics.js';
import { LEGACY_FEATURE, UNIFIED_FEATURE } from '../../core/target.js';
import { type DetectorState, ENABLED } from '../../core/types.js';
import { describeError, ResponderError } from '../../errors.js';
import type { ClaimRecord, RemediationRecord } from '../../ports.js';
import type { CaseAct } from '../case.js';
import type { InvocationContext } from '../context.js';
import { detectorHistoryKey, foldsIntoFightPage } from '../keys.js';
import { alertAct, type DetectorReport, facts, type Target } from './describe.js';

export interface RemediationWork {
  readonly plan: RemediationPlan;
  readonly target: Target;
  /** What the case's previous attempt left (when its fight was last paged). */
  readonly previous: ClaimRecord | undefined;
  /**
   * The detector was re-enabled MAX_REMEDIATIONS_PER_HOUR times in the last hour: someone keeps turning it off. It
   * is restored all the same (a security control never fails open); the page is critical, once per hour.
   */
  readonly fight: { readonly recentRemediations: number } | undefined;
}

/** What the second request of a unified remediation (disable EKS_RUNTIME_MONITORING) came to. */
type RetireResult =
  | { readonly status: 'none' }
  | { readonly status: 'done' }
  | { readonly status: 'failed'; readonly reason: string; readonly error: unknown };

/** The detector as read back after the writes, evaluated as the responder evaluates it. */
interface ReadBack {
  readonly after: DetectorState | undefined;
  readonly evaluation: Evaluation | undefined;
}

export function readBackOf(context: InvocationContext, after: DetectorState | undefined): ReadBack {
  const { requireAgentManagement, runtimeTarget } = context.config;
  return { after, evaluation: after && evaluate(after, requireAgentManagement, runtimeTarget) };
}

function legacyEnabled(state: DetectorState | undefined): boolean {
  return state !== undefined && findFeature(state, LEGACY_FEATURE)?.status === ENABLED;
}

/**
 * The second step: disables the legacy generation, then reads back. Called only once RUNTIME_MONITORING reads back
 * protecting; a detector whose read-back no longer lists the legacy feature enabled needs nothing.
 */
export async function retireLegacy(
  context: InvocationContext,
  retire: RemediationPlan,
  current: ReadBack,
): Promise<{ readonly readBack: ReadBack; readonly result: RetireResult }> {
  if (!legacyEnabled(current.after)) return { readBack: current, result: { status: 'none' } };
  let after: DetectorState | undefined;
  try {
    await context.deps.guardDuty.updateDetector(retire);
    after = await context.deps.guardDuty.getDetector(retire.detectorId);
  } catch (error) {
    return { readBack: current, result: { status: 'failed', reason: describeError(error), error } };
  }
  const readBack = readBackOf(context, after);
  if (after === undefined)
    return { readBack, result: { status: 'failed', reason: 'detector not found', error: undefined } };
  if (legacyEnabled(after)) {
    return {
      readBack,
      result: { status: 'failed', reason: `read back: ${LEGACY_FEATURE} still ENABLED`, error: undefined },
    };
  }
  return { readBack, result: { status: 'done' } };
}

/** One UpdateDetector, a read-back that confirms it, under `unified` the legacy generation's disable, and the page. */
export async function remediateDetector(
  context: InvocationContext,
  { plan, target, previous, fight }: RemediationWork,
): Promise<CaseAct<DetectorReport>> {
  const { deps, metrics, trigger } = context;
  let written = false;
  let after: DetectorState | undefined;
  let failure: unknown;
  try {
    // The first request never carries the legacy disable: that is `plan.retire`, sent after the read-back.
    await deps.guardDuty.updateDetector({ ...plan, retire: undefined });
    written = true;
    after = await deps.guardDuty.getDetector(plan.detectorId);
  } catch (error) {
    failure = error;
  }
  let readBack = readBackOf(context, after);
  let retired: RetireResult = { status: 'none' };
  if (plan.retire && readBack.evaluation?.compliant === true) {
    const second = await retireLegacy(context, plan.retire, readBack);
    readBack = second.readBack;
    retired = second.result;
  }
  after = readBack.after;
  const afterEvaluation = readBack.evaluation;
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
  const firstText = succeeded
    ? 'read back: compliant'
    : failure
      ? `failed: ${describeError(failure)}`
      : `read back: still not compliant (${afterEvaluation?.problems.join('; ') ?? 'detector not found'})`;
  const outcomeText = plan.retire ? `${firstText}${retireText(plan, retired, succeeded)}` : firstText;
  const permission =
    failure instanceof Error && /AccessDenied/i.test(failure.name)
      ? ` The function's role lacks a permission it needs (check guardduty:${failure.message.includes('GetDetector') ? 'GetDetector' : 'UpdateDetector'} on this detector).`
      : '';
  const alertFacts: AlertFacts = {
    ...facts(context, 'remediate', target, `${describeFirst(plan)}; ${outcomeText}.${permission}`),
    // Protected but both generations left on (the second request failed) is still a failed remediation.
    remediation: succeeded && retired.status !== 'failed' ? 'succeeded' : 'failed',
    after: after && afterEvaluation ? snapshot(after.status, afterEvaluation) : null,
  };
  if (succeeded) {
    deps.logger.info('remediated', {
      eventId: trigger.eventId,
      detectorId: plan.detectorId,
      generation: plan.generation,
      ...(fight ? { fight: fight.recentRemediations + 1 } : {}),
    });
    if (retired.status === 'failed') {
      // Protected (RUNTIME_MONITORING read back), but both generations bill: page, and let the retry disable it.
      return failedAct(alertFacts, remediation, {
        detectorId: plan.detectorId,
        message: `detector ${plan.detectorId}: ${UNIFIED_FEATURE} is protecting, but disabling ${LEGACY_FEATURE} failed (${retired.reason})`,
        cause: retired.error,
      });
    }
    if (!fight) return alertAct(alertFacts, { remediation });
    return fightAct(context, { alertFacts, remediation, previous, times: fight.recentRemediations + 1 });
  }
  // Page once per drift about the failure; the retries Lambda makes stay quiet unless they succeed.
  return failedAct(alertFacts, remediation, {
    detectorId: plan.detectorId,
    message: `remediation of detector ${plan.detectorId} failed: ${outcomeText}`,
    cause: failure,
  });
}

/** The first request in words: the legacy disable, if planned, is told by `retireText`. */
function describeFirst(plan: RemediationPlan): string {
  const first = describePlan({ ...plan, retire: undefined });
  return plan.retire ? `step 1: ${first}` : first;
}

/** What became of the second request, for the alert's action line. */
function retireText(plan: RemediationPlan, retired: RetireResult, firstSucceeded: boolean): string {
  if (!firstSucceeded) {
    return `; step 2 (${LEGACY_FEATURE} → DISABLED) not sent: ${LEGACY_FEATURE} stays as it was, so whatever protection it gives is kept`;
  }
  switch (retired.status) {
    case 'none':
      return `; step 2 not needed: the read-back lists ${LEGACY_FEATURE} as not enabled`;
    case 'done':
      return `; step 2: UpdateDetector ${plan.detectorId}: ${LEGACY_FEATURE} → DISABLED (its additional configuration unchanged); read back: ${LEGACY_FEATURE} is off`;
    case 'failed':
      return (
        `; step 2: UpdateDetector ${plan.detectorId}: ${LEGACY_FEATURE} → DISABLED failed: ${retired.reason}. ` +
        `The detector is protected by ${UNIFIED_FEATURE}; both generations bill until ${LEGACY_FEATURE} is disabled (the retry tries again)`
      );
  }
}

/** A page about a failure, then the error that makes Lambda retry the invocation (paged once per case). */
export function failedAct(
  alertFacts: AlertFacts,
  remediation: RemediationRecord | undefined,
  error: { readonly detectorId: string; readonly message: string; readonly cause: unknown },
): CaseAct<DetectorReport> {
  return {
    status: 'failed',
    // A write GuardDuty refused (4xx) changed nothing: the case must not say later that it was restored by it.
    // (The history record exists only for a write that went through.)
    written: remediation !== undefined || !refusedOutright(error.cause),
    failure: {
      outcome: alertFacts.outcome,
      rendered: renderNotification(alertFacts),
      remediation,
      finding: alertFacts,
    },
    error: new ResponderError(error.message, { cause: error.cause }),
    report: (messageId) => ({
      outcome: alertFacts.outcome,
      detectorId: error.detectorId,
      remediation: 'failed',
      ...(messageId ? { messageId } : {}),
    }),
  };
}

/**
 * A restore in a fight: the first page of the hour is critical and says so; the ones after it within the hour are
 * folded into it (the case is settled, the history and metrics count it, the log line says it was folded).
 */
function fightAct(
  context: InvocationContext,
  work: {
    readonly alertFacts: AlertFacts;
    readonly remediation: RemediationRecord | undefined;
    readonly previous: ClaimRecord | undefined;
    readonly times: number;
  },
): CaseAct<DetectorReport> {
  const now = context.deps.now();
  const lastPage = work.previous?.fightPagedAt;
  const detectorId = work.alertFacts.detectorId;
  if (lastPage && foldsIntoFightPage(lastPage, now)) {
    return {
      status: 'fold',
      outcome: 'circuit-open',
      remediation: work.remediation,
      finding: { ...work.alertFacts, outcome: 'circuit-open' },
      report: () => ({
        outcome: 'circuit-open',
        detectorId,
        remediation: 'succeeded',
        reason: `re-enabled again; folded into the fight page of ${lastPage.toISOString()}`,
      }),
    };
  }
  const who = context.trigger.caseActor ?? 'someone the sweep cannot name';
  const action =
    `${work.alertFacts.action} This detector has been turned off ${work.times} times in the last hour (latest by ` +
    `${who}): the responder keeps restoring it, and folds further re-enables within the hour into this page. ` +
    'Find who keeps turning it off and revoke their access.';
  return {
    ...alertAct({ ...work.alertFacts, outcome: 'circuit-open', action }, { remediation: work.remediation }),
    closes: { fightPagedAt: now },
  };
}

/** An error GuardDuty answered with a client error (400–499): the request was not applied. */
function refusedOutright(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata
    ?.httpStatusCode;
  return status !== undefined && status >= 400 && status < 500;
}

/** Where the circuit breaker counts this detector's remediations. */
export function historyKey(context: InvocationContext, detectorId: string): string {
  return detectorHistoryKey(context.trigger.accountId, context.trigger.region, detectorId);
}
