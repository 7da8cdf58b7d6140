/** The alert for one detector: plain facts in, one rendering per SNS protocol out.
 *
 * Over 300 lines on purpose: the e-mail, chat and structured renderings of one alert, its headline, severity and next step stay side by side so they cannot drift apart (shared pieces live in text.ts, protocols.ts, fit.ts and render.ts).
 */
import type { RemediationPlan } from '../core/decide.js';
import type { Evaluation, RuntimeFeatureView } from '../core/evaluate.js';
import type { Exemption } from '../core/exemption.js';
import type { ControlVerdicts, RuntimeTarget } from '../core/target.js';
import type { Actor, ResponderInput, ResponderMode } from '../core/types.js';
import type { RenderedNotification } from '../ports.js';
import { BUDGETS, type Budget, type Cuts } from './fit.js';
import { chatbotNotification } from './protocols.js';
import { type AlertRenderer, alertSubject, chatTokens, renderAlert, structuredAlertOf } from './render.js';
import {
  accountWithName,
  actorLabel,
  COST_NOTE,
  clean,
  cloudTrailEventUrl,
  codeSpan,
  consoleUrl,
  cut,
  detectorIdText,
  formatDuration,
  LIMITS,
  quoteInvalid,
  type RunbookSection,
  regionText,
  runbookLink,
  severityTag,
  validAccountId,
  validDetectorId,
  validRegion,
  whoLines,
} from './text.js';

export type AlertOutcome =
  | 'remediate'
  | 'would-remediate'
  | 'exempt'
  | 'circuit-open'
  | 'detector-deleted'
  | 'disable-denied'
  /** A follow-up that names who made a change an earlier page (by the sweep, or another event) could not name. */
  | 'attribution'
  /** The exemption tags were set or removed. */
  | 'exemption-change'
  /** Both generations are enabled and billing (and, under RUNTIME_TARGET=unified, the legacy one was disabled). */
  | 'cost-warning';
export type Severity = 'critical' | 'high' | 'medium' | 'low';

/** A detector as an alert shows it: enough to see what is on and off at a glance. */
export interface DetectorSnapshot {
  readonly status: string;
  readonly compliant: boolean;
  readonly generationInUse: string | null;
  readonly agentManagement: string | null;
  readonly runtimeFeatures: readonly RuntimeFeatureView[];
  /** The RUNTIME_TARGET `compliant` was judged under. */
  readonly target?: RuntimeTarget | undefined;
  /** Whether either generation protects it, whatever the target: a `unified` drift that is protected is a migration. */
  readonly protectedByEither?: boolean | undefined;
  /** What Security Hub's GuardDuty.7 and GuardDuty.11 say of this state. */
  readonly controls?: ControlVerdicts | undefined;
}

/** Everything an alert says, in plain data; rendering per protocol is `renderNotification`'s job. */
export interface AlertFacts {
  readonly outcome: AlertOutcome;
  readonly remediation?: 'succeeded' | 'failed' | undefined;
  readonly accountId: string;
  readonly region: string;
  readonly detectorId: string | null;
  readonly mode: ResponderMode;
  readonly trigger: ResponderInput['kind'];
  readonly eventId: string;
  readonly eventTime: string;
  readonly eventName: string | null;
  /** Undefined for the scheduled sweep. */
  readonly actor: Actor | undefined;
  readonly changes: readonly string[];
  readonly problems: readonly string[];
  readonly action: string;
  readonly before: DetectorSnapshot | null;
  readonly after: DetectorSnapshot | null;
  readonly exemption: Exemption;
  /** The account's alias or configured name (`ACCOUNT_NAME`); undefined when none is known. */
  readonly accountName?: string | undefined;
  /** The deployment's runbook (`RUNBOOK_URL`); undefined: its path in the repository. */
  readonly runbookUrl?: string | undefined;
  /** How long protection was off, for a restore: from the disabling call (or the sweep's read) to the read-back. */
  readonly timeOff?: TimeOff | undefined;
}

/**
 * How long protection was off. `from: 'disabling-call'`: since the `eventTime` of the call that took it away;
 * `from: 'sweep-detection'`: since the sweep read the drift (it was off for at least that long).
 */
export interface TimeOff {
  readonly since: string;
  readonly until: string;
  readonly seconds: number;
  readonly from: 'disabling-call' | 'sweep-detection' | 'detection';
}

