import { EXEMPT_REASON_TAG, EXEMPT_UNTIL_TAG } from '../../handlers/core/exemption.js';
import type { ExemptionRequest } from '../args.js';
import { untagCli } from '../awscli.js';
import type { CommandReport } from '../report.js';
import { forEachDetector, forEachRegion, type RunContext, readBack } from '../run.js';
import { hasExemption, setExemption } from './exemption-tags.js';

/** Sets (or replaces) the exemption alone, without touching the detector's features. */
export async function exempt(
  context: RunContext,
  request: ExemptionRequest,
  dryRun: boolean,
): Promise<CommandReport> {
  const regions = await forEachRegion(context, (guardDuty, results) =>
    forEachDetector(guardDuty, context, results, async (before, record) => {
      if (before.exemption.status !== 'none') {
        record.notes.push(`replaces the current exemption (${before.exemption.status})`);
      }
      const after = await setExemption(guardDuty, record, request, context, dryRun);
      if (after === undefined) return record.finish(undefined, true);
      const ok = hasExemption(after, request);
      if (!ok) record.notes.push('the exemption tags did not read back as set');
      return record.finish(after, ok);
    }),
  );
  return { command: 'exempt', dryRun, generatedAt: context.now().toISOString(), regions };
}

/** Removes both exemption tags. Untagging raises no event the responder listens to: its next sweep acts on it. */
export async function unexempt(context: RunContext, dryRun: boolean): Promise<CommandReport> {
  const keys = [EXEMPT_UNTIL_TAG, EXEMPT_REASON_TAG];
  const regions = await forEachRegion(context, (guardDuty, results) =>
    forEachDetector(guardDuty, context, results, async (before, record) => {
      if (before.exemption.status === 'none') {
        record.notes.push('no exemption tags; nothing to do');
        return record.finish(undefined, true);
      }
      const arn = await guardDuty.detectorArn(record.detectorId);
      const action = record.plan({
        api: 'UntagResource',
        summary: `UntagResource ${arn}: ${keys.join(', ')}`,
        awsCli: untagCli(arn, keys, guardDuty.region, context.options.profile, context.options.endpointUrl),
      });
      if (dryRun) return record.finish(undefined, true);
      await guardDuty.untagDetector(record.detectorId, keys);
      record.markDone(action);
      const after = await readBack(guardDuty, record.detectorId, context);
      const ok = after.exemption.status === 'none';
      if (!ok) record.notes.push('the exemption tags are still there');
      if (after.verdict === 'non-compliant') {
        record.notes.push(
          `not compliant: the responder re-enables protection at its next sweep; to do it now run \`guardduty-drift enable --region ${guardDuty.region}\``,
        );
      }
      return record.finish(after, ok);
    }),
  );
  return { command: 'unexempt', dryRun, generatedAt: context.now().toISOString(), regions };
}
