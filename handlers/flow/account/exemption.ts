/**
 * The exemption tags changed (TagResource / UntagResource on a detector of this account and Region). An exemption is
 * what stops remediation, and anyone with `guardduty:TagResource` can set one: the change is reported whoever made
 * it and whether or not a drift exists; an exemption the responder will not honour is said to be refused, and a
 * drift it no longer excuses is restored at once.
 */
import type { Exemption } from '../../core/exemption.js';
import type { ApiCallInput } from '../../core/types.js';
import { runCase } from '../case.js';
import type { InvocationContext } from '../context.js';
import { eventKey } from '../keys.js';
import { settleAll } from '../settled.js';
import { alertAct, type DetectorReport, facts, pendingReport } from './describe.js';
import { handleDetector, readTarget } from './index.js';

export async function reportExemptionChange(
  context: InvocationContext,
  input: ApiCallInput,
  detectorId: string,
): Promise<DetectorReport[]> {
  const target = await readTarget(context, detectorId);
  const claim = eventKey(input.eventId);
  const report = runCase<DetectorReport>(context, {
    claim,
    duplicate: () => ({ outcome: 'ignored', detectorId, reason: `duplicate: ${claim.key} already handled` }),
    pending: (previous, messageId) => pendingReport(previous, detectorId, messageId),
    act: async () =>
      alertAct({
        ...facts(context, 'exemption-change', target, describe(context, input, target.exemption)),
        problems: input.change.summary,
      }),
  });
  // An exemption that no longer excuses a drift (removed, expired, refused): restore protection now, not at the sweep.
  // Beside the report, never after it: a Publish that keeps failing must not hold up the restore. Also on a
  // redelivery (the report is then a duplicate): a failed restore is retried, not dropped.
  const drifted = target.evaluation !== undefined && !target.evaluation.compliant;
  if (!drifted || target.exemption.status === 'active') return [await report];
  return settleAll(
    context.deps.logger,
    context.trigger.eventId,
    ['exemption report', 'restore'],
    [report, handleDetector(context, target)],
  );
}

function describe(context: InvocationContext, input: ApiCallInput, exemption: Exemption): string {
  const who = context.trigger.caseActor ?? 'someone';
  const verb = input.eventName === 'UntagResource' ? 'removed exemption tags' : 'set exemption tags';
  switch (exemption.status) {
    case 'active':
      return (
        `Nothing: ${who} ${verb}; the detector is exempt until ${exemption.until} (${exemption.reason}). Drifts ` +
        'until then are reported and left in place.'
      );
    case 'refused':
      return (
        `Nothing: ${who} ${verb} ending ${exemption.until}, later than the ${exemption.maxDays} days ` +
        'MAX_EXEMPTION_DAYS allows. The exemption is refused: the responder keeps restoring protection.'
      );
    case 'malformed':
      return `Nothing: ${who} ${verb}, but they do not form an exemption (${exemption.problem}); it is not honoured.`;
    case 'expired':
      return `Nothing: ${who} ${verb}; the exemption ended on ${exemption.until} and is not honoured.`;
    case 'none':
      return `Nothing: ${who} ${verb}; the detector has no exemption now, so drifts are restored again.`;
  }
}
