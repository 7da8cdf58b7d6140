import { describePlan } from '../../handlers/alerts/detector.js';
import type { RemediationPlan } from '../../handlers/core/decide.js';
import { findFeature } from '../../handlers/core/evaluate.js';
import { LEGACY_FEATURE, UNIFIED_FEATURE } from '../../handlers/core/target.js';
import { type DetectorState, ENABLED } from '../../handlers/core/types.js';
import type { RegionGuardDuty } from '../aws.js';
import { getDetectorCli, planCli, updateFeatureCli } from '../awscli.js';
import type { Inspection } from '../inspect.js';
import type { CommandReport, DetectorResult } from '../report.js';
import { forEachDetector, forEachRegion, type PartialResult, type RunContext, readBack } from '../run.js';

/**
 * The move from the legacy EKS_RUNTIME_MONITORING to RUNTIME_MONITORING, in the responder's order
 * (RUNTIME_TARGET=unified): step 1 enables RUNTIME_MONITORING with its full additional configuration (EKS add-on
 * management on, the others kept), a read-back, and only when RUNTIME_MONITORING protects, step 2 disables
 * EKS_RUNTIME_MONITORING (its configuration sent back unchanged). Never both features in one request; a failure
 * between the steps leaves the legacy generation, and its protection, as it was.
 */
export async function migrate(context: RunContext, dryRun: boolean): Promise<CommandReport> {
  const unified: RunContext = { ...context, options: { ...context.options, runtimeTarget: 'unified' } };
  const regions = await forEachRegion(unified, (guardDuty, results) =>
    forEachDetector(guardDuty, unified, results, async (before, record) => {
      if (before.exemption.status === 'active') {
        record.notes.push(
          `exempt until ${before.exemption.until}: not migrated (the exemption says protection is meant to stay as it is); ` +
            `run \`guardduty-drift unexempt --region ${guardDuty.region}\` first`,
        );
        return record.finish(undefined, true);
      }
      const plan = migrationPlan(before);
      if (plan === undefined) {
        record.notes.push(
          before.evaluation.compliant
            ? `already on ${UNIFIED_FEATURE}, and ${LEGACY_FEATURE} is not enabled: nothing to do`
            : 'nothing the migration can do (see the problems above)',
        );
        return record.finish(undefined, before.evaluation.compliant);
      }
      return twoSteps(guardDuty, unified, record, before, plan, dryRun);
    }),
  );
  return {
    command: 'migrate',
    dryRun,
    runtimeTarget: 'unified',
    generatedAt: context.now().toISOString(),
    regions,
  };
}

/** The requests of a migration as the responder plans them under RUNTIME_TARGET=unified, or undefined when none. */
function migrationPlan(inspection: Inspection): RemediationPlan | undefined {
  const decision = inspection.decision;
  switch (decision.outcome) {
    case 'remediate':
    case 'circuit-open':
      return decision.plan;
    case 'cost-warning':
      // RUNTIME_MONITORING already protects: only the second step is left.
      return decision.retire && { ...decision.retire, feature: undefined, retire: decision.retire };
    default:
      return undefined;
  }
}

function legacyEnabled(state: DetectorState): boolean {
  return findFeature(state, LEGACY_FEATURE)?.status === ENABLED;
}

/**
 * Step 1 (unless RUNTIME_MONITORING already protects), the read-back, step 2: planned as actions with their AWS CLI
 * equivalents first, so a dry run and a failure halfway show all of them.
 */
export async function twoSteps(
  guardDuty: RegionGuardDuty,
  context: RunContext,
  record: PartialResult,
  before: Inspection,
  plan: RemediationPlan,
  dryRun: boolean,
): Promise<DetectorResult> {
  const { profile, endpointUrl } = context.options;
  const { region } = guardDuty;
  const detectorId = before.state.detectorId;
  const first =
    plan.feature !== undefined || plan.resumeDetector ? { ...plan, retire: undefined } : undefined;
  const retire = plan.retire?.feature;
  const step1 =
    first &&
    record.plan({
      api: 'UpdateDetector',
      summary: `${retire ? 'step 1: ' : ''}${describePlan(first)}`,
      awsCli: planCli(first, region, profile, endpointUrl),
    });
  const check =
    first && retire
      ? record.plan({
          api: 'GetDetector',
          summary: `read back: step 2 is sent only if ${UNIFIED_FEATURE} protects the detector`,
          awsCli: getDetectorCli(detectorId, region, profile, endpointUrl),
        })
      : undefined;
  const step2 =
    retire &&
    record.plan({
      api: 'UpdateDetector',
      summary: `${first ? 'step 2: ' : ''}UpdateDetector ${detectorId}: ${LEGACY_FEATURE} → DISABLED (its additional configuration unchanged)`,
      awsCli: updateFeatureCli(detectorId, retire, region, profile, endpointUrl),
    });
  if (dryRun) return record.finish(undefined, true);

  let after = before;
  if (first && step1 !== undefined) {
    await guardDuty.applyPlan(first);
    record.markDone(step1);
    after = await readBack(guardDuty, detectorId, context);
    if (check !== undefined) record.markDone(check);
  }
  if (retire && step2 !== undefined) {
    if (!after.evaluation.compliant) {
      record.notes.push(
        `step 2 not sent: ${UNIFIED_FEATURE} does not read back protecting (${after.evaluation.problems.join('; ')}); ` +
          `${LEGACY_FEATURE} was left as it was, so its protection is kept`,
      );
      return record.finish(after, false);
    }
    if (!legacyEnabled(after.state)) {
      record.notes.push(`step 2 not needed: the read-back lists ${LEGACY_FEATURE} as not enabled`);
    } else {
      try {
        await guardDuty.updateFeature(detectorId, retire);
      } catch (error) {
        record.notes.push(
          `the detector is protected by ${UNIFIED_FEATURE} (step 1 read back), but ${LEGACY_FEATURE} is still ` +
            'enabled and billing: run the step 2 call above again',
        );
        throw error;
      }
      record.markDone(step2);
      after = await readBack(guardDuty, detectorId, context);
    }
  }
  const ok = after.evaluation.compliant && !legacyEnabled(after.state);
  if (!ok && after.evaluation.compliant)
    record.notes.push(`${LEGACY_FEATURE} still reads as enabled after step 2`);
  if (!after.evaluation.compliant)
    record.notes.push(`not compliant after the migration: ${after.evaluation.problems.join('; ')}`);
  return record.finish(after, ok);
}
