/** The organization digest: one alert per event or sweep for the whole organization, never one per account.
 *
 * Over 300 lines on purpose: the three renderings of the digest stay side by side, as in detector.ts.
 */
import { digestSeverity } from '../core/organization.js';
import { type StatisticsReading, statisticsLine } from '../core/organization-loss.js';
import type { RenderedNotification } from '../ports.js';
import { type AlertFacts, invalidIdentifiers, type NextStep, timeOffText } from './detector.js';
import { type Budget, Cuts } from './fit.js';
import { chatbotNotification } from './protocols.js';
import { type AlertRenderer, alertSubject, chatTokens, renderAlert, structuredAlertOf } from './render.js';
import {
  accountIdText,
  accountWithName,
  actorLabel,
  COST_NOTE,
  clean,
  cloudTrailEventUrl,
  codeSpan,
  consoleUrl,
  cut,
  detectorIdText,
  LIMITS,
  quoteInvalid,
  regionText,
  runbookLink,
  severityTag,
  validAccountId,
  validDetectorId,
  validRegion,
  whoLines,
} from './text.js';

export type DigestOutcome = 'remediate' | 'would-remediate' | 'circuit-open' | 'disable-denied';

/** One member account in a digest. */
export interface AccountLine {
  readonly accountId: string;
  readonly problems: readonly string[];
  /** What happened to it; undefined when nothing was attempted. */
  /**
   * `circuit open`: in a fight (re-enabled MAX_REMEDIATIONS_PER_HOUR times in the last hour); `restored again`: in a
   * fight and re-enabled once more by this run.
   */
  readonly result?:
    | 'remediated'
    | 'restored again'
    | 'failed'
    | 'not remediable'
    | 'circuit open'
    | undefined;
  readonly detail?: string | undefined;
}

/** One digest per event or sweep for the whole organization: never one page per account. */
export interface DigestFacts
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
    | 'changes'
    | 'accountName'
    | 'runbookUrl'
    | 'timeOff'
  > {
  readonly outcome: DigestOutcome;
  readonly adminDetectorId: string | null;
  readonly evaluatedAccounts: number;
  readonly accounts: readonly AccountLine[];
  /** Problems of the organization's auto-enable configuration; empty when it meets the target. */
  readonly organizationProblems: readonly string[];
  readonly organizationResult?: 'remediated' | 'failed' | undefined;
  readonly action: string;
  /** The sweep: GuardDuty's own count of the organization, beside the sweep's (it may lag up to 24 hours). */
  readonly statistics?: StatisticsReading | undefined;
}

export function digestCounts(facts: DigestFacts) {
  const count = (result: AccountLine['result']) =>
    facts.accounts.filter((line) => line.result === result).length;
  return {
    affected: facts.accounts.length,
    remediated: count('remediated') + count('restored again'),
    failed: count('failed') + (facts.organizationResult === 'failed' ? 1 : 0),
  };
}

export function digestSeverityOf(facts: DigestFacts): 'critical' | 'high' {
  const { affected, failed } = digestCounts(facts);
  const fight = facts.accounts.some(
    (line) => line.result === 'circuit open' || line.result === 'restored again',
  );
  if (facts.outcome === 'circuit-open' || fight) return 'critical';
  // As for a single detector: nothing changed, but someone tried.
  if (facts.outcome === 'disable-denied') return 'high';
  return digestSeverity(
    affected + (facts.organizationProblems.length > 0 ? 1 : 0),
    facts.evaluatedAccounts,
    failed,
  );
}

/** The digest's next step: check once every account is back, otherwise the runbook's troubleshooting. */
export function digestNextStep(facts: DigestFacts): NextStep {
  const { affected, remediated } = digestCounts(facts);
  const region = validRegion(facts.region);
  const restored =
    facts.outcome !== 'would-remediate' && remediated === affected && !facts.organizationResult;
  return {
    command: `guardduty-drift check ${region === undefined ? '--all-regions' : `--region ${region}`}`,
    runbook: runbookLink(restored ? 'verify' : 'troubleshooting', facts.runbookUrl),
    console: consoleUrl(facts.region),
    cloudTrail: facts.trigger === 'api-call' ? cloudTrailEventUrl(facts.region, facts.eventId) : undefined,
  };
}

