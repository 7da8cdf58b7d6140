import { type DetectorSnapshot, snapshot } from '../handlers/alerts/detector.js';
import { MAX_EXEMPTION_DAYS } from '../handlers/contract.js';
import { type Decision, decide } from '../handlers/core/decide.js';
import { type Evaluation, evaluate } from '../handlers/core/evaluate.js';
import { type Exemption, parseExemption } from '../handlers/core/exemption.js';
import type { RuntimeTarget } from '../handlers/core/target.js';
import type { DetectorState } from '../handlers/core/types.js';

export type Verdict = 'compliant' | 'non-compliant' | 'exempt';

/** One detector as the responder sees it: the same evaluation, exemption reading and decision, no AWS call. */
export interface Inspection {
  readonly state: DetectorState;
  readonly evaluation: Evaluation;
  readonly exemption: Exemption;
  /** What the responder (remediate mode) decides for this detector at its next event or sweep. */
  readonly decision: Decision;
  readonly verdict: Verdict;
}

/** A detector's state for output: the alert snapshot plus what the CLI adds (verdict, exemption, problems). */
export interface DetectorView extends DetectorSnapshot {
  readonly verdict: Verdict;
  readonly exemption: Exemption;
  readonly problems: readonly string[];
  /** The responder's decision for this state, e.g. `remediate` or `exempt`. */
  readonly responderOutcome: Decision['outcome'];
}

export function inspect(
  state: DetectorState,
  requireAgentManagement: boolean,
  now: Date,
  target: RuntimeTarget = 'any',
): Inspection {
  const evaluation = evaluate(state, requireAgentManagement, target);
  // The function's default limit: the CLI cannot see what a deployment configured.
  const exemption = parseExemption(state.tags, now, MAX_EXEMPTION_DAYS.default);
  const decision = decide({
    state,
    evaluation,
    exemption,
    mode: 'remediate',
    requireAgentManagement,
    change: undefined,
  });
  // Both generations enabled is compliant (protected), only costly: the cost warning is a note, not a failure.
  const verdict: Verdict =
    decision.outcome === 'compliant' || decision.outcome === 'cost-warning'
      ? 'compliant'
      : decision.outcome === 'exempt'
        ? 'exempt'
        : 'non-compliant';
  return { state, evaluation, exemption, decision, verdict };
}

export function viewOf(inspection: Inspection): DetectorView {
  return {
    ...snapshot(inspection.state.status, inspection.evaluation),
    verdict: inspection.verdict,
    exemption: inspection.exemption,
    problems: inspection.evaluation.problems,
    responderOutcome: inspection.decision.outcome,
  };
}