/** The next step of an alert: what to run, where to read, where to look. */
export interface NextStep {
  readonly command: string;
  readonly runbook: string;
  readonly console: string;
  /** The CloudTrail event history page of the triggering call; undefined for the sweep (or a malformed id). */
  readonly cloudTrail: string | undefined;
}

export function snapshot(status: string, evaluation: Evaluation): DetectorSnapshot {
  return {
    status,
    compliant: evaluation.compliant,
    generationInUse: evaluation.generationInUse ?? null,
    agentManagement: evaluation.agentManagement ?? null,
    runtimeFeatures: evaluation.runtimeFeatures,
    target: evaluation.target,
    protectedByEither: evaluation.protectedByEither,
    controls: evaluation.controls,
  };
}

/**
 * RUNTIME_TARGET=unified and the detector was protected by the legacy generation alone: moving it to
 * RUNTIME_MONITORING is a migration, not a restore of lost protection.
 */
export function isMigration(facts: Pick<AlertFacts, 'before'>): boolean {
  return facts.before?.protectedByEither === true && !facts.before.compliant;
}

export function severityOf(
  facts: Pick<AlertFacts, 'outcome' | 'remediation'> & {
    readonly exemption?: Exemption;
    readonly before?: DetectorSnapshot | null;
    readonly after?: DetectorSnapshot | null;
  },
): Severity {
  const migration = isMigration({ before: facts.before ?? null });
  switch (facts.outcome) {
    case 'exemption-change':
      // An exemption nobody may hold that long, or tags that do not form one, is a tamper signal.
      return facts.exemption?.status === 'refused' || facts.exemption?.status === 'malformed'
        ? 'high'
        : 'medium';
    case 'remediate':
      // A failure that leaves the detector protected (a migration's, or its second step's) needs a person, not a war room.
      if (facts.remediation === 'failed')
        return migration || facts.after?.compliant === true ? 'high' : 'critical';
      return migration ? 'medium' : 'high';
    case 'cost-warning':
      if (facts.remediation !== 'failed') return 'low';
      return facts.after?.compliant === false ? 'high' : 'medium';
    case 'circuit-open':
    case 'detector-deleted':
      return 'critical';
    case 'would-remediate':
      return migration ? 'medium' : 'high';
    case 'disable-denied':
    case 'attribution':
      return 'high';
    case 'exempt':
      return 'medium';
  }
}

/** The alert's one-line headline (also a Security Hub finding's title). */
export function headline(facts: AlertFacts): string {
  const migration = isMigration(facts);
  switch (facts.outcome) {
    case 'remediate':
      if (facts.remediation === 'failed') {
        if (facts.after?.compliant === true)
          return 'Migrated; disabling EKS_RUNTIME_MONITORING FAILED (paying twice)';
        return migration
          ? 'Migration to RUNTIME_MONITORING FAILED; legacy still protects'
          : 'EKS Runtime Monitoring is off and re-enabling it FAILED';
      }
      return migration
        ? 'Migrated to RUNTIME_MONITORING; EKS_RUNTIME_MONITORING is off'
        : 'EKS Runtime Monitoring was turned off and has been re-enabled';
    case 'would-remediate':
      return migration
        ? 'Legacy EKS_RUNTIME_MONITORING only (notify mode: not migrated)'
        : 'EKS Runtime Monitoring is off (notify mode: not re-enabled)';
    case 'exempt':
      return migration
        ? 'Legacy EKS_RUNTIME_MONITORING only, under an exemption'
        : 'EKS Runtime Monitoring is off under an exemption';
    case 'cost-warning':
      if (facts.remediation === 'failed')
        return 'Disabling redundant EKS_RUNTIME_MONITORING FAILED (paying twice)';
      return facts.remediation === 'succeeded'
        ? 'Redundant EKS_RUNTIME_MONITORING disabled (both generations were on)'
        : 'Both runtime monitoring generations on: paying twice';
    case 'circuit-open':
      return 'EKS Runtime Monitoring keeps being turned off: re-enabled again, someone is fighting it';
    case 'detector-deleted':
      return 'GuardDuty detector deleted: nothing monitors EKS runtime';
    case 'disable-denied':
      return 'Denied attempt to reduce GuardDuty protection';
    case 'attribution':
      return 'Who turned EKS Runtime Monitoring off (follow-up)';
    case 'exemption-change':
      return facts.exemption.status === 'refused'
        ? 'Exemption from EKS Runtime Monitoring REFUSED: it ends too far ahead'
        : 'Exemption tags of the GuardDuty detector changed';
  }
}

