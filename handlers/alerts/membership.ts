/**
 * The membership alert: a loss path of the organization's GuardDuty (members disassociated or deleted, monitoring
 * stopped, the delegated administrator removed, this account leaving its administrator) or a drop in the sweep's
 * member count that no such event explained. Who, which accounts, what it means, what the responder did and whether
 * a read-back confirms it, and the exact fix. Rendered through the shared pipeline (render.ts): scrubbed, fitted.
 */
import type { AccountResult, LossKind } from '../core/organization-loss.js';
import type { RenderedNotification } from '../ports.js';
import { type AlertFacts, invalidIdentifiers } from './detector.js';
import { type Budget, Cuts } from './fit.js';
import { chatbotNotification } from './protocols.js';
import { type AlertRenderer, alertSubject, chatTokens, renderAlert } from './render.js';
import {
  accountIdText,
  accountWithName,
  actorLabel,
  clean,
  cloudTrailEventUrl,
  codeSpan,
  consoleUrl,
  cut,
  detectorIdText,
  quoteInvalid,
  regionText,
  runbookLink,
  severityTag,
  validAccountId,
  validDetectorId,
  validRegion,
  whoLines,
} from './text.js';

export type MembershipOutcome =
  | 'membership-lost'
  | 'membership-restored'
  | 'would-restore'
  | 'disable-denied'
  | 'member-count-dropped';

export interface MembershipAccount {
  readonly accountId: string;
  readonly result: AccountResult;
  readonly detail?: string | undefined;
}

export interface MembershipFacts
  extends Pick<
    AlertFacts,
    | 'accountId'
    | 'region'
    | 'mode'
    | 'trigger'
    | 'eventId'
    | 'eventTime'
    | 'eventName'
    | 'actor'
    | 'accountName'
    | 'runbookUrl'
  > {
  readonly outcome: MembershipOutcome;
  readonly severity: 'critical' | 'high';
  readonly kind: LossKind | 'count-drop';
  readonly adminDetectorId: string | null;
  /** What it means, in plain words. */
  readonly meaning: string;
  readonly accounts: readonly MembershipAccount[];
  /** What the responder did (or, in notify mode, would do). */
  readonly action: string;
  /** Whether a read-back confirms the restore; undefined when nothing was restored. */
  readonly confirmed: boolean | undefined;
  /** The exact commands that undo it, when the responder did not (or could not) confirm it did. */
  readonly fix: string | undefined;
  /** The member count drop: the previous sweep's count, this one's, and what loss events explained. */
  readonly memberCount?:
    | {
        readonly previous: number;
        readonly current: number;
        readonly explained: number;
        readonly unexplained: number;
        readonly since: string;
      }
    | undefined;
  /** GuardDuty's own count of the organization (GetOrganizationStatistics), as one line. */
  readonly statistics?: string | undefined;
}

const VERB: Readonly<Record<LossKind | 'count-drop', string>> = {
  disassociated: 'disassociated from the administrator',
  deleted: 'deleted from the administrator',
  'monitoring-stopped': 'no longer monitored',
  'administrator-removed': 'removed as GuardDuty delegated administrator',
  'left-administrator': 'left its GuardDuty administrator',
  'count-drop': 'members gone from GuardDuty, no event explains it',
};

function headline(facts: MembershipFacts): string {
  const real = facts.accounts.filter((line) => line.result !== 'invalid id').length;
  const members = `${real} member account${real === 1 ? '' : 's'}`;
  const what =
    facts.kind === 'administrator-removed'
      ? "The organization's GuardDuty delegated administrator was removed"
      : facts.kind === 'left-administrator'
        ? 'This account left its GuardDuty administrator and is standalone now'
        : `${facts.kind === 'count-drop' ? String(facts.memberCount?.unexplained ?? real) : members} ${VERB[facts.kind]}`;
  switch (facts.outcome) {
    case 'disable-denied':
      return `Denied attempt: ${clean(facts.eventName ?? 'a GuardDuty call', 64)} on the organization's GuardDuty`;
    case 'membership-restored':
      return `${what}; restored and confirmed`;
    case 'would-restore':
      return `${what} (notify mode: not restored)`;
    case 'member-count-dropped':
      return what;
    case 'membership-lost':
      return facts.confirmed === false ? `${what}; restore NOT confirmed` : `${what}; not restored`;
  }
}

