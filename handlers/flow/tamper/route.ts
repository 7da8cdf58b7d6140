/**
 * A tamper call as the dispatcher routes it: judged once, reported (flow/tamper/index.ts), and, when CloudTrail's
 * record of the request could not be read, followed at once by the sweep's wiring check (flow/tamper/wiring.ts).
 */
import { judgeTamper, type TamperInput } from '../../core/tamper.js';
import type { InvocationContext } from '../context.js';
import { settleAll } from '../settled.js';
import { respondForTamper, type TamperReport, tamperSelf } from './index.js';
import { functionArnOf } from './repair.js';
import { sweepWiring, type WiringReport } from './wiring.js';

export async function respondForTamperCall(
  context: InvocationContext,
  input: TamperInput,
): Promise<{ readonly tamper: TamperReport; readonly wiring?: WiringReport }> {
  const verdict = judgeTamper(input, tamperSelf(context), functionArnOf(context));
  // A call whose request could not be read may have changed any of the responder's own resources: check them all
  // now rather than at the next sweep. Only a call that went through (a denied one changed nothing; a deploy is not
  // repaired), and as the wiring check: its gaps are the sweep's cases (same outcome, so a standing gap pages once a
  // day whichever trigger finds it), named after nobody (the gap may be older than the call).
  const checkWiring =
    input.request.unreadable !== undefined && verdict.action === 'report' && verdict.finding.how === 'call';
  const wiringCheck: InvocationContext = {
    ...context,
    trigger: { ...context.trigger, scheduled: true, actor: undefined, caseActor: undefined },
  };
  // Both run, whatever the other does: a page that cannot be published must not hold up a repair.
  const [tamper, wiring] = await settleAll(
    context.deps.logger,
    input.eventId,
    ['tamper', 'wiring'],
    [
      respondForTamper(context, input, verdict),
      checkWiring ? sweepWiring(wiringCheck) : Promise.resolve(undefined),
    ],
  );
  return wiring ? { tamper, wiring } : { tamper };
}
