/**
 * The one at-least-once pipeline every target runs through: claim → joined or duplicate? → kept alert? → act →
 * alert, fold into a fight already paged, or page the failure once → settle → log. Targets (account detectors, the
 * organization) only read, decide, remediate and describe; what makes a retry safe is written here once (see
 * docs/architecture.md, "Delivery guarantees").
 */
import type { CaseSettlement, ClaimRecord } from '../ports.js';
import type { DecisionReport, InvocationContext } from './context.js';
import type { AlertOptions, FailureOptions } from './delivery.js';
import { AlertsStillOwed } from './kept-alerts.js';
import type { ClaimKey } from './keys.js';

/** How a case closes: from when another trigger may claim it again, and when its fight was last paged. */
export interface CaseClose {
  /** Default: now (a remediated drift; a new drift after it is a new case). */
  readonly claimableAt?: Date | undefined;
  readonly fightPagedAt?: Date | undefined;
}

/** What a target's act step leads to. */
export type CaseAct<R> =
  | {
      readonly status: 'alert';
      readonly alert: Omit<AlertOptions, 'claim' | 'case'>;
      readonly closes?: CaseClose | undefined;
      readonly report: (messageId: string) => R;
    }
  | {
      /** Nothing to page: this hour's fight page already told on-call; the case is settled and logged. */
      readonly status: 'fold';
      readonly outcome: string;
      readonly remediation?: AlertOptions['remediation'];
      readonly closes?: CaseClose | undefined;
      /** The facts of the folded restore, for the case's Security Hub finding. */
      readonly finding?: AlertOptions['finding'];
      readonly report: () => R;
    }
  | {
      readonly status: 'failed';
      readonly failure: Omit<FailureOptions, 'claim' | 'previous' | 'case'>;
      /** Thrown after the page and the log, so Lambda retries the invocation (then the dead-letter queue). */
      readonly error: Error;
      /** False when the write was certainly not applied: the case then forgets its intent. */
      readonly written?: boolean | undefined;
      readonly report: (messageId: string | undefined) => R;
    };

export interface CaseSpec<R> {
  readonly claim: ClaimKey;
  /** Another delivery holds the claim or has completed it: for a case, another trigger of the same drift. */
  readonly duplicate: (existing: ClaimRecord | undefined) => R | Promise<R>;
  /**
   * Runs once per case, not on retries: a RETRYABLE claim was left by an attempt that ran to its end and measured
   * the case already (drift and denial counters).
   */
  readonly firstAttempt?: () => void;
  /** A previous attempt acted and kept its rendered alert: this one only publishes it. */
  readonly pending: (previous: ClaimRecord, messageId: string) => R;
  readonly act: (previous: ClaimRecord | undefined) => Promise<CaseAct<R>>;
}

export async function runCase<R extends DecisionReport>(
  context: InvocationContext,
  spec: CaseSpec<R>,
): Promise<R> {
  const { delivery } = context;
  const claim = await delivery.claim(spec.claim);
  if (!claim.claimed) return context.log(await spec.duplicate(claim.existing));
  const previous = claim.previous;
  if (previous?.status !== 'RETRYABLE') spec.firstAttempt?.();
  const sameTrigger = spec.claim.case === undefined || previous?.owner === spec.claim.case.owner;
  if (previous?.pendingNotification && sameTrigger && !previous.actFailed) {
    // The retry of the same trigger: its work is done, only its alert is owed.
    return loggedEvenIfOwed(
      context,
      () =>
        delivery.deliverPending(spec.claim, previous, {
          case: settlement(context, spec.claim, previous, { claimableAt: previous.claimableAt }),
        }),
      (messageId) => spec.pending(previous, messageId ?? ''),
    );
  }
  // Another trigger reads a drift while an earlier alert of the case is still owed: restore first, whatever the
  // topic does (a Publish that keeps failing must never keep protection off), then the earlier alert, then this one.
  // What the topic still refuses of the earlier alerts is kept with this attempt's own (never dropped).
  const act = await spec.act(previous);
  const earlier = previous?.pendingNotification ? await delivery.publishKept(previous) : [];
  switch (act.status) {
    case 'alert': {
      const kase = settlement(context, spec.claim, previous, act.closes);
      // A fight page that cannot be published is not a fight page sent: the case keeps the last one that was.
      const unsentCase = act.closes?.fightPagedAt
        ? settlement(context, spec.claim, previous, { ...act.closes, fightPagedAt: undefined })
        : undefined;
      return loggedEvenIfOwed(
        context,
        () => delivery.alert({ claim: spec.claim, case: kase, unsentCase, earlier, ...act.alert }),
        (messageId) => act.report(messageId ?? ''),
      );
    }
    case 'fold': {
      const kase = settlement(context, spec.claim, previous, act.closes);
      return loggedEvenIfOwed(
        context,
        async () => {
          await delivery.fold({
            claim: spec.claim,
            case: kase,
            outcome: act.outcome,
            remediation: act.remediation,
            finding: act.finding,
            earlier,
          });
          return undefined;
        },
        () => act.report(),
      );
    }
    case 'failed': {
      const settled = settlement(context, spec.claim, previous, undefined);
      const kase = settled && act.written === false ? { ...settled, intent: undefined } : settled;
      const messageId = await delivery.failure({
        claim: spec.claim,
        previous,
        case: kase,
        earlier,
        ...act.failure,
      });
      context.log(act.report(messageId));
      throw act.error;
    }
  }
}