function accountLine(line: MembershipAccount, budget: Budget, cuts: Cuts): string {
  const id =
    line.result === 'invalid id'
      ? `invalid account id "${quoteInvalid(line.accountId)}"`
      : accountIdText(line.accountId);
  const detail =
    line.detail === undefined
      ? ''
      : `: ${cuts.text('account details', clean(line.detail, Number.MAX_SAFE_INTEGER), budget.entry)}`;
  return `${id} [${line.result}${detail}]`;
}

function countLine(facts: MembershipFacts): string | undefined {
  const count = facts.memberCount;
  return count
    ? `${count.previous} members at the last sweep (${clean(count.since, 40)}), ${count.current} now; loss events explain ${count.explained}, ${count.unexplained} unexplained`
    : undefined;
}

function nextCommand(facts: MembershipFacts): string {
  const region = validRegion(facts.region);
  return `guardduty-drift check ${region === undefined ? '--all-regions' : `--region ${region}`}`;
}

function emailText(facts: MembershipFacts, budget: Budget, cuts: Cuts): string[] {
  const listed = cuts.list('accounts', facts.accounts, budget.emailAccounts);
  const count = countLine(facts);
  const cloudTrail = cloudTrailEventUrl(facts.region, facts.eventId);
  return [
    headline(facts),
    '',
    `Outcome:   ${facts.outcome}, severity ${facts.severity}`,
    `Account:   ${accountWithName(facts.accountId, facts.accountName)}, Region ${regionText(facts.region)}${facts.adminDetectorId === null ? '' : `, administrator detector ${detectorIdText(facts.adminDetectorId)}`}`,
    `Mode:      ${facts.mode}`,
    ...(count ? [`Members:   ${count}`] : []),
    ...(facts.statistics ? [`GuardDuty: ${cuts.text('statistics', facts.statistics, budget.text)}`] : []),
    `Next step: ${nextCommand(facts)}`,
    '',
    ...(facts.trigger === 'api-call'
      ? whoLines(facts)
      : ['Found by:  the scheduled sweep (no event named anyone)']),
    '',
    'What it means:',
    `  ${cuts.text('meaning', facts.meaning, budget.text)}`,
    ...(facts.accounts.length
      ? [
          '',
          'Accounts:',
          ...listed.map((line) => `  - ${accountLine(line, budget, cuts)}`),
          ...(facts.accounts.length > listed.length
            ? [`  … and ${facts.accounts.length - listed.length} more (see the structured alert)`]
            : []),
        ]
      : []),
    '',
    'What the responder did:',
    `  ${cuts.text('action', clean(facts.action, Number.MAX_SAFE_INTEGER), budget.text)}`,
    ...(facts.fix ? ['', 'The fix:', `  ${cuts.text('fix', facts.fix, budget.text)}`] : []),
    '',
    `Runbook:   ${runbookLink('troubleshooting', facts.runbookUrl)}`,
    `Console:   ${consoleUrl(facts.region)}`,
    ...(facts.trigger === 'api-call'
      ? [`CloudTrail: ${cloudTrail ?? 'no link: the event id is not a CloudTrail id'}`]
      : []),
  ];
}