/** What to run and which runbook section to read, per outcome: fix when it is still off, check when it is back. */
function nextAction(facts: AlertFacts): { verb: 'enable' | 'check'; section: RunbookSection } {
  const fixed = facts.remediation === 'succeeded';
  switch (facts.outcome) {
    case 'remediate':
    case 'circuit-open':
      return fixed ? { verb: 'check', section: 'verify' } : { verb: 'enable', section: 'enable' };
    case 'would-remediate':
      return { verb: 'enable', section: 'enable' };
    case 'detector-deleted':
      return { verb: 'enable', section: 'enable' };
    case 'exempt':
    case 'exemption-change':
      return { verb: 'check', section: 'backout' };
    default:
      // A denied attempt, a follow-up naming who did it, a cost warning: nothing to fix, check what is on.
      return { verb: 'check', section: 'check' };
  }
}

/** The one line every alert ends with: the CLI command, the runbook section, the console, the CloudTrail event. */
export function nextStepOf(facts: AlertFacts): NextStep {
  const { verb, section } = nextAction(facts);
  const region = validRegion(facts.region);
  const regionFlag = region === undefined ? '--all-regions' : `--region ${region}`;
  const command =
    facts.outcome === 'detector-deleted'
      ? `aws guardduty create-detector --enable ${regionFlag === '--all-regions' ? '' : `${regionFlag} `}--features 'Name=RUNTIME_MONITORING,Status=ENABLED,AdditionalConfiguration=[{Name=EKS_ADDON_MANAGEMENT,Status=ENABLED}]'`
      : `guardduty-drift ${verb} ${regionFlag}${verb === 'enable' ? ' --dry-run' : ''}`;
  return {
    command,
    runbook: runbookLink(section, facts.runbookUrl),
    console: consoleUrl(facts.region),
    cloudTrail: facts.trigger === 'api-call' ? cloudTrailEventUrl(facts.region, facts.eventId) : undefined,
  };
}

/** `Protection was off for 4m 05s (from the disabling call at … to the read-back at …)`; undefined when not known. */
export function timeOffText(facts: Pick<AlertFacts, 'timeOff' | 'remediation'>): string | undefined {
  const off = facts.timeOff;
  if (off === undefined) return undefined;
  const since = clean(off.since, 40);
  const until = clean(off.until, 40);
  const found = off.from === 'sweep-detection' ? 'the sweep found it' : 'the responder found it';
  if (facts.remediation !== 'succeeded') {
    return off.from === 'disabling-call'
      ? `protection has been off for ${formatDuration(off.seconds)} (since the disabling call at ${since}) and is still off`
      : `protection has been off for at least ${formatDuration(off.seconds)} (since ${found} at ${since}) and is still off`;
  }
  return off.from === 'disabling-call'
    ? `protection was off for ${formatDuration(off.seconds)} (from the disabling call at ${since} to the read-back at ${until})`
    : `protection was off for at least ${formatDuration(off.seconds)} (from when ${found} at ${since} to the read-back at ${until}; measured from ${off.from === 'sweep-detection' ? 'the sweep' : 'detection'})`;
}

export function describePlan(plan: RemediationPlan): string {
  const parts: string[] = [];
  if (plan.resumeDetector) parts.push('resume the detector (enable: true)');
  if (plan.feature) {
    const configs = plan.feature.additionalConfiguration
      .map((config) => `${config.name}=${config.status}`)
      .join(', ');
    parts.push(`${plan.feature.name} → ${plan.feature.status} (${configs})`);
  }
  const first = `UpdateDetector ${plan.detectorId}: ${parts.join('; ')}`;
  // The legacy disable is a second request, sent only once the first reads back protecting.
  return plan.retire?.feature
    ? `${first}; after its read-back, UpdateDetector ${plan.detectorId}: ${plan.retire.feature.name} → ${plan.retire.feature.status}`
    : first;
}

