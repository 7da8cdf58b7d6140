/**
 * What the account target does when another trigger already has the drift, or when the detector reads compliant:
 * join the case, send the follow-up that names who made a change the case could not name, or deliver the alert an
 * earlier attempt still owes (it crashed after its write, its Publish failed, or it could not confirm).
 */
import { snapshot } from '../../alerts/detector.js';
import { REMEDIATION_SUCCEEDED_METRIC } from '../../core/metrics.js';
import { ResponderError } from '../../errors.js';
import type { ClaimRecord } from '../../ports.js';
import { runCase, runOwed } from '../case.js';
import type { InvocationContext } from '../context.js';
import { owesAlert } from '../delivery.js';
import { resolveOnCompliantRead } from '../finding.js';
import { decodeIntent } from '../intent.js';
import { type ClaimKey, caseRecordKey, eventKey } from '../keys.js';
import { alertAct, type DetectorReport, facts, pendingReport, type Target } from './describe.js';
import { historyKey } from './remediate.js';

/**
 * Another trigger holds or has handled this drift. The same trigger, or one that knows no more than the case's
 * owner, has nothing to add. A CloudTrail event that names who made a change the case's page did not name (the
 * sweep got there first, or another event did) sends a short follow-up linked to it.
 */
export async function joinCase(
  context: InvocationContext,
  join: {
    readonly target: Target;
    readonly claim: ClaimKey;
    readonly existing: ClaimRecord | undefined;
    /** Reads the detector again and decides anew (at most once). */
    readonly reread: (() => Promise<DetectorReport>) | undefined;
  },
): Promise<DetectorReport> {
  const { target, claim, existing } = join;
  const detectorId = target.detectorId ?? null;
  const owner = existing?.owner ?? 'another delivery';
  const ignored = (state: string): DetectorReport => ({
    outcome: 'ignored',
    detectorId,
    reason: `duplicate: this drift is already ${state} by ${owner} (${claim.key})`,
  });
  if (existing === undefined) return ignored('being handled');
  if (existing.status === 'IN_PROGRESS') {
    // Another trigger is restoring it. What this one read may be a newer drift the other's read-back missed, and
    // its author may be someone the other cannot name: an event tries again once that case is settled (Lambda's
    // retry re-reads); a sweep leaves it to the next sweep. The holder may also be an earlier attempt of this very
    // trigger that died inside its lease, before or during its write: then the retry must come back once the lease
    // is over, not report the drift as handled while protection is off.
    if (context.trigger.retriesWhenBusy) {
      throw new ResponderError(
        owner === context.trigger.owner
          ? `${claim.key} is still held by an earlier attempt of this trigger; retrying after its lease`
          : `${claim.key} is being handled by ${owner}; retrying to read the detector again`,
      );
    }
    return ignored('being handled');
  }
  if (owner === context.trigger.owner) return ignored('handled');
  // The case closed after this trigger's read began: what it read may be the drift the case just fixed. Once.
  if (existing.closedAt && existing.closedAt.getTime() >= target.observedAt.getTime() && join.reread) {
    return join.reread();
  }
  if (namesSomeoneNew(context, existing)) return sendFollowUp(context, target, existing);
  return ignored('handled');
}

/**
 * The detector reads compliant. An earlier attempt may still owe its alert (it crashed after the write, or its
 * Publish failed, or it could not confirm), or the case that restored it named nobody while this event knows who.
 */
export async function afterTheFact(
  context: InvocationContext,
  detectorId: string,
  target: Target,
): Promise<DetectorReport | undefined> {
  if (!context.trigger.mayOweAlert) {
    // An operator's own re-enable owes no alert, but it may end a drift left standing: its finding is resolved now.
    if (context.deps.findings) await resolveLeftOpen(context, detectorId, target);
    return undefined;
  }
  const { accountId, region } = context.trigger;
  const claim = caseRecordKey({ accountId, region, target: detectorId });
  const record = await context.delivery.read(claim);
  if (!owesAlert(record)) await resolveLeftOpen(context, detectorId, target, { record });
  if (record && owesAlert(record)) {
    const owed = await deliverOwed(context, claim, record, detectorId, target);
    if (owed) return owed;
    // Another attempt still holds the case (its lease runs): it may have crashed after its write. An event asks
    // Lambda to retry once the lease is over, so the owed alert (and the follow-up) is not left to the next sweep.
    const held =
      record.status === 'IN_PROGRESS' && (record.leaseUntil?.getTime() ?? 0) > context.deps.now().getTime();
    if (held && context.trigger.retriesWhenBusy) {
      throw new ResponderError(
        `${claim.key} is held by ${record.owner ?? 'another attempt'}; retrying after its lease`,
      );
    }
    return undefined;
  }
  const closedAfterTheChange =
    record?.closedAt !== undefined && Date.parse(context.trigger.eventTime) <= record.closedAt.getTime();
  if (record?.owner !== context.trigger.owner && closedAfterTheChange && namesSomeoneNew(context, record)) {
    return sendFollowUp(context, target, record);
  }
  return undefined;
}

