/**
 * Every way an organization loses members or their monitoring (issue 12, docs/organizations.md "Loss paths"): what
 * each call means in plain words, what can be restored through GuardDuty's API and what cannot, the exact fix for an
 * operator, how bad it is, and whether a drop in the sweep's member count was explained by such a call. Pure, like
 * the rest of core/: no SDK, no clock.
 */
import { MEMBER_LOSS_CALLS, ORGANIZATION_LOSS_CALLS } from '../contract.js';

export { MEMBER_LOSS_CALLS, ORGANIZATION_LOSS_CALLS } from '../contract.js';

/** What a loss call did, by its effect (two member-side names, one effect). */
export type LossKind =
  | 'disassociated'
  | 'deleted'
  | 'monitoring-stopped'
  | 'administrator-removed'
  | 'left-administrator';

const KIND_OF: Readonly<Record<string, LossKind>> = {
  DisassociateMembers: 'disassociated',
  DeleteMembers: 'deleted',
  StopMonitoringMembers: 'monitoring-stopped',
  DisableOrganizationAdminAccount: 'administrator-removed',
  DisassociateFromAdministratorAccount: 'left-administrator',
  DisassociateFromMasterAccount: 'left-administrator',
};

export function lossKindOf(eventName: string): LossKind | undefined {
  return KIND_OF[eventName];
}

export function isOrganizationLossCall(eventName: string): boolean {
  return (ORGANIZATION_LOSS_CALLS as readonly string[]).includes(eventName);
}

export function isMemberLossCall(eventName: string): boolean {
  return (MEMBER_LOSS_CALLS as readonly string[]).includes(eventName);
}

/**
 * How a loss is undone through GuardDuty's API from the delegated administrator, when it can be: StartMonitoringMembers
 * after StopMonitoringMembers; CreateMembers with the e-mail GuardDuty kept after DisassociateMembers (the API's only
 * way back for organization members). DeleteMembers drops what CreateMembers would need; a removed administrator or a
 * member that left can only be restored from another account.
 */
export type Restore = 'start-monitoring' | 're-associate';

export function restoreOf(kind: LossKind): Restore | undefined {
  switch (kind) {
    case 'monitoring-stopped':
      return 'start-monitoring';
    case 'disassociated':
      return 're-associate';
    default:
      return undefined;
  }
}

/** Whether the loss takes accounts out of the sweep's member list (ListMembers OnlyAssociated), which the count watches. */
export function leavesMemberList(kind: LossKind): boolean {
  return kind === 'disassociated' || kind === 'deleted';
}

/** Account ids as AWS issues them: 12 digits. */
const ACCOUNT_ID = /^\d{12}$/;

/** The request's account ids, once each: the well-formed ones to act on, the rest to show as invalid (never sent). */
export function splitAccountIds(ids: readonly string[] | undefined): {
  readonly valid: readonly string[];
  readonly invalid: readonly string[];
} {
  const unique = [...new Set(ids ?? [])];
  return {
    valid: unique.filter((id) => ACCOUNT_ID.test(id)),
    invalid: unique.filter((id) => !ACCOUNT_ID.test(id)),
  };
}

/** What the call means, in the words on-call reads first. */
export function lossMeaning(kind: LossKind, accounts: number, denied: boolean): string {
  const members = `${accounts} member account${accounts === 1 ? '' : 's'}`;
  if (denied) {
    const attempted: Record<LossKind, string> = {
      disassociated: `disassociate ${members} from the GuardDuty administrator`,
      deleted: `delete ${members} from the GuardDuty administrator`,
      'monitoring-stopped': `stop GuardDuty monitoring of ${members}`,
      'administrator-removed': "remove the organization's GuardDuty delegated administrator",
      'left-administrator': 'take this account out of its GuardDuty administrator',
    };
    return `Someone tried to ${attempted[kind]}; the call was denied and nothing changed. An attempt to blind the organization's GuardDuty is worth a look.`;
  }
  switch (kind) {
    case 'disassociated':
      return `${members} left the organization's GuardDuty: the administrator no longer sees their findings or manages their protection, and each can now turn GuardDuty off itself.`;
    case 'deleted':
      return `${members} ${accounts === 1 ? 'was' : 'were'} deleted from the GuardDuty administrator: each is a standalone account now and can turn GuardDuty off itself; GuardDuty no longer keeps their details.`;
    case 'monitoring-stopped':
      return `GuardDuty stopped monitoring ${members} for the organization: their findings no longer reach the administrator until monitoring is started again.`;
    case 'administrator-removed':
      return "The organization's GuardDuty delegated administrator was removed in this Region: nobody manages GuardDuty for the organization, auto-enable no longer applies to new accounts, and a responder deployed in organization scope stops working there.";
    case 'left-administrator':
      return 'This account left its GuardDuty administrator: it is a standalone account now, nobody else sees its findings or manages its protection, and it can turn GuardDuty off itself.';
  }
}

export interface FixFacts {
  readonly region: string;
  /** The administrator's detector (organization scope); undefined elsewhere. */
  readonly adminDetectorId: string | undefined;
  /** The accounts to restore: well-formed ids only. */
  readonly accounts: readonly string[];
  /** DisableOrganizationAdminAccount: the administrator that was removed (well-formed, or undefined). */
  readonly adminAccountId: string | undefined;
}

