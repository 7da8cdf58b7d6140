import type { GlobalOptions, RegionScope } from './args.js';
import type { AwsContext, RegionGuardDuty } from './aws.js';
import { AwsCallError, UsageError } from './errors.js';
import { type Inspection, inspect, viewOf } from './inspect.js';
import { isKnownRegion, regionsOfPartition } from './regions.js';
import type { ActionRecord, DetectorResult, RegionResult } from './report.js';

/** Regions scanned at the same time: enough to make `--all-regions` quick, few enough to stay clear of throttling. */
export const REGION_CONCURRENCY = 6;

export interface RunContext {
  readonly aws: AwsContext;
  readonly options: GlobalOptions;
  readonly now: () => Date;
  /** A progress line on stderr; silent when only one Region is in scope. */
  readonly progress: (line: string) => void;
  /** An error line on stderr, always written: a Region that failed (stdout keeps the report, scripts the JSON). */
  readonly error: (line: string) => void;
}

export async function resolveRegions(scope: RegionScope, aws: AwsContext): Promise<readonly string[]> {
  switch (scope.kind) {
    case 'list':
      return scope.regions;
    case 'all': {
      const home = await aws.defaultRegion().catch(() => 'us-east-1');
      return regionsOfPartition(home);
    }
    case 'default': {
      const region = await aws.defaultRegion();
      if (!isKnownRegion(region)) {
        throw new UsageError(
          `the default Region "${region}" (from AWS_REGION or the profile) is not a known Region; pass --region`,
        );
      }
      return [region];
    }
  }
}

/** Runs `work` for every item with at most `limit` running at once, keeping the results in input order. */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < items.length; index = next++) {
      results[index] = await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Runs a command in every Region in scope. Missing or rejected credentials abort the whole run (every Region would
 * fail the same way); any other AWS error fails that Region only, keeping what was done there before it.
 */
export async function forEachRegion(
  context: RunContext,
  perRegion: (guardDuty: RegionGuardDuty, results: DetectorResult[]) => Promise<void>,
): Promise<RegionResult[]> {
  const regions = await resolveRegions(context.options.scope, context.aws);
  const skipDisabled = context.options.scope.kind === 'all';
  const report = regions.length > 1 ? context.progress : () => undefined;
  report(`scanning ${regions.length} Regions, ${Math.min(REGION_CONCURRENCY, regions.length)} at a time`);
  let finished = 0;
  return mapBounded(regions, REGION_CONCURRENCY, async (region): Promise<RegionResult> => {
    const detectors: DetectorResult[] = [];
    let result: RegionResult;
    try {
      await perRegion(context.aws.forRegion(region), detectors);
      result = { region, status: 'ok', detectors };
    } catch (error) {
      if (!(error instanceof AwsCallError) || error.kind === 'credentials') throw error;
      result =
        error.kind === 'region-not-enabled' && skipDisabled
          ? { region, status: 'skipped', reason: error.message, detectors: [] }
          : { region, status: 'error', error: error.message, errorKind: error.kind, detectors };
      if (result.status === 'error') context.error(`${region}: ${error.message}`);
    }
    finished += 1;
    report(`[${finished}/${regions.length}] ${region}: ${result.status}`);
    return result;
  });
}

/** Reads every detector of the Region and hands each, inspected, to `perDetector`. */
export async function forEachDetector(
  guardDuty: RegionGuardDuty,
  context: RunContext,
  results: DetectorResult[],
  perDetector: (inspection: Inspection, record: PartialResult) => Promise<DetectorResult>,
): Promise<void> {
  for (const detectorId of await guardDuty.listDetectorIds()) {
    const state = await guardDuty.getDetector(detectorId);
    if (state === undefined) continue; // deleted between ListDetectors and GetDetector
    const inspection = inspect(
      state,
      context.options.requireAgentManagement,
      context.now(),
      context.options.runtimeTarget,
    );
    const record = new PartialResult(detectorId, inspection);
    try {
      results.push(await perDetector(inspection, record));
    } catch (error) {
      // Keep what was already done on this detector (e.g. tags set, then UpdateDetector denied) in the report.
      results.push(record.failed(error instanceof Error ? error.message : String(error)));
      throw error;
    }
  }
}

/** The actions and notes of a detector as a command goes along, so a failure halfway still reports them. */
export class PartialResult {
  readonly actions: ActionRecord[] = [];
  readonly notes: string[] = [];

  constructor(
    readonly detectorId: string,
    readonly inspection: Inspection,
  ) {}

  plan(action: Omit<ActionRecord, 'done'>): number {
    this.actions.push({ ...action, done: false });
    return this.actions.length - 1;
  }

  markDone(index: number): void {
    const action = this.actions[index];
    if (action) this.actions[index] = { ...action, done: true };
  }

  finish(after: Inspection | undefined, ok: boolean): DetectorResult {
    return {
      detectorId: this.detectorId,
      before: viewOf(this.inspection),
      actions: [...this.actions],
      after: after === undefined ? undefined : viewOf(after),
      ok,
      notes: [...this.notes],
    };
  }

  failed(message: string): DetectorResult {
    this.notes.push(`failed: ${message}`);
    return this.finish(undefined, false);
  }
}

/** GetDetector after a write, inspected the same way; a detector that vanished meanwhile is an AWS-side surprise. */
export async function readBack(
  guardDuty: RegionGuardDuty,
  detectorId: string,
  context: RunContext,
): Promise<Inspection> {
  const state = await guardDuty.getDetector(detectorId);
  if (state === undefined) {
    throw new AwsCallError(`detector ${detectorId} disappeared while it was being changed`, 'aws', {
      cause: new Error('GetDetector found no detector'),
    });
  }
  return inspect(state, context.options.requireAgentManagement, context.now(), context.options.runtimeTarget);
}
