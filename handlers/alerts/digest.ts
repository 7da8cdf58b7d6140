/** The organization digest: one alert per event or sweep for the whole organization, never one per account. */
import { digestSeverity } from '../core/organization.js';
import type { RenderedNotification } from '../ports.js';
import type { AlertFacts } from './detector.js';
import { chatbotNotification, renderForProtocols } from './protocols.js';
import { actorLabel, COST_NOTE, clean, codeSpan, consoleUrl, LIMITS, snsSubject, whoLines } from './text.js';

export type DigestOutcome = 'remediate' | 'would-remediate' | 'circuit-open' | 'disable-denied';

/** One member account in a digest. */
export interface AccountLine {
  readonly accountId: string;
  readonly problems: readonly string[];
  /** What happened to it; undefined when nothing was attempted. */
  readonly result?: 'remediated' | 'failed' | 'not remediable' | 'circuit open' | undefined;
  readonly detail?: string | undefined;
}

/** One digest per event or sweep for the whole organization: never one page per account. */
export interface DigestFacts
  extends Pick<
    AlertFacts,
    'accountId' | 'region' | 'mode' | 'trigger' | 'eventId' | 'eventTime' | 'eventName' | 'actor' | 'changes'
  > {
  readonly outcome: DigestOutcome;
  readonly adminDetectorId: string | null;
  readonly evaluatedAccounts: number;
  readonly accounts: readonly AccountLine[];
  /** Problems of the organization's auto-enable configuration; empty when it meets the target. */
  readonly organizationProblems: readonly string[];
  readonly organizationResult?: 'remediated' | 'failed' | undefined;
  readonly action: string;
}

const EMAIL_ACCOUNTS = 50;
const CHAT_ACCOUNTS = 10;
const STRUCTURED_ACCOUNTS = 200;

export function digestCounts(facts: DigestFacts) {
  const count = (result: AccountLine['result']) =>
    facts.accounts.filter((line) => line.result === result).length;
  return {
    affected: facts.accounts.length,
    remediated: count('remediated'),
    failed: count('failed') + (facts.organizationResult === 'failed' ? 1 : 0),
  };
}

export function digestSeverityOf(facts: DigestFacts): 'critical' | 'high' {
  const { affected, failed } = digestCounts(facts);
  const circuitOpen = facts.accounts.some((line) => line.result === 'circuit open');
  if (facts.outcome === 'circuit-open' || circuitOpen) return 'critical';
  // As for a single detector: nothing changed, but someone tried.
  if (facts.outcome === 'disable-denied') return 'high';
  return digestSeverity(
    affected + (facts.organizationProblems.length > 0 ? 1 : 0),
    facts.evaluatedAccounts,
    failed,
  );
}

function headline(facts: DigestFacts): string {
  const { affected, remediated, failed } = digestCounts(facts);
  const count = (result: AccountLine['result']) =>
    facts.accounts.filter((line) => line.result === result).length;
  const circuitOpen = count('circuit open');
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
          ? `EKS Runtime Monitoring lost in ${what}; circuit open, nothing re-enabled`
          : `EKS Runtime Monitoring lost in ${what}; cannot be re-enabled automatically`;
      }
      const notes = [
        failed > 0 ? `re-enabling FAILED for ${failed}` : 're-enabled',
        circuitOpen > 0 ? `circuit open for ${circuitOpen}` : undefined,
      ].filter(Boolean);
      return `EKS Runtime Monitoring lost in ${what}; ${notes.join(', ')}`;
    }
    case 'would-remediate':
      return `EKS Runtime Monitoring lost in ${what} (notify mode: not re-enabled)`;
    case 'circuit-open':
      return `EKS Runtime Monitoring keeps being turned off in ${what}: automatic re-enable stopped`;
    case 'disable-denied':
      return 'Denied attempt to reduce GuardDuty protection for the organization';
  }
}

function accountText(line: AccountLine): string {
  const result = line.result ? ` [${line.result}${line.detail ? `: ${clean(line.detail, 120)}` : ''}]` : '';
  return `${line.accountId}: ${line.problems.map((problem) => clean(problem, 160)).join('; ')}${result}`;
}

function more(total: number, shown: number): string[] {
  return total > shown
    ? [`  … and ${total - shown} more (see the structured alert or run the CLI's check)`]
    : [];
}