/** A digest restores accounts, not one detector: its time off counts as soon as one of them is back. */
function digestTimeOff(facts: DigestFacts): string | undefined {
  const { remediated } = digestCounts(facts);
  return remediated > 0 ? timeOffText({ timeOff: facts.timeOff, remediation: 'succeeded' }) : undefined;
}

function headline(facts: DigestFacts): string {
  const { affected, remediated, failed } = digestCounts(facts);
  const count = (result: AccountLine['result']) =>
    facts.accounts.filter((line) => line.result === result).length;
  const circuitOpen = count('circuit open') + count('restored again');
  const what = [
    affected > 0 ? `${affected} member account${affected === 1 ? '' : 's'}` : undefined,
    facts.organizationProblems.length > 0 ? 'the organization auto-enable setting' : undefined,
  ]
    .filter(Boolean)
    .join(' and ');
  switch (facts.outcome) {
    case 'remediate': {
      if (what === '') return 'EKS Runtime Monitoring is protected again across the organization';
      const attempted = remediated > 0 || failed > 0 || facts.organizationResult !== undefined;
      if (!attempted) {
        return circuitOpen > 0
          ? `EKS Runtime Monitoring lost in ${what}; someone keeps turning it off, nothing re-enabled`
          : `EKS Runtime Monitoring lost in ${what}; cannot be re-enabled automatically`;
      }
      const notes = [
        failed > 0 ? `re-enabling FAILED for ${failed}` : 're-enabled',
        circuitOpen > 0 ? `turned off again and again for ${circuitOpen} (a fight)` : undefined,
      ].filter(Boolean);
      return `EKS Runtime Monitoring lost in ${what}; ${notes.join(', ')}`;
    }
    case 'would-remediate':
      return `EKS Runtime Monitoring lost in ${what} (notify mode: not re-enabled)`;
    case 'circuit-open':
      return `EKS Runtime Monitoring keeps being turned off in ${what}: re-enabled again, someone is fighting it`;
    case 'disable-denied':
      return 'Denied attempt to reduce GuardDuty protection for the organization';
  }
}

/** One member account on one line: its id (or that it is invalid), its problems, what happened to it. */
function accountText(line: AccountLine, budget: Budget, cuts: Cuts): string {
  const problems = cuts
    .list('account problems', line.problems, budget.accountProblems)
    .map((problem) => cuts.text('account problems', clean(problem, Number.MAX_SAFE_INTEGER), budget.entry));
  const hidden = line.problems.length - problems.length;
  const detail =
    line.detail === undefined
      ? ''
      : `: ${cuts.text('account details', clean(line.detail, Number.MAX_SAFE_INTEGER), Math.min(120, budget.entry))}`;
  const result = line.result ? ` [${line.result}${detail}]` : '';
  return `${accountIdText(line.accountId)}: ${problems.join('; ')}${hidden > 0 ? ` (and ${hidden} more)` : ''}${result}`;
}

function more(total: number, shown: number): string[] {
  return total > shown
    ? [`  … and ${total - shown} more (see the structured alert or run the CLI's check)`]
    : [];
}

/** At most `budget.entries` entries of `budget.entry` characters, and a line saying how many were left out. */
function listLines(field: string, lines: readonly string[], budget: Budget, cuts: Cuts): string[] {
  const shown = cuts
    .list(field, lines, budget.entries)
    .map((line) => `  - ${cuts.text(field, clean(line, Number.MAX_SAFE_INTEGER), budget.entry)}`);
  return lines.length > shown.length ? [...shown, `  … and ${lines.length - shown.length} more`] : shown;
}

