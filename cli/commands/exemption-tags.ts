import { EXEMPT_REASON_TAG, EXEMPT_UNTIL_TAG } from '../../handlers/core/exemption.js';
import type { ExemptionRequest } from '../args.js';
import type { RegionGuardDuty } from '../aws.js';
import { tagCli } from '../awscli.js';
import type { Inspection } from '../inspect.js';
import { type PartialResult, type RunContext, readBack } from '../run.js';

export function exemptionTags(request: ExemptionRequest): Record<string, string> {
  return { [EXEMPT_UNTIL_TAG]: request.until, [EXEMPT_REASON_TAG]: request.reason };
}

/** True when GetDetector shows exactly the exemption that was asked for, active, as the responder reads it. */
export function hasExemption(inspection: Inspection, request: ExemptionRequest): boolean {
  const exemption = inspection.exemption;
  return (
    exemption.status === 'active' && exemption.until === request.until && exemption.reason === request.reason
  );
}

/**
 * Sets both exemption tags in one TagResource call and reads them back. Returns the read-back inspection, or
 * undefined in a dry run.
 */
export async function setExemption(
  guardDuty: RegionGuardDuty,
  record: PartialResult,
  request: ExemptionRequest,
  context: RunContext,
  dryRun: boolean,
): Promise<Inspection | undefined> {
  const tags = exemptionTags(request);
  const arn = await guardDuty.detectorArn(record.detectorId);
  const action = record.plan({
    api: 'TagResource',
    summary: `TagResource ${arn}: exempt until ${request.until} (${request.reason})`,
    awsCli: tagCli(arn, tags, guardDuty.region, context.options.profile, context.options.endpointUrl),
  });
  if (dryRun) return undefined;
  await guardDuty.tagDetector(record.detectorId, tags);
  record.markDone(action);
  return readBack(guardDuty, record.detectorId, context);
}
