/**
 * The tamper alert: a call that blinds or disarms the responder (who, what, where, what it means), or a gap the
 * sweep's wiring check found, with what the responder repaired (confirmed by its read-back or not) and the next step.
 * Plain facts in, one rendering per SNS protocol out (the shared pipeline of render.ts); every string from the event
 * is scrubbed first.
 */
import type { Ownership, TamperSeverity } from '../core/tamper.js';
import type { Actor, ResponderMode } from '../core/types.js';
import type { RenderedNotification } from '../ports.js';
import { invalidIdentifiers } from './detector.js';
import type { Budget, Cuts } from './fit.js';
import { chatbotNotification } from './protocols.js';
import { type AlertRenderer, alertSubject, chatTokens, renderAlert, structuredAlertOf } from './render.js';
import {
  accountWithName,
  actorLabel,
  chatText,
  clean,
  cloudTrailEventUrl,
  codeSpan,
  cut,
  regionText,
  runbookLink,
  severityTag,
  validAccountId,
  validRegion,
  whoLines,
} from './text.js';

/** What became of one repair. */
export interface RepairResult {
  /** e.g. `EnableRule on rule guardduty-drift-events`. */
  readonly action: string;
  readonly status: 'confirmed' | 'unconfirmed' | 'failed' | 'would-repair';
  /** The read-back, or the error. */
  readonly detail: string;
}

export interface TamperAlertFacts {
  readonly accountId: string;
  readonly accountName?: string | undefined;
  readonly runbookUrl?: string | undefined;
  readonly region: string;
  readonly mode: ResponderMode;
  /** A tamper call, or the sweep's wiring check. */
  readonly trigger: 'tamper' | 'sweep';
  readonly eventId: string;
  readonly eventTime: string;
  readonly eventName: string | null;
  readonly actor: Actor | undefined;
  readonly resource: { readonly kind: string; readonly name: string; readonly ours: Ownership };
  readonly headline: string;
  readonly consequence: string;
  readonly severity: TamperSeverity;
  readonly how: 'call' | 'denied' | 'deploy' | 'sweep';
  readonly repairs: readonly RepairResult[];
  readonly fix: string;
}

export type TamperOutcome =
  | `${'tamper' | 'wiring'}-${'repaired' | 'repair-failed' | 'would-repair'}`
  | 'tamper-reported'
  | 'tamper-denied'
  | 'tamper-deploy'
  | 'wiring-gap';

export function tamperOutcome(facts: Pick<TamperAlertFacts, 'trigger' | 'how' | 'repairs'>): TamperOutcome {
  const prefix = facts.trigger === 'sweep' ? 'wiring' : 'tamper';
  const statuses = facts.repairs.map((repair) => repair.status);
  if (statuses.some((status) => status === 'failed' || status === 'unconfirmed'))
    return `${prefix}-repair-failed`;
  if (statuses.length > 0 && statuses.every((status) => status === 'confirmed')) return `${prefix}-repaired`;
  if (statuses.includes('would-repair')) return `${prefix}-would-repair`;
  if (facts.trigger === 'sweep') return 'wiring-gap';
  return facts.how === 'denied'
    ? 'tamper-denied'
    : facts.how === 'deploy'
      ? 'tamper-deploy'
      : 'tamper-reported';
}

/** A repair that did not hold is critical whatever the call was. */
export function tamperSeverity(
  facts: Pick<TamperAlertFacts, 'trigger' | 'how' | 'repairs' | 'severity'>,
): TamperSeverity {
  return tamperOutcome(facts).endsWith('repair-failed') ? 'critical' : facts.severity;
}

const KIND_TEXT: Record<string, string> = {
  trail: 'CloudTrail trail',
  rule: 'EventBridge rule',
  function: 'Lambda function',
  topic: 'SNS topic',
  key: 'KMS key',
  alarms: 'CloudWatch alarms',
  table: 'DynamoDB table',
};

const OWNERSHIP_TEXT: Record<`${Ownership}`, string> = {
  true: "the responder's own",
  false: 'not created by the responder: reported, not touched',
  unknown: "which one the record does not say: it may be the responder's own",
};

function resourceText(facts: TamperAlertFacts): string {
  const { kind, name, ours } = facts.resource;
  return `${KIND_TEXT[kind] ?? clean(kind, 32)} ${clean(name, 300)} (${OWNERSHIP_TEXT[`${ours}`]})`;
}

const STATUS_TEXT: Record<RepairResult['status'], string> = {
  confirmed: 'done, confirmed by read-back',
  unconfirmed: 'done, NOT confirmed by read-back',
  failed: 'FAILED',
  'would-repair': 'not done (RESPONDER_MODE=notify): would be repaired in remediate mode',
};

function actionLines(facts: TamperAlertFacts): string[] {
  if (facts.repairs.length === 0) {
    return [
      facts.how === 'denied'
        ? 'Nothing to repair: the call was denied.'
        : facts.how === 'deploy'
          ? 'Nothing: a CloudFormation deploy is not repaired (CloudFormation would undo the repair or fight it).'
          : 'Nothing: the responder repairs only its own rules and trail; this needs a person.',
    ];
  }
  return facts.repairs.map(
    (repair) => `${clean(repair.action, 300)}: ${STATUS_TEXT[repair.status]} (${clean(repair.detail, 400)})`,
  );
}

