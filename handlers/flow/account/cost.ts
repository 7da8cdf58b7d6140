/**
 * Both generations enabled: a cost (EKS Runtime Monitoring keeps billing beside Runtime Monitoring), not a drift.
 * Reported once a day at low severity; under RUNTIME_TARGET=unified in remediate mode the legacy one is disabled.
 */
import { type AlertFacts, snapshot } from '../../alerts/detector.js';

import type { RemediationPlan } from '../../core/decide.js';

import { evaluate, findFeature } from '../../core/evaluate.js';

import { disableLegacyCommand, LEGACY_FEATURE, UNIFIED_FEATURE } from '../../core/target.js';

import type { CaseAct } from '../case.js';

import type { InvocationContext } from '../context.js';

import { STANDING_DRIFT_TTL_SECONDS } from '../keys.js';
import { alertAct, type DetectorReport, facts, type Target } from './describe.js';
import { failedAct, readBackOf, retireLegacy } from './remediate.js';

/**
 * Both generations are enabled and the detector is compliant: a cost warning, once a day per detector (its own
 * case). With `retire` (RUNTIME_TARGET=unified, remediate mode) the responder disables the legacy generation itself;
 * otherwise it says how.
 */
export async function costWarning(
  context: InvocationContext,
  target: Target,
  retire: RemediationPlan | undefined,
): Promise<CaseAct<DetectorReport>> {
  if (retire) return retireRedundant(context, target, retire);
  const state = target.state;
  const detectorId = target.detectorId ?? state?.detectorId ?? 'DETECTOR_ID';
  const { region } = context.trigger;
  const unifiedProtects =
    state !== undefined && evaluate(state, context.config.requireAgentManagement, 'unified').compliant;
  const legacyConfigs = state ? (findFeature(state, LEGACY_FEATURE)?.additionalConfiguration ?? []) : [];
  const how = unifiedProtects
    ? `disable the legacy one: \`${disableLegacyCommand(detectorId, region, legacyConfigs)}\``
    : `${UNIFIED_FEATURE} is not complete yet (EKS add-on management): run \`guardduty-drift migrate --region ${region}\`, which completes it, reads it back and only then disables ${LEGACY_FEATURE}`;
  const action =
    `Nothing: both ${UNIFIED_FEATURE} and ${LEGACY_FEATURE} are enabled, and AWS bills EKS Runtime Monitoring ` +
    `until it is disabled. To stop paying twice, ${how}. With RUNTIME_TARGET=unified (remediate mode) the ` +
    'responder does this itself. This warning repeats once a day while both stay enabled.';
  return {
    ...alertAct(facts(context, 'cost-warning', target, action)),
    closes: { claimableAt: new Date(context.deps.now().getTime() + STANDING_DRIFT_TTL_SECONDS * 1000) },
  };
}

/** RUNTIME_TARGET=unified, remediate mode: disable the redundant legacy generation, read back, and say so. */
async function retireRedundant(
  context: InvocationContext,
  target: Target,
  retire: RemediationPlan,
): Promise<CaseAct<DetectorReport>> {
  const current = readBackOf(context, target.state);
  const { readBack, result } = await retireLegacy(context, retire, current);
  const compliant = readBack.evaluation?.compliant === true;
  context.metrics.compliance(compliant);
  const ok = result.status !== 'failed' && compliant;
  const did =
    `UpdateDetector ${retire.detectorId}: ${LEGACY_FEATURE} → DISABLED (its additional configuration unchanged), ` +
    `sent because ${UNIFIED_FEATURE} already protects the detector (RUNTIME_TARGET=unified)`;
  const outcomeText =
    result.status === 'failed'
      ? `failed: ${result.reason}; both generations keep billing`
      : compliant
        ? `read back: ${LEGACY_FEATURE} is off and ${UNIFIED_FEATURE} protects the detector`
        : `read back: not compliant (${readBack.evaluation?.problems.join('; ') ?? 'detector not found'})`;
  const alertFacts: AlertFacts = {
    ...facts(context, 'cost-warning', target, `${did}; ${outcomeText}.`),
    remediation: ok ? 'succeeded' : 'failed',
    after:
      readBack.after && readBack.evaluation ? snapshot(readBack.after.status, readBack.evaluation) : null,
  };
  if (ok) {
    context.deps.logger.info('legacy-disabled', {
      eventId: context.trigger.eventId,
      detectorId: retire.detectorId,
    });
    return alertAct(alertFacts);
  }
  return failedAct(alertFacts, undefined, {
    detectorId: retire.detectorId,
    message: `disabling ${LEGACY_FEATURE} on detector ${retire.detectorId}: ${outcomeText}`,
    cause: result.status === 'failed' ? result.error : undefined,
  });
}