/** How the e-mail and the structured alert show one detector's runtime features: at most `budget.entries`. */
function featureLines(detector: DetectorSnapshot, budget: Budget, cuts: Cuts): string[] {
  return cuts
    .list('runtime features', detector.runtimeFeatures, budget.entries)
    .map((view) =>
      cuts.text(
        'runtime features',
        `${view.name} ${view.status} (agent management ${view.agentManagement})`,
        budget.entry,
      ),
    );
}

function describeSnapshot(detector: DetectorSnapshot | null, budget: Budget, cuts: Cuts): string {
  if (detector === null) return 'no detector';
  const features = featureLines(detector, budget, cuts);
  const more = detector.runtimeFeatures.length - features.length;
  const controls = detector.controls
    ? [
        `Security Hub GuardDuty.7 ${detector.controls['GuardDuty.7']}, GuardDuty.11 ${detector.controls['GuardDuty.11']}`,
      ]
    : [];
  return [
    `detector ${cut(detector.status, 32)}`,
    ...(features.length ? features : ['no runtime feature listed']),
    ...(more > 0 ? [`and ${more} more`] : []),
    ...controls,
  ].join('; ');
}

function describeExemption(exemption: Exemption, budget: Budget = BUDGETS[0]): string | undefined {
  const max = Math.min(LIMITS.text, budget.entry);
  switch (exemption.status) {
    case 'none':
      return undefined;
    case 'active':
      return `active until ${clean(exemption.until, 64)}: ${clean(exemption.reason, max)}`;
    case 'expired':
      return `expired on ${clean(exemption.until, 64)} (was: ${clean(exemption.reason, max)})`;
    case 'malformed':
      return `ignored, malformed: ${clean(exemption.problem, max)}`;
    case 'refused':
      return (
        `refused, not honoured: it ends ${clean(exemption.until, 64)}, later than the ${exemption.maxDays} days ` +
        `MAX_EXEMPTION_DAYS allows (reason given: ${clean(exemption.reason, max)})`
      );
  }
}

export function subjectOf(facts: AlertFacts): string {
  return alertSubject(severityOf(facts), facts.accountId, facts.region, headline(facts));
}

/** The changes the call asked for, or the detector's problems when there is no call: the e-mail's list. */
function changeList(facts: AlertFacts): { field: string; lines: readonly string[] } {
  return facts.changes.length
    ? { field: 'changes', lines: facts.changes }
    : { field: 'problems', lines: facts.problems };
}

/** At most `budget.entries` entries of `budget.entry` characters, and how many were left out. */
function entries(field: string, lines: readonly string[], budget: Budget, cuts: Cuts) {
  const shown = cuts
    .list(field, lines, budget.entries)
    .map((line) => cuts.text(field, clean(line, Number.MAX_SAFE_INTEGER), budget.entry));
  return { shown, more: lines.length - shown.length };
}

function emailText(facts: AlertFacts, budget: Budget, cuts: Cuts): string[] {
  const step = nextStepOf(facts);
  const off = timeOffText(facts);
  const list = changeList(facts);
  const { shown, more } = entries(list.field, list.lines, budget, cuts);
  const lines = [
    headline(facts),
    '',
    `Outcome:   ${facts.outcome}${facts.remediation ? ` (${facts.remediation})` : ''}, severity ${severityOf(facts)}`,
    `Account:   ${accountWithName(facts.accountId, facts.accountName)}`,
    `Region:    ${regionText(facts.region)}`,
    `Detector:  ${detectorIdText(facts.detectorId)}`,
    `Mode:      ${facts.mode}`,
    ...(off ? [`Time off:  ${off}`] : []),
    `Next step: ${step.command}`,
    '',
    ...whoLines(facts),
    '',
    'What changed:',
    ...shown.map((line) => `  - ${line}`),
    ...(more > 0 ? [`  … and ${more} more`] : []),
    '',
    'What the responder did:',
    `  ${cuts.text('action', clean(facts.action, Number.MAX_SAFE_INTEGER), budget.text)}`,
    '',
    `Before:    ${describeSnapshot(facts.before, budget, cuts)}`,
    `After:     ${describeSnapshot(facts.after, budget, cuts)}`,
  ];
  const exemption = describeExemption(facts.exemption, budget);
  if (exemption) lines.push(`Exemption: ${exemption}`);
  if (facts.outcome === 'remediate' || facts.outcome === 'would-remediate') lines.push('', COST_NOTE);
  lines.push(
    '',
    `Runbook:   ${step.runbook}`,
    `Console:   ${step.console}`,
    `CloudTrail: ${step.cloudTrail ?? (facts.trigger === 'api-call' ? 'no link: the event id is not a CloudTrail id' : 'no event: the scheduled sweep found it')}`,
  );
  return lines;
}

