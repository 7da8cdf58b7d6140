/** How the account target remediates one detector: one UpdateDetector, then a read-back that confirms it. */
import { type AlertFacts, describePlan, renderNotification, snapshot } from '../../alerts/detector.js';
import type { RemediationPlan } from '../../core/decide.js';
import { evaluate } from '../../core/evaluate.js';
import { REMEDIATION_FAILED_METRIC, REMEDIATION_SUCCEEDED_METRIC } from '../../core/metrics.js';
import type { DetectorState } from '../../core/types.js';
import { describeError, ResponderError } from '../../errors.js';
import type { ClaimRecord, RemediationRecord } from '../../ports.js';
import type { CaseAct } from '../case.js';
import type { InvocationContext } from '../context.js';
import { detectorHistoryKey, FIGHT_WINDOW_MS } from '../keys.js';
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

/** One UpdateDetector, a read-back that confirms it, and what to page. */
export async function remediateDetector(
  context: InvocationContext,
  { plan, target, previous, fight }: RemediationWork,
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
  const permission =
    failure instanceof Error && /AccessDenied/i.test(failure.name)
      ? ` The function's role lacks a permission it needs (check guardduty:${failure.message.includes('GetDetector') ? 'GetDetector' : 'UpdateDetector'} on this detector).`
      : '';
  const alertFacts: AlertFacts = {
    ...facts(context, 'remediate', target, `${describePlan(plan)}; ${outcomeText}.${permission}`),
    remediation: succeeded ? 'succeeded' : 'failed',
    after: after && afterEvaluation ? snapshot(after.status, afterEvaluation) : null,
  };
  if (succeeded) {
    deps.logger.info('remediated', {
      eventId: trigger.eventId,
      detectorId: plan.detectorId,
      generation: plan.generation,
      ...(fight ? { fight: fight.recentRemediations + 1 } : {}),
    });
    if (!fight) return alertAct(alertFacts, { remediation });
    return fightAct(context, { alertFacts, remediation, previous, times: fight.recentRemediations + 1 });
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
  if (lastPage && now.getTime() - lastPage.getTime() < FIGHT_WINDOW_MS) {
    return {
      status: 'fold',
      outcome: 'circuit-open',
      remediation: work.remediation,
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

/** Where the circuit breaker counts this detector's remediations. */
export function historyKey(context: InvocationContext, detectorId: string): string {
  return detectorHistoryKey(context.trigger.accountId, context.trigger.region, detectorId);
}
