import type { CommandReport } from '../report.js';
import { forEachDetector, forEachRegion, type RunContext } from '../run.js';

/**
 * The SOP's test plan: every detector in scope, evaluated exactly as the responder evaluates it under `--target`
 * (its RUNTIME_TARGET), with Security Hub's GuardDuty.7 and GuardDuty.11 verdicts beside it. An active exemption
 * passes unless `strict`; a Region without a detector fails.
 */
export async function check(context: RunContext, strict: boolean): Promise<CommandReport> {
  const regions = await forEachRegion(context, (guardDuty, results) =>
    forEachDetector(guardDuty, context, results, async (inspection, record) => {
      const ok = inspection.verdict === 'compliant' || (!strict && inspection.verdict === 'exempt');
      if (strict && inspection.verdict === 'exempt')
        record.notes.push('exempt, and --strict counts that as a failure');
      return record.finish(undefined, ok);
    }),
  );
  return {
    command: 'check',
    dryRun: false,
    runtimeTarget: context.options.runtimeTarget,
    generatedAt: context.now().toISOString(),
    regions,
  };
}
