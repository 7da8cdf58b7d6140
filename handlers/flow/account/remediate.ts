/** How the account target remediates one detector: one UpdateDetector, then a read-back that confirms it. */
import { type AlertFacts, describePlan, renderNotification, snapshot } from '../../alerts/detector.js';
import type { RemediationPlan } from '../../core/decide.js';
import { evaluate } from '../../core/evaluate.js';
import { REMEDIATION_FAILED_METRIC, REMEDIATION_SUCCEEDED_METRIC } from '../../core/metrics.js';
import type { DetectorState } from '../../core/types.js';
import { describeError, ResponderError } from '../../errors.js';
import type { RemediationRecord } from '../../ports.js';
import type { CaseAct } from '../case.js';
import type { InvocationContext } from '../context.js';
import { detectorHistoryKey } from '../keys.js';
import { alertAct, type DetectorReport, facts, type Target } from './describe.js';

export async function remediateDetector(
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

/** Where the circuit breaker counts this detector's remediations. */
export function historyKey(context: InvocationContext, detectorId: string): string {
  return detectorHistoryKey(context.trigger.accountId, context.trigger.region, detectorId);
}