function chatPayload(facts: MembershipFacts, subject: string, budget: Budget): object {
  const tokens = chatTokens(facts.accountId, facts.region, facts.adminDetectorId);
  const listed = facts.accounts.slice(0, budget.chatAccounts);
  const count = countLine(facts);
  // The chat message is a summary: its cuts are by design and not reported.
  const quiet = new Cuts();
  const lines = [
    `*Account* ${codeSpan(accountWithName(facts.accountId, facts.accountName), 160)} · *Region* ${codeSpan(regionText(facts.region), 80)} · *Mode* ${facts.mode}`,
    `*Who* ${codeSpan(actorLabel(facts.actor), 256)} · *Event* ${codeSpan(facts.eventName ?? 'scheduled sweep', 64)}`,
    `*Means* ${codeSpan(facts.meaning, Math.min(600, budget.text))}`,
    ...(count ? [`*Members* ${codeSpan(count, 300)}`] : []),
    ...listed.map((line) => `• ${codeSpan(accountLine(line, budget, quiet), 300)}`),
    ...(facts.accounts.length > listed.length ? [`…and ${facts.accounts.length - listed.length} more`] : []),
    `*Responder* ${codeSpan(facts.action, Math.min(600, budget.text))}`,
    ...(facts.fix ? [`*Fix* ${codeSpan(facts.fix, Math.min(600, budget.text))}`] : []),
  ];
  return chatbotNotification({
    id: cut(facts.eventId, 128),
    title: `${severityTag(facts.severity)} · ${headline(facts)}`,
    description: lines.join('\n'),
    nextSteps: [
      `Run: ${nextCommand(facts)}`,
      `Runbook: ${runbookLink('troubleshooting', facts.runbookUrl)}`,
      `Open GuardDuty: ${consoleUrl(facts.region)}`,
    ],
    keywords: [facts.outcome, facts.severity, tokens.region, 'organization', 'membership'],
    threadId: undefined,
    summary: subject,
    eventType: facts.outcome,
    accountId: tokens.accountId,
    region: tokens.region,
  });
}

function structured(facts: MembershipFacts, budget: Budget, cuts: Cuts): Record<string, unknown> {
  const invalid = invalidIdentifiers({
    accountId: facts.accountId,
    region: facts.region,
    detectorId: facts.adminDetectorId,
  });
  const accounts = cuts.list('accounts', facts.accounts, budget.structuredAccounts);
  return {
    schemaVersion: 1,
    scope: 'organization',
    kind: facts.kind,
    outcome: facts.outcome,
    severity: facts.severity,
    accountId: validAccountId(facts.accountId) ?? null,
    region: validRegion(facts.region) ?? null,
    detectorId: validDetectorId(facts.adminDetectorId) ?? null,
    ...(invalid ? { invalidIdentifiers: invalid } : {}),
    mode: facts.mode,
    trigger: facts.trigger,
    actor: actorLabel(facts.actor),
    eventId: clean(facts.eventId, 128),
    eventTime: clean(facts.eventTime, 40),
    eventName: facts.eventName === null ? null : clean(facts.eventName, 64),
    meaning: cuts.text('meaning', facts.meaning, budget.text),
    accounts: accounts.map((line) => {
      const accountId = line.result === 'invalid id' ? undefined : validAccountId(line.accountId);
      return {
        accountId: accountId ?? null,
        ...(accountId === undefined ? { invalidAccountId: quoteInvalid(line.accountId) } : {}),
        result: line.result,
        ...(line.detail !== undefined
          ? { detail: cuts.text('account details', line.detail, budget.entry) }
          : {}),
      };
    }),
    accountsTruncated: facts.accounts.length > accounts.length,
    action: cuts.text('action', facts.action, budget.text),
    confirmed: facts.confirmed ?? null,
    fix: facts.fix === undefined ? null : cuts.text('fix', facts.fix, budget.text),
    memberCount: facts.memberCount ?? null,
    statistics: facts.statistics ?? null,
    consoleUrl: consoleUrl(facts.region),
    accountName: facts.accountName === undefined ? null : clean(facts.accountName, 64),
  };
}

const MEMBERSHIP: AlertRenderer<MembershipFacts> = {
  subject: (facts) => alertSubject(facts.severity, facts.accountId, facts.region, headline(facts)),
  severity: (facts) => facts.severity,
  outcome: (facts) => facts.outcome,
  ids: (facts) => ({ accountId: facts.accountId, region: facts.region, detectorId: facts.adminDetectorId }),
  origin: (facts) => facts,
  structured,
  email: emailText,
  chat: chatPayload,
};

/** The membership alert for every protocol: facts scrubbed first (they come from events), then fitted to SNS. */
export function renderMembership(facts: MembershipFacts): RenderedNotification {
  return renderAlert(facts, MEMBERSHIP);
}