/** AWS Chatbot custom notification (version 1.0, source custom), rendered as Slack/Teams markdown. */
function chatbotPayload(facts: AlertFacts, subject: string, budget: Budget): object {
  const actor = facts.actor;
  const list = changeList(facts);
  const tokens = chatTokens(facts.accountId, facts.region, facts.detectorId);
  const severity = severityOf(facts);
  const step = nextStepOf(facts);
  const off = timeOffText(facts);
  const description = [
    `*Account* ${codeSpan(accountWithName(facts.accountId, facts.accountName), 160)} · *Region* ${codeSpan(regionText(facts.region), 80)} · *Detector* ${codeSpan(detectorIdText(facts.detectorId), 80)} · *Mode* ${facts.mode}`,
    `*Who* ${codeSpan(actorLabel(actor), LIMITS.principal)}${actor ? ` from ${codeSpan(actor.sourceIp, LIMITS.sourceIp)} using ${codeSpan(actor.userAgent, LIMITS.userAgent)}` : ''}`,
    `*When* ${codeSpan(facts.eventTime, 40)} · *Event* ${codeSpan(facts.eventName ?? 'scheduled sweep', 64)}`,
    `*What changed* ${
      list.lines
        .slice(0, budget.entries)
        .map((line) => codeSpan(line, budget.entry))
        .join(', ') || 'unknown'
    }${list.lines.length > budget.entries ? ` …and ${list.lines.length - budget.entries} more` : ''}`,
    `*Responder* ${codeSpan(facts.action, Math.min(600, budget.text))}`,
    ...(off ? [`*Time off* ${off}`] : []),
  ];
  const exemption = describeExemption(facts.exemption, budget);
  if (exemption) description.push(`*Exemption* ${codeSpan(exemption)}`);
  description.push(`*Next step* ${codeSpan(step.command, 300)}`);
  return chatbotNotification({
    id: cut(facts.eventId, 128),
    title: `${severityTag(severity)} · ${headline(facts)}`,
    description: description.join('\n'),
    nextSteps: [
      `Run: ${step.command}`,
      `Runbook: ${step.runbook}`,
      `Open GuardDuty Runtime Monitoring: ${step.console}`,
      ...(step.cloudTrail ? [`CloudTrail event: ${step.cloudTrail}`] : []),
    ],
    keywords: [facts.outcome, severity, tokens.region],
    // A critical alert stands on its own: threaded, it would be a reply under an older alert of the detector.
    threadId:
      severity === 'critical'
        ? undefined
        : `guardduty-drift/${tokens.accountId}/${tokens.region}/${tokens.detectorId}`,
    summary: subject,
    eventType: facts.outcome,
    accountId: tokens.accountId,
    region: tokens.region,
  });
}

/** The identifiers an alert refused to show as real ones, quoted as they came; undefined when all are well-formed. */
export function invalidIdentifiers(ids: {
  readonly accountId: string;
  readonly region: string;
  readonly detectorId: string | null;
}): Record<string, string> | undefined {
  const invalid: Record<string, string> = {};
  if (validAccountId(ids.accountId) === undefined) invalid.accountId = quoteInvalid(ids.accountId);
  if (validRegion(ids.region) === undefined) invalid.region = quoteInvalid(ids.region);
  if (ids.detectorId !== null && validDetectorId(ids.detectorId) === undefined)
    invalid.detectorId = quoteInvalid(ids.detectorId);
  return Object.keys(invalid).length > 0 ? invalid : undefined;
}

/** A nullable event string for the structured alert: scrubbed and cut, null when absent. */
function optional(text: string | undefined, max: number): string | null {
  return text === undefined ? null : clean(text, max);
}