/** After a confirmed repair nothing is left to restore: the step is to find out why, with the manual fix beside it. */
function nextStep(facts: TamperAlertFacts): string {
  const fix = clean(facts.fix, 400);
  return tamperOutcome(facts).endsWith('-repaired')
    ? `nothing to restore; find out who made the call and why (the manual fix, should it recur: ${fix})`
    : fix;
}

function emailText(facts: TamperAlertFacts): string[] {
  const link = cloudTrailEventUrl(facts.region, facts.eventId);
  return [
    clean(facts.headline, 300),
    '',
    `Outcome:   ${tamperOutcome(facts)}, severity ${tamperSeverity(facts)}`,
    `Account:   ${accountWithName(facts.accountId, facts.accountName)}`,
    `Region:    ${regionText(facts.region)}`,
    `Resource:  ${resourceText(facts)}`,
    ...(facts.trigger === 'sweep'
      ? [`Found by:  the responder's wiring check (${clean(facts.eventId, 128)}); nobody is named`]
      : whoLines(facts)),
    '',
    'What it means:',
    `  ${clean(facts.consequence, 1000)}`,
    '',
    'What the responder did:',
    ...actionLines(facts).map((line) => `  - ${line}`),
    '',
    `Next step: ${nextStep(facts)}`,
    `Runbook:   ${runbookLink('tamper', facts.runbookUrl)}`,
    ...(link ? [`CloudTrail: ${link}`] : []),
  ];
}

function chatPayload(facts: TamperAlertFacts, subject: string, _budget: Budget): object {
  const tokens = chatTokens(facts.accountId, facts.region, null);
  const link = cloudTrailEventUrl(facts.region, facts.eventId);
  const who =
    facts.trigger === 'sweep'
      ? "*Found by* the responder's wiring check (nobody named)"
      : `*Who* ${codeSpan(actorLabel(facts.actor), 256)} · *Call* ${codeSpan(facts.eventName ?? '', 64)}`;
  return chatbotNotification({
    id: cut(facts.eventId, 128),
    title: `${severityTag(tamperSeverity(facts))} · ${chatText(facts.headline, 200)}`,
    description: [
      `*Account* ${codeSpan(tokens.accountId, 32)} · *Region* ${codeSpan(tokens.region, 32)} · *Resource* ${codeSpan(facts.resource.name, 200)}`,
      who,
      `*What it means* ${chatText(facts.consequence, 600)}`,
      `*Done* ${actionLines(facts)
        .map((line) => chatText(line, 300))
        .join('; ')}`,
    ].join('\n'),
    nextSteps: [
      chatText(nextStep(facts), 400),
      `Runbook: ${runbookLink('tamper', facts.runbookUrl)}`,
      ...(link ? [`CloudTrail event: ${link}`] : []),
    ],
    keywords: [tamperOutcome(facts), tamperSeverity(facts), tokens.region, 'tamper'],
    // A tamper page is never a reply under an older thread: it must be seen.
    threadId: undefined,
    summary: subject,
    eventType: tamperOutcome(facts),
    accountId: tokens.accountId,
    region: tokens.region,
  });
}

function structured(facts: TamperAlertFacts, _budget: Budget, _cuts: Cuts): Record<string, unknown> {
  const invalid = invalidIdentifiers({ ...facts, detectorId: null });
  return {
    schemaVersion: 1,
    kind: 'tamper',
    outcome: tamperOutcome(facts),
    severity: tamperSeverity(facts),
    accountId: validAccountId(facts.accountId) ?? null,
    region: validRegion(facts.region) ?? null,
    detectorId: null,
    ...(invalid ? { invalidIdentifiers: invalid } : {}),
    mode: facts.mode,
    trigger: facts.trigger,
    actor: facts.trigger === 'sweep' ? 'scheduled sweep' : actorLabel(facts.actor),
    eventId: clean(facts.eventId, 128),
    eventTime: clean(facts.eventTime, 40),
    eventName: facts.eventName === null ? null : clean(facts.eventName, 64),
    before: null,
    after: null,
    how: facts.how,
    resource: {
      kind: facts.resource.kind,
      name: clean(facts.resource.name, 300),
      ours: facts.resource.ours,
    },
    headline: clean(facts.headline, 300),
    consequence: clean(facts.consequence, 1000),
    repairs: facts.repairs.map((repair) => ({
      action: clean(repair.action, 300),
      status: repair.status,
      detail: clean(repair.detail, 400),
    })),
    nextStep: nextStep(facts),
    fix: clean(facts.fix, 400),
    runbook: runbookLink('tamper', facts.runbookUrl),
    cloudTrailUrl: cloudTrailEventUrl(facts.region, facts.eventId) ?? null,
  };
}

const TAMPER_ALERT: AlertRenderer<TamperAlertFacts> = {
  subject: (facts) =>
    alertSubject(tamperSeverity(facts), facts.accountId, facts.region, clean(facts.headline, 200)),
  severity: tamperSeverity,
  outcome: tamperOutcome,
  ids: (facts) => ({ accountId: facts.accountId, region: facts.region, detectorId: null }),
  origin: (facts) => ({ trigger: facts.trigger === 'tamper' ? 'api-call' : 'sweep', eventId: facts.eventId }),
  structured,
  email: emailText,
  chat: chatPayload,
};

export function structuredTamperAlert(facts: TamperAlertFacts): object {
  return structuredAlertOf(facts, TAMPER_ALERT);
}

export function renderTamperAlert(facts: TamperAlertFacts): RenderedNotification {
  return renderAlert(facts, TAMPER_ALERT);
}
