/**
 * The organization's loss paths as events (core/organization-loss.ts): DisassociateMembers, DeleteMembers,
 * StopMonitoringMembers, DisableOrganizationAdminAccount, and this account leaving its administrator. One event is one
 * case (its own claim, as a denied call's): reported with who, which accounts and what it means; restored where the
 * API allows it and the mode is remediate, and read back; a denied call is reported as an attempt. The accounts that
 * stay out of the member list are recorded, so the next sweep's count drop is explained (membership.ts).
 */
import { type MembershipAccount, type MembershipFacts, renderMembership } from '../../alerts/membership.js';
import { validAccountId } from '../../alerts/text.js';
import { DISABLE_DENIED_METRIC, DRIFT_DETECTED_METRIC } from '../../core/metrics.js';
import {
  type LossKind,
  leavesMemberList,
  lossFix,
  lossMeaning,
  lossSeverity,
  restoreOf,
  splitAccountIds,
} from '../../core/organization-loss.js';
import type { ApiCallInput } from '../../core/types.js';
import { describeError, ResponderError } from '../../errors.js';
import type { OrganizationPort } from '../../ports.js';
import { type CaseAct, runCase } from '../case.js';
import { alertContext, type InvocationContext } from '../context.js';
import { deniedEventKey, eventKey, membershipKey } from '../keys.js';
import { findAdminDetector } from './read.js';
import { type RestoreResult, restoreMembers } from './restore-members.js';

/** The decision line of a loss event or of the sweep's member count. */
export interface MembershipReport {
  readonly outcome: MembershipFacts['outcome'] | 'ignored' | 'baseline' | 'steady' | 'grew' | 'explained';
  readonly scope: 'organization';
  readonly kind: MembershipFacts['kind'];
  readonly accounts: number;
  readonly restoredAccounts?: number;
  readonly confirmed?: boolean | undefined;
  readonly reason?: string;
  readonly messageId?: string;
}

const RESTORE_CALL = {
  'start-monitoring': 'StartMonitoringMembers',
  're-associate': 'CreateMembers',
} as const;