/**
 * SECURITY_HUB=true: the detector reads compliant, so a finding its case (or the Region's `none` case, from before
 * the detector existed) still holds open is over: resolve it (not while another attempt holds the case: it sends its own).
 */
async function resolveLeftOpen(
  context: InvocationContext,
  detectorId: string,
  target: Target,
  /** The detector's case record, when the caller has read it already. */
  known?: { readonly record: ClaimRecord | undefined },
): Promise<void> {
  const { deps, trigger, config, metrics } = context;
  if (deps.findings === undefined) return;
  const now = target.state && target.evaluation ? snapshot(target.state.status, target.evaluation) : null;
  const action =
    'Nothing: this read finds the detector protected again (re-enabled by the responder or by someone else), so ' +
    'the drift this finding reported is over.';
  const restored = {
    ...facts(context, 'remediate', target, action),
    remediation: 'succeeded' as const,
    before: null,
    after: now,
    timeOff: undefined,
  };
  const findingDeps = {
    findings: deps.findings,
    logger: deps.logger,
    metrics,
    now: deps.now,
    trigger,
    config,
  };
  for (const where of [detectorId, 'none']) {
    const claim = caseRecordKey({ accountId: trigger.accountId, region: trigger.region, target: where });
    const record = where === detectorId && known ? known.record : await context.delivery.read(claim);
    if (record?.finding === undefined) continue;
    await resolveOnCompliantRead({ ...findingDeps, store: deps.store }, claim.key, record, restored);
  }
}

/** Whether this trigger names a cause the case did not: a change that took protection away, by someone else. */
function namesSomeoneNew(context: InvocationContext, record: ClaimRecord | undefined): boolean {
  const { trigger } = context;
  return (
    record?.owner !== undefined &&
    trigger.reducedProtection &&
    trigger.caseActor !== undefined &&
    record.actor !== trigger.caseActor
  );
}

function deliverOwed(
  context: InvocationContext,
  claim: ClaimKey,
  record: ClaimRecord,
  detectorId: string,
  target: Target,
): Promise<DetectorReport | undefined> {
  return runOwed(context, {
    claim,
    known: record,
    pending: (previous, messageId) => pendingReport(previous, detectorId, messageId),
    back: (previous) => {
      context.metrics.count(REMEDIATION_SUCCEEDED_METRIC);
      const now = target.state && target.evaluation ? snapshot(target.state.status, target.evaluation) : null;
      const intent = decodeIntent(previous.intent);
      const action = intent
        ? `Restored by the responder at ${intent.at} (${intent.action}); this alert was delayed by a failed ` +
          'invocation, and this retry reads the detector compliant: protection is back.'
        : 'An earlier attempt could not confirm its re-enable; this retry reads the detector compliant: protection is back.';
      const alert = alertAct(
        {
          ...facts(context, 'remediate', target, action),
          remediation: 'succeeded',
          before: null,
          after: now,
        },
        {
          // The write the crashed attempt made was never counted: count it now, once, with its own time and actor.
          remediation: intent && {
            detectorKey: historyKey(context, detectorId),
            at: new Date(intent.at),
            eventId: intent.eventId,
            generation: intent.generation,
            actor: intent.actor,
          },
        },
      );
      return { alert: alert.alert, report: alert.report };
    },
  });
}

/** A short page that names who made the change an earlier page (of another trigger) reported without a name. */
function sendFollowUp(
  context: InvocationContext,
  target: Target,
  record: ClaimRecord | undefined,
): Promise<DetectorReport> {
  const claim = eventKey(context.trigger.eventId);
  const detectorId = target.detectorId ?? null;
  const earlier = record?.owner ?? 'an earlier page';
  return runCase<DetectorReport>(context, {
    claim,
    duplicate: () => ({ outcome: 'ignored', detectorId, reason: `duplicate: ${claim.key} already handled` }),
    pending: (previous, messageId) => pendingReport(previous, detectorId, messageId),
    act: async () =>
      alertAct(
        facts(
          context,
          'attribution',
          target,
          `Nothing more: the change was already handled as ${earlier}${record?.actor ? ` (caused by ${record.actor})` : ', which could not say who made it'}. This follow-up names who did it.`,
        ),
      ),
  });
}