function emailText(facts: DigestFacts, budget: Budget, cuts: Cuts): string[] {
  const { affected, remediated, failed } = digestCounts(facts);
  const listed = facts.accounts.slice(0, budget.emailAccounts);
  const step = digestNextStep(facts);
  const off = digestTimeOff(facts);
  return [
    headline(facts),
    '',
    `Outcome:   ${facts.outcome}, severity ${digestSeverityOf(facts)}`,
    `Admin:     ${accountWithName(facts.accountId, facts.accountName)} (delegated administrator), Region ${regionText(facts.region)}, detector ${detectorIdText(facts.adminDetectorId)}`,
    `Mode:      ${facts.mode}`,
    `Accounts:  ${facts.evaluatedAccounts} evaluated, ${affected} without protection, ${remediated} re-enabled, ${failed} failed`,
    ...(facts.statistics ? [`GuardDuty: ${statisticsLine(facts.statistics)}`] : []),
    ...(off ? [`Time off:  ${off}`] : []),
    `Next step: ${step.command}`,
    '',
    ...whoLines(facts),
    ...(facts.changes.length
      ? ['', 'What changed:', ...listLines('changes', facts.changes, budget, cuts)]
      : []),
    ...(facts.organizationProblems.length
      ? [
          '',
          `Organization configuration${facts.organizationResult ? ` [${facts.organizationResult}]` : ''}:`,
          ...listLines('organization problems', facts.organizationProblems, budget, cuts),
        ]
      : []),
    ...(affected
      ? [
          '',
          'Accounts:',
          ...listed.map((line) => `  - ${accountText(line, budget, cuts)}`),
          ...more(affected, listed.length),
        ]
      : []),
    '',
    'What the responder did:',
    `  ${cuts.text('action', clean(facts.action, Number.MAX_SAFE_INTEGER), budget.text)}`,
    ...(facts.outcome === 'remediate' || facts.outcome === 'would-remediate' ? ['', COST_NOTE] : []),
    '',
    `Runbook:   ${step.runbook}`,
    `Console:   ${step.console}`,
    `CloudTrail: ${step.cloudTrail ?? (facts.trigger === 'api-call' ? 'no link: the event id is not a CloudTrail id' : 'no event: the scheduled sweep found it')}`,
  ];
}

function chatbotPayload(facts: DigestFacts, subject: string, budget: Budget): object {
  const { affected, remediated, failed } = digestCounts(facts);
  const severity = digestSeverityOf(facts);
  const step = digestNextStep(facts);
  const off = digestTimeOff(facts);
  const tokens = chatTokens(facts.accountId, facts.region, facts.adminDetectorId);
  // The chat message is a summary: its cuts are by design and not reported.
  const quiet = new Cuts();
  const listed = facts.accounts.slice(0, budget.chatAccounts);
  const problems = facts.organizationProblems.slice(0, budget.entries);
  const lines = [
    `*Admin* ${codeSpan(accountWithName(facts.accountId, facts.accountName), 160)} · *Region* ${codeSpan(regionText(facts.region), 80)} · *Mode* ${facts.mode}`,
    `*Accounts* ${facts.evaluatedAccounts} evaluated · ${affected} without protection · ${remediated} re-enabled · ${failed} failed`,
    ...(facts.statistics ? [`*GuardDuty* ${codeSpan(statisticsLine(facts.statistics), 300)}`] : []),
    `*Who* ${codeSpan(actorLabel(facts.actor), LIMITS.principal)} · *Event* ${codeSpan(facts.eventName ?? 'scheduled sweep', 64)}`,
    ...(problems.length
      ? [
          `*Organization* ${problems.map((line) => codeSpan(line, budget.entry)).join(', ')}${facts.organizationProblems.length > problems.length ? ' …' : ''}`,
        ]
      : []),
    ...listed.map((line) => `• ${codeSpan(accountText(line, budget, quiet), 300)}`),
    ...(affected > listed.length ? [`…and ${affected - listed.length} more`] : []),
    `*Responder* ${codeSpan(facts.action, Math.min(600, budget.text))}`,
    ...(off ? [`*Time off* ${off}`] : []),
    `*Next step* ${codeSpan(step.command, 300)}`,
  ];
  return chatbotNotification({
    id: cut(facts.eventId, 128),
    title: `${severityTag(severity)} · ${headline(facts)}`,
    description: lines.join('\n'),
    nextSteps: [
      `Run: ${step.command}`,
      `Runbook: ${step.runbook}`,
      `Open GuardDuty Runtime Monitoring: ${step.console}`,
      ...(step.cloudTrail ? [`CloudTrail event: ${step.cloudTrail}`] : []),
    ],
    keywords: [facts.outcome, severity, tokens.region, 'organization'],
    // A critical digest stands on its own, never a reply under an older one.
    threadId:
      severity === 'critical'
        ? undefined
        : `guardduty-drift/${tokens.accountId}/${tokens.region}/organization`,
    summary: subject,
    eventType: facts.outcome,
    accountId: tokens.accountId,
    region: tokens.region,
  });
}

