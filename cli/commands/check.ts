import { type RegionCoverage, readRegionCoverage } from '../coverage.js';
import type { CommandReport } from '../report.js';
import { forEachDetector, forEachRegion, type RunContext } from '../run.js';

/**
 * The SOP's test plan: every detector in scope, evaluated exactly as the responder evaluates it under `--target`
 * (its RUNTIME_TARGET), with Security Hub's GuardDuty.7 and GuardDuty.11 verdicts beside it. An active exemption
 * passes unless `strict`; a Region without a detector fails. With `--coverage`, each Region's EKS clusters too
 * (ListCoverage through its detector): unhealthy ones fail the check unless `--coverage=report`.
 */
export async function check(context: RunContext, strict: boolean): Promise<CommandReport> {
  const mode = context.options.coverage;
  const coverage = new Map<string, RegionCoverage>();
  const regions = await forEachRegion(context, async (guardDuty, results) => {
    await forEachDetector(guardDuty, context, results, async (inspection, record) => {
      const ok = inspection.verdict === 'compliant' || (!strict && inspection.verdict === 'exempt');
      if (strict && inspection.verdict === 'exempt')
        record.notes.push('exempt, and --strict counts that as a failure');
      return record.finish(undefined, ok);
    });
    if (mode === undefined) return;
    const read = await readRegionCoverage(
      guardDuty.region,
      guardDuty.coverage,
      results.map((result) => result.detectorId),
    );
    if (read.status === 'error') context.error(`${read.region}: coverage: ${read.error}`);
    coverage.set(guardDuty.region, read);
  });
  return {
    command: 'check',
    dryRun: false,
    runtimeTarget: context.options.runtimeTarget,
    generatedAt: context.now().toISOString(),
    regions,
    ...(mode === undefined
      ? {}
      : {
          coverage: {
            mode,
            // A Region that failed (or was skipped) before its coverage was read says so, never "healthy".
            regions: regions.map(
              (region): RegionCoverage =>
                coverage.get(region.region) ??
                (region.status === 'skipped'
                  ? { region: region.region, status: 'no-detector' }
                  : {
                      region: region.region,
                      status: 'error',
                      error: 'not read: the Region failed first',
                      errorKind: 'region',
                    }),
            ),
          },
        }),
  };
}