function structuredSnapshot(detector: DetectorSnapshot | null, budget: Budget, cuts: Cuts): object | null {
  if (detector === null) return null;
  return {
    status: cut(detector.status, 32),
    compliant: detector.compliant,
    generationInUse: detector.generationInUse === null ? null : cut(detector.generationInUse, 64),
    agentManagement: detector.agentManagement === null ? null : cut(detector.agentManagement, 64),
    runtimeFeatures: cuts.list('runtime features', detector.runtimeFeatures, budget.entries).map((view) => ({
      name: cut(view.name, 64),
      status: cut(view.status, 64),
      agentManagement: cut(view.agentManagement, 64),
    })),
    runtimeTarget: detector.target ?? null,
    securityHub: detector.controls ?? null,
  };
}

function structuredExemption(exemption: Exemption, budget: Budget, cuts: Cuts): object {
  const max = Math.min(LIMITS.text, budget.entry);
  if (exemption.status === 'none') return exemption;
  if (exemption.status === 'malformed') {
    return { status: exemption.status, problem: cuts.text('exemption', exemption.problem, max) };
  }
  return {
    ...exemption,
    until: cuts.text('exemption', exemption.until, 64),
    reason: cuts.text('exemption', exemption.reason, max),
  };
}

function structuredWithin(facts: AlertFacts, budget: Budget, cuts: Cuts): Record<string, unknown> {
  const actor = facts.actor;
  const invalid = invalidIdentifiers(facts);
  return {
    schemaVersion: 1,
    outcome: facts.outcome,
    remediation: facts.remediation ?? null,
    severity: severityOf(facts),
    accountId: validAccountId(facts.accountId) ?? null,
    region: validRegion(facts.region) ?? null,
    detectorId: validDetectorId(facts.detectorId) ?? null,
    ...(invalid ? { invalidIdentifiers: invalid } : {}),
    mode: facts.mode,
    trigger: facts.trigger,
    actor: actorLabel(actor),
    actorDetails: actor
      ? {
          type: optional(actor.type, 32),
          principalArn: optional(actor.principalArn, LIMITS.principal),
          sessionIssuerArn: optional(actor.sessionIssuerArn, LIMITS.principal),
          sourceIp: optional(actor.sourceIp, LIMITS.sourceIp),
          userAgent: optional(actor.userAgent, LIMITS.userAgent),
        }
      : null,
    eventId: clean(facts.eventId, 128),
    eventTime: clean(facts.eventTime, 40),
    eventName: facts.eventName === null ? null : clean(facts.eventName, 64),
    changes: entries('changes', facts.changes, budget, cuts).shown,
    problems: entries('problems', facts.problems, budget, cuts).shown,
    action: cuts.text('action', facts.action, budget.text),
    before: structuredSnapshot(facts.before, budget, cuts),
    after: structuredSnapshot(facts.after, budget, cuts),
    exemption: structuredExemption(facts.exemption, budget, cuts),
    consoleUrl: consoleUrl(facts.region),
    accountName: facts.accountName === undefined ? null : clean(facts.accountName, 64),
    timeOff: facts.timeOff
      ? {
          since: clean(facts.timeOff.since, 40),
          until: clean(facts.timeOff.until, 40),
          seconds: facts.timeOff.seconds,
          from: facts.timeOff.from,
        }
      : null,
    nextStep: { ...nextStepOf(facts), cloudTrail: nextStepOf(facts).cloudTrail ?? null },
  };
}

/** The detector alert's renderings, for {@link renderAlert}. */
const DETECTOR_ALERT: AlertRenderer<AlertFacts> = {
  subject: subjectOf,
  severity: severityOf,
  outcome: (facts) => facts.outcome,
  ids: (facts) => facts,
  origin: (facts) => facts,
  structured: structuredWithin,
  email: emailText,
  chat: chatbotPayload,
};

/**
 * The machine-readable alert for SQS and Lambda subscribers. Field names are part of the contract; `accountId`,
 * `region` and `detectorId` are null when the event's value is not well-formed (quoted in `invalidIdentifiers`), and
 * `cut` says what was cut to fit SNS's limit (null when nothing was).
 */
export function structuredAlert(facts: AlertFacts, budget?: Budget): object {
  return structuredAlertOf(facts, DETECTOR_ALERT, budget);
}

/**
 * One alert, rendered for every protocol SNS may deliver to (SNS picks the key by subscription protocol). Every
 * string of the facts is scrubbed first (they come from the event); the rendering then fits SNS's limit.
 */
export function renderNotification(facts: AlertFacts): RenderedNotification {
  return renderAlert(facts, DETECTOR_ALERT);
}