/** One member account for SQS/Lambda subscribers: `accountId` null (quoted in `invalidAccountId`) when not 12 digits. */
function structuredAccount(line: AccountLine, budget: Budget, cuts: Cuts): object {
  const accountId = validAccountId(line.accountId);
  return {
    accountId: accountId ?? null,
    ...(accountId === undefined ? { invalidAccountId: quoteInvalid(line.accountId) } : {}),
    problems: cuts
      .list('account problems', line.problems, budget.accountProblems)
      .map((problem) => cuts.text('account problems', problem, budget.entry)),
    ...(line.result ? { result: line.result } : {}),
    ...(line.detail !== undefined ? { detail: cuts.text('account details', line.detail, budget.entry) } : {}),
  };
}

function entries(field: string, lines: readonly string[], budget: Budget, cuts: Cuts): string[] {
  return cuts.list(field, lines, budget.entries).map((line) => cuts.text(field, line, budget.entry));
}

function structuredWithin(facts: DigestFacts, budget: Budget, cuts: Cuts): Record<string, unknown> {
  const { affected, remediated, failed } = digestCounts(facts);
  const invalid = invalidIdentifiers({
    accountId: facts.accountId,
    region: facts.region,
    detectorId: facts.adminDetectorId,
  });
  const accounts = cuts.list('accounts', facts.accounts, budget.structuredAccounts);
  return {
    schemaVersion: 1,
    scope: 'organization',
    outcome: facts.outcome,
    severity: digestSeverityOf(facts),
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
    changes: entries('changes', facts.changes, budget, cuts),
    before: {
      evaluatedAccounts: facts.evaluatedAccounts,
      accountsWithoutProtection: affected,
      organizationProblems: entries('organization problems', facts.organizationProblems, budget, cuts),
    },
    after: {
      remediatedAccounts: remediated,
      failedAccounts: failed,
      organizationResult: facts.organizationResult ?? null,
    },
    // GuardDuty's own count (GetOrganizationStatistics) beside evaluatedAccounts, the sweep's; null outside a sweep.
    organizationStatistics:
      facts.statistics === undefined
        ? null
        : facts.statistics.status === 'read'
          ? { available: true, ...facts.statistics.statistics }
          : { available: false, reason: cuts.text('statistics', facts.statistics.reason, budget.entry) },
    accounts: accounts.map((line) => structuredAccount(line, budget, cuts)),
    accountsTruncated: affected > accounts.length,
    action: cuts.text('action', facts.action, budget.text),
    consoleUrl: consoleUrl(facts.region),
    accountName: facts.accountName === undefined ? null : clean(facts.accountName, 64),
    timeOff: facts.timeOff && digestTimeOff(facts) !== undefined ? facts.timeOff : null,
    nextStep: { ...digestNextStep(facts), cloudTrail: digestNextStep(facts).cloudTrail ?? null },
  };
}

/** The digest's renderings, for {@link renderAlert}. */
const DIGEST: AlertRenderer<DigestFacts> = {
  subject: (facts) => alertSubject(digestSeverityOf(facts), facts.accountId, facts.region, headline(facts)),
  severity: digestSeverityOf,
  outcome: (facts) => facts.outcome,
  ids: (facts) => ({ accountId: facts.accountId, region: facts.region, detectorId: facts.adminDetectorId }),
  origin: (facts) => facts,
  structured: structuredWithin,
  email: emailText,
  chat: chatbotPayload,
};

/**
 * The digest for SQS/Lambda subscribers: the contract fields, counts, and as many accounts as fit (at most 200);
 * `cut` says what was cut to fit SNS's limit (null when nothing was).
 */
export function structuredDigest(facts: DigestFacts, budget?: Budget): object {
  return structuredAlertOf(facts, DIGEST, budget);
}

/** The digest, rendered for every protocol: the facts scrubbed first (they come from events), then fitted to SNS. */
export function renderDigest(facts: DigestFacts): RenderedNotification {
  return renderAlert(facts, DIGEST);
}
