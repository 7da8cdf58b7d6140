import type { RuntimeTarget } from '../handlers/core/target.js';
import { type CoverageSection, coverageExitCode, worstExitCode } from './coverage.js';
import { EXIT, type ExitCode } from './errors.js';
import type { DetectorView, Verdict } from './inspect.js';

/** One AWS write the command made (or, in a dry run, would make), with its AWS CLI equivalent. */
export interface ActionRecord {
  /** `GetDetector`: a read-back that decides whether the next write is sent (migrate's step 2). */
  readonly api: 'UpdateDetector' | 'GetDetector' | 'TagResource' | 'UntagResource';
  readonly summary: string;
  readonly awsCli: string;
  readonly done: boolean;
}

export interface DetectorResult {
  readonly detectorId: string;
  /** As GetDetector read it before the command wrote anything. */
  readonly before: DetectorView;
  readonly actions: readonly ActionRecord[];
  /** As read back after the writes; undefined when nothing was written (check, dry run, nothing to do). */
  readonly after: DetectorView | undefined;
  /** Whether the detector ended as the command meant it to (compliant for check/enable, exempt for backout...). */
  readonly ok: boolean;
  readonly notes: readonly string[];
}

export type RegionResult =
  | { readonly region: string; readonly status: 'ok'; readonly detectors: readonly DetectorResult[] }
  | {
      readonly region: string;
      readonly status: 'error';
      readonly error: string;
      readonly errorKind: string;
      readonly detectors: readonly DetectorResult[];
    }
  | {
      readonly region: string;
      readonly status: 'skipped';
      readonly reason: string;
      readonly detectors: readonly [];
    };

export interface CommandReport {
  readonly command: string;
  readonly dryRun: boolean;
  /** The RUNTIME_TARGET the verdicts were reached under (`--target`; migrate: always `unified`). */
  readonly runtimeTarget?: RuntimeTarget | undefined;
  readonly generatedAt: string;
  readonly regions: readonly RegionResult[];
  /** check --coverage: each Region's EKS clusters; undefined without the option. */
  readonly coverage?: CoverageSection | undefined;
}

export interface Summary {
  readonly regions: number;
  readonly detectors: number;
  readonly compliant: number;
  readonly nonCompliant: number;
  readonly exempt: number;
  readonly regionsWithoutDetector: number;
  readonly regionErrors: number;
  readonly regionsSkipped: number;
  readonly failed: number;
  /** Detectors with both generations enabled (EKS_RUNTIME_MONITORING billing next to RUNTIME_MONITORING). */
  readonly bothGenerations: number;
}

/** Whether a detector lists both generations ENABLED. */
export function bothEnabled(view: DetectorView): boolean {
  const enabled = (name: string) =>
    view.runtimeFeatures.some((feature) => feature.name === name && feature.status === 'ENABLED');
  return enabled('RUNTIME_MONITORING') && enabled('EKS_RUNTIME_MONITORING');
}

export function finalVerdict(result: DetectorResult): Verdict {
  return (result.after ?? result.before).verdict;
}

export function summarize(report: CommandReport): Summary {
  const detectors = report.regions.flatMap((region) => region.detectors);
  const count = (verdict: Verdict) => detectors.filter((result) => finalVerdict(result) === verdict).length;
  return {
    regions: report.regions.length,
    detectors: detectors.length,
    compliant: count('compliant'),
    nonCompliant: count('non-compliant'),
    exempt: count('exempt'),
    regionsWithoutDetector: report.regions.filter(
      (region) => region.status === 'ok' && region.detectors.length === 0,
    ).length,
    regionErrors: report.regions.filter((region) => region.status === 'error').length,
    regionsSkipped: report.regions.filter((region) => region.status === 'skipped').length,
    failed: detectors.filter((result) => !result.ok).length,
    bothGenerations: detectors.filter((result) => bothEnabled(result.after ?? result.before)).length,
  };
}

/**
 * The exit code, most serious first: 3 when any Region failed with an AWS error (the result is incomplete), 1 when
 * anything did not end as meant (non-compliant, no detector, a failed read-back, an unhealthy EKS cluster under
 * `--coverage`), else 0.
 */
export function exitCodeOf(report: CommandReport): ExitCode {
  return report.coverage === undefined
    ? detectorExitCode(report)
    : worstExitCode(detectorExitCode(report), coverageExitCode(report.coverage));
}

function detectorExitCode(report: CommandReport): ExitCode {
  const summary = summarize(report);
  if (summary.regionErrors > 0) return EXIT.aws;
  if (summary.failed > 0 || summary.regionsWithoutDetector > 0) return EXIT.nonCompliant;
  return EXIT.ok;
}
