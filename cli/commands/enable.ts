import { describePlan } from '../../handlers/alerts/detector.js';
import { planRemediation } from '../../handlers/core/decide.js';
import { ENABLED, type RuntimeFeature } from '../../handlers/core/types.js';
import { planCli } from '../awscli.js';
import type { CommandReport } from '../report.js';
import { forEachDetector, forEachRegion, type RunContext, readBack } from '../run.js';
import { twoSteps } from './migrate.js';

/**
 * The SOP's implementation step, done the way the responder remediates: one UpdateDetector with one generation and
 * its full additional configuration (EKS add-on management on, the others kept), resuming a suspended detector,
 * then read back.
 */
export async function enable(
  context: RunContext,
  generation: RuntimeFeature | undefined,
  dryRun: boolean,
): Promise<CommandReport> {
  const { requireAgentManagement, profile, endpointUrl } = context.options;
  const regions = await forEachRegion(context, (guardDuty, results) =>
    forEachDetector(guardDuty, context, results, async (before, record) => {
      const inUse = before.evaluation.generationInUse;
      if (before.evaluation.compliant) {
        record.notes.push(`already compliant (${inUse ?? 'runtime monitoring'} in use); nothing to do`);
        if (before.evaluation.bothEnabled) {
          record.notes.push(
            'both generations are enabled and EKS_RUNTIME_MONITORING keeps billing: ' +
              `\`guardduty-drift migrate --region ${guardDuty.region}\` disables it once RUNTIME_MONITORING protects`,
          );
        }
        if (generation && generation !== inUse) {
          record.notes.push(
            `--generation ${generation} not applied: enabling a second generation next to ${inUse} would bill both; ` +
              'migrating between generations is not something this command does',
          );
        }
        return record.finish(undefined, true);
      }
      // Under --target unified the legacy generation is disabled after RUNTIME_MONITORING reads back: no refusal.
      const otherEnabled =
        context.options.runtimeTarget === 'unified'
          ? undefined
          : before.evaluation.runtimeFeatures.find(
              (view) => view.status === ENABLED && generation !== undefined && view.name !== generation,
            );
      if (otherEnabled) {
        record.notes.push(
          `refused: ${otherEnabled.name} is already enabled; enabling ${generation} as well would leave both ` +
            `generations on. Run again without --generation to complete ${otherEnabled.name}.`,
        );
        return record.finish(undefined, false);
      }
      const plan = planRemediation(
        before.state,
        before.evaluation,
        undefined,
        requireAgentManagement,
        generation,
      );
      // --target unified: RUNTIME_MONITORING, read back, then the legacy generation off, as the responder does it.
      if (plan.retire) return twoSteps(guardDuty, context, record, before, plan, dryRun);
      const action = record.plan({
        api: 'UpdateDetector',
        summary: describePlan(plan),
        awsCli: planCli(plan, guardDuty.region, profile, endpointUrl),
      });
      if (before.exemption.status === 'active') {
        record.notes.push(
          `an exemption is active until ${before.exemption.until}; run \`guardduty-drift unexempt --region ${guardDuty.region}\` ` +
            'so that a later disable is remediated again',
        );
      }
      if (dryRun) return record.finish(undefined, true);

      await guardDuty.applyPlan(plan);
      record.markDone(action);
      const after = await readBack(guardDuty, before.state.detectorId, context);
      const restored = after.evaluation.runtimeFeatures.find((view) => view.name === plan.generation);
      const featureOk =
        plan.feature === undefined ||
        (restored?.status === ENABLED && (!requireAgentManagement || restored.agentManagement === ENABLED));
      if (!featureOk) record.notes.push(`${plan.generation} did not read back as enabled`);
      return record.finish(after, featureOk && after.evaluation.compliant);
    }),
  );
  return {
    command: 'enable',
    dryRun,
    runtimeTarget: context.options.runtimeTarget,
    generatedAt: context.now().toISOString(),
    regions,
  };
}