/** The exact commands that undo the loss; they are also the fallback when the responder could not. */
export function lossFix(kind: LossKind, facts: FixFacts): string {
  const region = `--region ${facts.region}`;
  const detector = `--detector-id ${facts.adminDetectorId ?? '<administrator detector id>'}`;
  const ids = facts.accounts.length > 0 ? facts.accounts.join(' ') : '<account id>';
  const details =
    facts.accounts.length > 0
      ? facts.accounts.map((id) => `AccountId=${id},Email=<its e-mail>`).join(' ')
      : 'AccountId=<account id>,Email=<its e-mail>';
  const check = `then guardduty-drift check ${region}`;
  switch (kind) {
    case 'monitoring-stopped':
      return `In the administrator account: aws guardduty start-monitoring-members ${region} ${detector} --account-ids ${ids}; ${check}.`;
    case 'disassociated':
    case 'deleted':
      return `In the administrator account: aws guardduty create-members ${region} ${detector} --account-details ${details} (the e-mail of each account as AWS Organizations lists it; for an organization member this associates it again and applies the auto-enable settings); ${check}.`;
    case 'administrator-removed':
      return `In the organization's management account: aws guardduty enable-organization-admin-account ${region} --admin-account-id ${facts.adminAccountId ?? '<administrator account id>'}; then, in that account, check the organization configuration and the members (guardduty-drift check ${region}; the responder's sweep restores auto-enable once it is the administrator again).`;
    case 'left-administrator':
      return `In the administrator account: for an organization member, aws guardduty create-members ${region} --detector-id <administrator detector id> --account-details AccountId=<this account>,Email=<its e-mail>; for an invited member, aws guardduty invite-members there and aws guardduty accept-administrator-invitation here.`;
  }
}

/** What happened to one account named by a loss call. */
export type AccountResult =
  /** Restored and read back as restored. */
  | 'restored'
  /** The write went through but the read-back does not show it restored (yet). */
  | 'not confirmed'
  | 'failed'
  /** Notify mode: what remediate mode would restore. */
  | 'would restore'
  /** The API cannot restore it from here: the fix is for an operator. */
  | 'manual'
  /** Not a 12-digit account id: never sent to GuardDuty. */
  | 'invalid id';

/**
 * `high` when nothing was lost (a denied attempt) or everything lost reads back restored; `critical` otherwise: a
 * member out of the organization's GuardDuty can turn protection off and nobody would see it.
 */
export function lossSeverity(denied: boolean, results: readonly AccountResult[]): 'critical' | 'high' {
  if (denied) return 'high';
  const real = results.filter((result) => result !== 'invalid id');
  return real.length > 0 && real.every((result) => result === 'restored') ? 'high' : 'critical';
}

/** The sweep's member count against the previous sweep's, and what the loss events since then explain. */
export type MemberCountVerdict =
  | { readonly status: 'baseline' }
  | { readonly status: 'steady' | 'grew'; readonly previous: number }
  | {
      readonly status: 'explained' | 'unexplained';
      readonly previous: number;
      readonly drop: number;
      /** Accounts the loss events of the window name (deduplicated). */
      readonly explained: number;
      /** The drop no event explains (0 when explained). */
      readonly unexplained: number;
    };

export function memberCountVerdict(
  previous: number | undefined,
  current: number,
  explainedAccounts: number,
): MemberCountVerdict {
  if (previous === undefined) return { status: 'baseline' };
  if (current === previous) return { status: 'steady', previous };
  if (current > previous) return { status: 'grew', previous };
  const drop = previous - current;
  const unexplained = Math.max(0, drop - explainedAccounts);
  return {
    status: unexplained > 0 ? 'unexplained' : 'explained',
    previous,
    drop,
    explained: explainedAccounts,
    unexplained,
  };
}

/** GuardDuty's per-Region statistics of the organization (GetOrganizationStatistics), in domain terms. */
export interface OrganizationStatistics {
  readonly totalAccounts: number | undefined;
  readonly memberAccounts: number | undefined;
  readonly activeAccounts: number | undefined;
  readonly enabledAccounts: number | undefined;
  /** Accounts with each feature enabled, by feature name, and per additional configuration (`FEATURE.CONFIG`). */
  readonly enabledByFeature: Readonly<Record<string, number>>;
  /** When GuardDuty last updated them (ISO); they may lag the organization by up to 24 hours. */
  readonly updatedAt: string | undefined;
}

/** The statistics as the sweep read them: or why they could not be read (the sweep goes on without them). */
export type StatisticsReading =
  | { readonly status: 'read'; readonly statistics: OrganizationStatistics }
  | { readonly status: 'unavailable'; readonly reason: string };

/** One readable line: `GuardDuty counts 120 members (118 enabled); RUNTIME_MONITORING in 117, its EKS agent in 116`. */
export function statisticsLine(reading: StatisticsReading): string {
  if (reading.status === 'unavailable') return `GuardDuty's own count is unavailable (${reading.reason})`;
  const { statistics } = reading;
  const count = (value: number | undefined) => (value === undefined ? 'unknown' : String(value));
  const features = ['RUNTIME_MONITORING', 'EKS_RUNTIME_MONITORING']
    .filter((name) => statistics.enabledByFeature[name] !== undefined)
    .map((name) => {
      const agent = statistics.enabledByFeature[`${name}.EKS_ADDON_MANAGEMENT`];
      return `${name} in ${statistics.enabledByFeature[name]}${agent === undefined ? '' : ` (EKS agent management in ${agent})`}`;
    });
  return [
    `GuardDuty counts ${count(statistics.memberAccounts)} member accounts, ${count(statistics.enabledAccounts)} with GuardDuty enabled`,
    ...features,
  ]
    .join('; ')
    .concat(
      statistics.updatedAt
        ? ` (as of ${statistics.updatedAt}; it may lag up to 24 h)`
        : ' (it may lag up to 24 h)',
    );
}