function emailText(facts: DigestFacts): string {
  const { affected, remediated, failed } = digestCounts(facts);
  return [
    headline(facts),
    '',
    `Outcome:   ${facts.outcome}, severity ${digestSeverityOf(facts)}`,
    `Admin:     ${facts.accountId} (delegated administrator), Region ${facts.region}, detector ${facts.adminDetectorId ?? 'none'}`,
    `Mode:      ${facts.mode}`,
    `Accounts:  ${facts.evaluatedAccounts} evaluated, ${affected} without protection, ${remediated} re-enabled, ${failed} failed`,
    '',
    ...whoLines(facts),
    ...(facts.changes.length
      ? ['', 'What changed:', ...facts.changes.map((line) => `  - ${clean(line)}`)]
      : []),
    ...(facts.organizationProblems.length
      ? [
          '',
          `Organization configuration${facts.organizationResult ? ` [${facts.organizationResult}]` : ''}:`,
          ...facts.organizationProblems.map((line) => `  - ${clean(line)}`),
        ]
      : []),
    ...(affected
      ? [
          '',
          'Accounts:',
          ...facts.accounts.slice(0, EMAIL_ACCOUNTS).map((line) => `  - ${accountText(line)}`),
          ...more(affected, EMAIL_ACCOUNTS),
        ]
      : []),
    '',
    'What the responder did:',
    `  ${facts.action}`,
    ...(facts.outcome === 'remediate' || facts.outcome === 'would-remediate' ? ['', COST_NOTE] : []),
    '',
    `Console:   ${consoleUrl(facts.region)}`,
  ].join('\n');
}

function chatbotPayload(facts: DigestFacts, subject: string): object {
  const { affected, remediated, failed } = digestCounts(facts);
  const lines = [
    `*Admin* ${codeSpan(facts.accountId, 32)} · *Region* ${codeSpan(facts.region, 32)} · *Mode* ${facts.mode}`,
    `*Accounts* ${facts.evaluatedAccounts} evaluated · ${affected} without protection · ${remediated} re-enabled · ${failed} failed`,
    `*Who* ${codeSpan(actorLabel(facts.actor), LIMITS.principal)} · *Event* ${codeSpan(facts.eventName ?? 'scheduled sweep', 64)}`,
    ...(facts.organizationProblems.length
      ? [`*Organization* ${facts.organizationProblems.map((line) => codeSpan(line)).join(', ')}`]
      : []),
    ...facts.accounts.slice(0, CHAT_ACCOUNTS).map((line) => `• ${codeSpan(accountText(line), 300)}`),
    ...(affected > CHAT_ACCOUNTS ? [`…and ${affected - CHAT_ACCOUNTS} more`] : []),
    `*Responder* ${codeSpan(facts.action, 600)}`,
  ];
  return chatbotNotification({
    id: facts.eventId,
    title: `:rotating_light: ${headline(facts)}`,
    description: lines.join('\n'),
    nextSteps: [`Open GuardDuty Runtime Monitoring: ${consoleUrl(facts.region)}`],
    keywords: [facts.outcome, digestSeverityOf(facts), facts.region, 'organization'],
    threadId: `guardduty-drift/${facts.accountId}/${facts.region}/organization`,
    summary: subject,
    eventType: facts.outcome,
    accountId: facts.accountId,
    region: facts.region,
  });
}

/** The digest for SQS/Lambda subscribers: the contract fields, counts, and at most 200 accounts (SNS caps at 256 KB). */
export function structuredDigest(facts: DigestFacts): object {
  const { affected, remediated, failed } = digestCounts(facts);
  return {
    schemaVersion: 1,
    scope: 'organization',
    outcome: facts.outcome,
    severity: digestSeverityOf(facts),
    accountId: facts.accountId,
    region: facts.region,
    detectorId: facts.adminDetectorId,
    mode: facts.mode,
    trigger: facts.trigger,
    actor: actorLabel(facts.actor),
    eventId: facts.eventId,
    eventTime: facts.eventTime,
    eventName: facts.eventName,
    changes: facts.changes,
    before: {
      evaluatedAccounts: facts.evaluatedAccounts,
      accountsWithoutProtection: affected,
      organizationProblems: facts.organizationProblems,
    },
    after: {
      remediatedAccounts: remediated,
      failedAccounts: failed,
      organizationResult: facts.organizationResult ?? null,
    },
    accounts: facts.accounts.slice(0, STRUCTURED_ACCOUNTS),
    accountsTruncated: affected > STRUCTURED_ACCOUNTS,
    action: facts.action,
    consoleUrl: consoleUrl(facts.region),
  };
}

export function renderDigest(facts: DigestFacts): RenderedNotification {
  const severity = digestSeverityOf(facts);
  const subject = snsSubject(
    `[${severity.toUpperCase()}] ${facts.accountId} ${facts.region}: ${headline(facts)}`,
  );
  return renderForProtocols({
    subject,
    email: emailText(facts),
    structured: structuredDigest(facts),
    chat: chatbotPayload(facts, subject),
    severity,
    outcome: facts.outcome,
    accountId: facts.accountId,
    region: facts.region,
  });
}
