/**
 * The one at-least-once pipeline every target runs through: claim → duplicate? → kept alert? → act → alert (or page
 * the failure once) → settle → log. Targets (account detectors, the organization) only read, decide, remediate and
 * describe; what makes a retry safe is written here once (see docs/architecture.md, "Delivery guarantees").
 */
import type { ClaimRecord } from '../ports.js';
import type { DecisionReport, InvocationContext } from './context.js';
import type { AlertOptions, FailureOptions } from './delivery.js';
import type { ClaimKey } from './keys.js';

/** What a target's act step leads to: an alert to page, or a failure to page once and then fail the invocation. */
export type CaseAct<R> =
  | {
      readonly status: 'alert';
      readonly alert: Omit<AlertOptions, 'claim'>;
      readonly report: (messageId: string) => R;
    }
  | {
      readonly status: 'failed';
      readonly failure: Omit<FailureOptions, 'claim' | 'previous'>;
      /** Thrown after the page and the log, so Lambda retries the invocation (then the dead-letter queue). */
      readonly error: Error;
      readonly report: (messageId: string | undefined) => R;
    };

export interface CaseSpec<R> {
  readonly claim: ClaimKey;
  /** Another delivery holds the claim or has completed it. */
  readonly duplicate: (existing: ClaimRecord | undefined) => R;
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
  if (!claim.claimed) return context.log(spec.duplicate(claim.existing));
  if (claim.previous?.status !== 'RETRYABLE') spec.firstAttempt?.();
  if (claim.previous?.pendingNotification) {
    const messageId = await delivery.deliverPending(spec.claim, claim.previous);
    return context.log(spec.pending(claim.previous, messageId));
  }
  const act = await spec.act(claim.previous);
  if (act.status === 'alert') {
    const messageId = await delivery.alert({ claim: spec.claim, ...act.alert });
    return context.log(act.report(messageId));
  }
  const messageId = await delivery.failure({ claim: spec.claim, previous: claim.previous, ...act.failure });
  context.log(act.report(messageId));
  throw act.error;
}

export interface OwedSpec<R> {
  readonly claim: ClaimKey;
  readonly pending: (previous: ClaimRecord, messageId: string) => R;
  /** The news that protection is back, owed by an attempt that could not confirm its remediation. */
  readonly back: () => {
    readonly alert: Omit<AlertOptions, 'claim'>;
    readonly report: (messageId: string) => R;
  };
}

/**
 * A target reads compliant, but this delivery may be the retry of an attempt that still owes an alert: its
 * remediation went through and its Publish failed (the alert is kept), or it could not confirm its remediation and
 * protection is back now. Undefined when nothing is owed, or when another delivery is sending it.
 */
export async function runOwed<R extends DecisionReport>(
  context: InvocationContext,
  spec: OwedSpec<R>,
): Promise<R | undefined> {
  const { delivery } = context;
  const previous = await delivery.claimOwed(spec.claim);
  if (previous === undefined) return undefined;
  if (previous.pendingNotification) {
    const messageId = await delivery.deliverPending(spec.claim, previous);
    return context.log(spec.pending(previous, messageId));
  }
  const back = spec.back();
  const messageId = await delivery.alert({ claim: spec.claim, ...back.alert });
  return context.log(back.report(messageId));
}
