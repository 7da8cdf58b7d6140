import { DISABLED, EKS_ADDON_MANAGEMENT, ENABLED } from '../../handlers/core/types.js';
import type { ExemptionRequest } from '../args.js';
import type { FeatureUpdate } from '../aws.js';
import { updateFeatureCli } from '../awscli.js';
import type { Inspection } from '../inspect.js';
import type { CommandReport } from '../report.js';
import { forEachDetector, forEachRegion, type RunContext, readBack } from '../run.js';
import { hasExemption, setExemption } from './exemption-tags.js';

/**
 * The request that turns one runtime feature off: the feature and its EKS add-on management DISABLED, every other
 * additional configuration sent back as it is (what happens to omitted entries is undocumented).
 */
export function disableRequest(inspection: Inspection, name: FeatureUpdate['name']): FeatureUpdate {
  const current =
    inspection.state.features.find((feature) => feature.name === name)?.additionalConfiguration ?? [];
  const additionalConfiguration = current.map((config) =>
    config.name === EKS_ADDON_MANAGEMENT ? { name: config.name, status: DISABLED } : { ...config },
  );
  if (!current.some((config) => config.name === EKS_ADDON_MANAGEMENT)) {
    additionalConfiguration.unshift({ name: EKS_ADDON_MANAGEMENT, status: DISABLED });
  }
  return { name, status: DISABLED, additionalConfiguration };
}

export function describeFeatureUpdate(detectorId: string, feature: FeatureUpdate): string {
  const configs = feature.additionalConfiguration
    .map((config) => `${config.name}=${config.status}`)
    .join(', ');
  return `UpdateDetector ${detectorId}: ${feature.name} → ${feature.status} (${configs})`;
}

/**
 * The SOP's backout, cooperating with the responder: the exemption tags first (read back before anything else), then
 * one UpdateDetector per enabled runtime generation, never both in one request. The responder then reports the
 * change as `exempt` instead of reverting it.
 */
export async function backout(
  context: RunContext,
  request: ExemptionRequest,
  dryRun: boolean,
): Promise<CommandReport> {
  const { profile, endpointUrl } = context.options;
  const regions = await forEachRegion(context, (guardDuty, results) =>
    forEachDetector(guardDuty, context, results, async (before, record) => {
      const tagged = await setExemption(guardDuty, record, request, context, dryRun);
      const disables = before.evaluation.runtimeFeatures
        .filter((view) => view.status === ENABLED)
        .map((view) => disableRequest(before, view.name));
      const actions = disables.map((feature) =>
        record.plan({
          api: 'UpdateDetector',
          summary: describeFeatureUpdate(record.detectorId, feature),
          awsCli: updateFeatureCli(record.detectorId, feature, guardDuty.region, profile, endpointUrl),
        }),
      );
      if (disables.length === 0)
        record.notes.push('no runtime feature is enabled; only the exemption is set');
      if (tagged === undefined) return record.finish(undefined, true);
      if (!hasExemption(tagged, request)) {
        record.notes.push(
          'the exemption tags did not read back as set; runtime monitoring was NOT disabled, so the responder ' +
            'would not revert anything',
        );
        return record.finish(tagged, false);
      }

      for (const [index, feature] of disables.entries()) {
        await guardDuty.updateFeature(record.detectorId, feature);
        const action = actions[index];
        if (action !== undefined) record.markDone(action);
      }
      const after = await readBack(guardDuty, record.detectorId, context);
      const stillOn = disables.filter((feature) =>
        after.evaluation.runtimeFeatures.some(
          (view) => view.name === feature.name && view.status === ENABLED,
        ),
      );
      for (const feature of stillOn) record.notes.push(`${feature.name} still reads back as ENABLED`);
      const exempt = after.decision.outcome === 'exempt' && hasExemption(after, request);
      if (exempt) {
        record.notes.push(
          `the responder reports this as exempt until ${request.until}, then re-enables protection at its first sweep after that`,
        );
      }
      return record.finish(after, stillOn.length === 0 && exempt);
    }),
  );
  return { command: 'backout', dryRun, generatedAt: context.now().toISOString(), regions };
}