/** Reports (and, where the API allows, restores) one loss call. `organization` is absent in account scope. */
export function respondForLoss(
  context: InvocationContext,
  organization: OrganizationPort | undefined,
  input: ApiCallInput,
  kind: LossKind,
): Promise<MembershipReport> {
  const { metrics } = context;
  const denied = input.errorCode !== undefined;
  const { valid, invalid } = splitAccountIds(input.memberAccountIds);
  // A denied call's claim is its evidence (cli/report-evidence.ts counts `disable-denied` claims): kept 400 days.
  const claim = denied ? deniedEventKey(input.eventId) : eventKey(input.eventId);
  const base = { scope: 'organization', kind, accounts: valid.length } as const;
  let outcome: MembershipReport['outcome'] = 'membership-lost';
  return runCase<MembershipReport>(context, {
    claim,
    duplicate: () => ({ ...base, outcome: 'ignored', reason: `duplicate: ${claim.key} already handled` }),
    firstAttempt: () => metrics.count(denied ? DISABLE_DENIED_METRIC : DRIFT_DETECTED_METRIC),
    pending: (previous, messageId) => ({
      ...base,
      outcome: (previous.outcome as MembershipReport['outcome'] | undefined) ?? outcome,
      messageId,
    }),
    act: async (): Promise<CaseAct<MembershipReport>> => {
      const restore = denied ? undefined : restoreOf(kind);
      const administratorSide = kind !== 'left-administrator' && kind !== 'administrator-removed';
      // A denied call changed nothing: nothing is read for it.
      const adminDetectorId =
        organization !== undefined && administratorSide && !denied
          ? await findAdminDetector(context)
          : undefined;
      let lines: MembershipAccount[];
      let action: string;
      const errors: unknown[] = [];
      if (denied) {
        lines = valid.map((accountId) => ({ accountId, result: 'manual', detail: 'nothing changed' }));
        action = `Nothing: the call failed with ${input.errorCode}, so nothing changed.`;
      } else if (restore === undefined || organization === undefined || adminDetectorId === undefined) {
        lines = valid.map((accountId) => ({ accountId, result: 'manual' }));
        action =
          "Nothing: GuardDuty's API offers no way to undo this from here; the fix below is for an operator.";
      } else if (context.config.mode === 'notify') {
        lines = valid.map((accountId) => ({ accountId, result: 'would restore' }));
        action = `Nothing (notify mode). Remediate mode would call ${RESTORE_CALL[restore]} for these accounts (50 per call) and read them back with GetMembers.`;
      } else {
        const restored = await restoreMembers(organization, adminDetectorId, restore, valid);
        errors.push(...restored.errors);
        lines = [...restored.results];
        action = restoreAction(restore, restored.results);
      }
      lines.push(...invalid.map((accountId): MembershipAccount => ({ accountId, result: 'invalid id' })));
      const results = lines.map((line) => line.result);
      const attempted = lines.filter((line) => line.result !== 'invalid id' && line.result !== 'manual');
      const confirmed =
        restore === undefined || context.config.mode === 'notify' || attempted.length === 0
          ? undefined
          : attempted.every((line) => line.result === 'restored');
      outcome = denied
        ? 'disable-denied'
        : context.config.mode === 'notify' && restore !== undefined
          ? 'would-restore'
          : confirmed === true && lines.every((line) => line.result !== 'manual')
            ? 'membership-restored'
            : 'membership-lost';
      // What stays out of the member list explains the next sweep's drop; what came back does not.
      if (!denied && leavesMemberList(kind)) await recordLoss(context, input, lines);
      const unrestored = lines
        .filter((line) => line.result !== 'restored' && line.result !== 'invalid id')
        .map((line) => line.accountId);
      const facts: MembershipFacts = {
        ...alertContext(context.trigger, context.config),
        mode: context.config.mode,
        outcome,
        severity: lossSeverity(denied, results),
        kind,
        adminDetectorId: adminDetectorId ?? (administratorSide ? (input.detectorId ?? null) : null),
        meaning: lossMeaning(kind, valid.length, denied),
        accounts: lines,
        action,
        confirmed,
        fix:
          denied || outcome === 'membership-restored'
            ? undefined
            : lossFix(kind, {
                region: context.trigger.region,
                adminDetectorId,
                accounts: unrestored,
                adminAccountId: input.adminAccountId && validAccountId(input.adminAccountId),
              }),
      };
      const restoredAccounts = lines.filter((line) => line.result === 'restored').length;
      const toReport = (messageId: string | undefined): MembershipReport => ({
        ...base,
        outcome,
        restoredAccounts,
        confirmed,
        ...(messageId === undefined ? {} : { messageId }),
      });
      const rendered = renderMembership(facts);
      // A call that failed, or an account GuardDuty left unprocessed: paged once, and Lambda retries (the retry reads
      // first, so what this attempt restored is not written again).
      const failed = lines.filter((line) => line.result === 'failed');
      if (errors.length > 0 || failed.length > 0) {
        return {
          status: 'failed',
          failure: { outcome, rendered },
          error: new ResponderError(
            `restoring ${failed.length} member(s) after ${input.eventName} failed: ${failed
              .slice(0, 10)
              .map((line) => `${line.accountId}: ${line.detail ?? 'failed'}`)
              .join('; ')}`,
            {
              cause:
                errors.length === 0
                  ? undefined
                  : errors.length === 1
                    ? errors[0]
                    : new AggregateError(errors, 'the AWS calls that failed'),
            },
          ),
          report: toReport,
        };
      }
      return { status: 'alert', alert: { outcome, rendered }, report: toReport };
    },
  });
}

function restoreAction(restore: keyof typeof RESTORE_CALL, results: readonly RestoreResult[]): string {
  const count = (result: RestoreResult['result']) => results.filter((line) => line.result === result).length;
  return (
    `${RESTORE_CALL[restore]}, then GetMembers to read back: ${count('restored')} restored and confirmed, ` +
    `${count('not confirmed')} not confirmed, ${count('failed')} failed, ${count('manual')} left to an operator.`
  );
}

/** The accounts the call took out of the member list and that are still out, for the next sweep's count. */
async function recordLoss(
  context: InvocationContext,
  input: ApiCallInput,
  lines: readonly MembershipAccount[],
): Promise<void> {
  const accounts = lines
    .filter((line) => line.result !== 'restored' && line.result !== 'invalid id')
    .map((line) => line.accountId);
  const called = Date.parse(input.eventTime);
  try {
    await context.deps.store.recordMembershipLoss(
      membershipKey(context.trigger.accountId, context.trigger.region),
      {
        at: Number.isFinite(called) ? new Date(called) : context.deps.now(),
        eventId: input.eventId,
        accounts,
      },
    );
  } catch (error) {
    // Never at the cost of the page: unrecorded, the next sweep reports the drop as unexplained (a page too many).
    context.deps.logger.error('membership-loss-not-recorded', {
      eventId: input.eventId,
      error: describeError(error),
    });
  }
}