export interface OwedSpec<R> {
  readonly claim: ClaimKey;
  /** The claim record, when the caller has read it already. */
  readonly known?: ClaimRecord | undefined;
  readonly pending: (previous: ClaimRecord, messageId: string) => R;
  /** The news that protection is back, owed by an attempt that recorded or could not confirm its remediation. */
  readonly back: (previous: ClaimRecord) => {
    readonly alert: Omit<AlertOptions, 'claim' | 'case'>;
    readonly report: (messageId: string) => R;
  };
}

/**
 * A target reads compliant, but an earlier attempt may still owe an alert: its remediation went through and its
 * Publish failed (the alert is kept), it crashed after recording what it was about to write, or it could not
 * confirm its remediation and protection is back now. Undefined when nothing is owed, or another delivery sends it.
 */
export async function runOwed<R extends DecisionReport>(
  context: InvocationContext,
  spec: OwedSpec<R>,
): Promise<R | undefined> {
  const { delivery } = context;
  const previous = await delivery.claimOwed(spec.claim, spec.known);
  if (previous === undefined) return undefined;
  const kase = previous.owner ? settlement(context, spec.claim, previous, undefined) : undefined;
  if (previous.pendingNotification && !previous.actFailed) {
    return loggedEvenIfOwed(
      context,
      () => delivery.deliverPending(spec.claim, previous, { case: kase }),
      (messageId) => spec.pending(previous, messageId ?? ''),
    );
  }
  // A failed remediation may wait beside alerts it kept: those go first, then the news that protection is back.
  const earlier = previous.pendingNotification ? await delivery.publishKept(previous) : [];
  const back = spec.back(previous);
  return loggedEvenIfOwed(
    context,
    () => delivery.alert({ claim: spec.claim, case: kase, earlier, ...back.alert }),
    (messageId) => back.report(messageId ?? ''),
  );
}

/**
 * Sends, then logs the decision line. When earlier alerts of the case are still owed the line is logged all the same
 * (this attempt's own work and alert are done) before the invocation fails for the retry that sends them.
 */
async function loggedEvenIfOwed<R extends DecisionReport>(
  context: InvocationContext,
  send: () => Promise<string | undefined>,
  report: (messageId: string | undefined) => R,
): Promise<R> {
  let messageId: string | undefined;
  try {
    messageId = await send();
  } catch (error) {
    if (error instanceof AlertsStillOwed) context.log(report(error.messageId));
    throw error;
  }
  return context.log(report(messageId));
}

/** What a case remembers when it is settled: the previous attempt's facts unless this one has newer ones. */
function settlement(
  context: InvocationContext,
  claim: ClaimKey,
  previous: ClaimRecord | undefined,
  closes: CaseClose | undefined,
): CaseSettlement | undefined {
  const owner = claim.case?.owner ?? previous?.owner;
  if (owner === undefined) return undefined;
  return {
    owner,
    actor: claim.case ? (context.trigger.caseActor ?? previous?.actor) : previous?.actor,
    fingerprint: claim.case?.fingerprint ?? previous?.fingerprint ?? 'unknown',
    claimableAt: closes?.claimableAt ?? context.deps.now(),
    intent: claim.case?.intent ?? previous?.intent,
    fightPagedAt: closes?.fightPagedAt ?? previous?.fightPagedAt,
    // The claim kept the case's open finding if it had one (if_not_exists), else took the one it offered.
    finding: previous?.finding ?? claim.case?.finding,
  };
}
