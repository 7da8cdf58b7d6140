/** The alert for one detector: plain facts in, one rendering per SNS protocol out. */
import type { RemediationPlan } from '../core/decide.js';
import type { Evaluation, RuntimeFeatureView } from '../core/evaluate.js';
import type { Exemption } from '../core/exemption.js';
import type { Actor, ResponderInput, ResponderMode } from '../core/types.js';
import type { RenderedNotification } from '../ports.js';
import { chatbotNotification, renderForProtocols } from './protocols.js';
import { actorLabel, COST_NOTE, clean, codeSpan, consoleUrl, LIMITS, snsSubject, whoLines } from './text.js';

export type AlertOutcome =
  | 'remediate'
  | 'would-remediate'
  | 'exempt'
  | 'circuit-open'
  | 'detector-deleted'
  | 'disable-denied';
export type Severity = 'critical' | 'high' | 'medium';

/** A detector as an alert shows it: enough to see what is on and off at a glance. */
export interface DetectorSnapshot {
  readonly status: string;
  readonly compliant: boolean;
  readonly generationInUse: string | null;
  readonly agentManagement: string | null;
  readonly runtimeFeatures: readonly RuntimeFeatureView[];
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
}

export function snapshot(status: string, evaluation: Evaluation): DetectorSnapshot {
  return {
    status,
    compliant: evaluation.compliant,
    generationInUse: evaluation.generationInUse ?? null,
    agentManagement: evaluation.agentManagement ?? null,
    runtimeFeatures: evaluation.runtimeFeatures,
  };
}

export function severityOf(facts: Pick<AlertFacts, 'outcome' | 'remediation'>): Severity {
  switch (facts.outcome) {
    case 'remediate':
      return facts.remediation === 'failed' ? 'critical' : 'high';
    case 'circuit-open':
    case 'detector-deleted':
      return 'critical';
    case 'would-remediate':
    case 'disable-denied':
      return 'high';
    case 'exempt':
      return 'medium';
  }
}

function headline(facts: AlertFacts): string {
  switch (facts.outcome) {
    case 'remediate':
      return facts.remediation === 'failed'
        ? 'EKS Runtime Monitoring is off and re-enabling it FAILED'
        : 'EKS Runtime Monitoring was turned off and has been re-enabled';
    case 'would-remediate':
      return 'EKS Runtime Monitoring is off (notify mode: not re-enabled)';
    case 'exempt':
      return 'EKS Runtime Monitoring is off under an exemption';
    case 'circuit-open':
      return 'EKS Runtime Monitoring keeps being turned off: automatic re-enable stopped';
    case 'detector-deleted':
      return 'GuardDuty detector deleted: nothing monitors EKS runtime';
    case 'disable-denied':
      return 'Denied attempt to reduce GuardDuty protection';
  }
}

export function describePlan(plan: RemediationPlan): string {
  const parts: string[] = [];
  if (plan.resumeDetector) parts.push('resume the detector (enable: true)');
  if (plan.feature) {
    const configs = plan.feature.additionalConfiguration
      .map((config) => `${config.name}=${config.status}`)
      .join(', ');
    parts.push(`${plan.feature.name} → ENABLED (${configs})`);
  }
  return `UpdateDetector ${plan.detectorId}: ${parts.join('; ')}`;
}

function describeSnapshot(detector: DetectorSnapshot | null): string {
  if (detector === null) return 'no detector';
  const features = detector.runtimeFeatures.map(
    (view) => `${view.name} ${view.status} (agent management ${view.agentManagement})`,
  );
  return [
    `detector ${detector.status}`,
    ...(features.length ? features : ['no runtime feature listed']),
  ].join('; ');
}

function describeExemption(exemption: Exemption): string | undefined {
  switch (exemption.status) {
    case 'none':
      return undefined;
    case 'active':
      return `active until ${exemption.until}: ${clean(exemption.reason)}`;
    case 'expired':
      return `expired on ${exemption.until} (was: ${clean(exemption.reason)})`;
    case 'malformed':
      return `ignored, malformed: ${exemption.problem}`;
  }
}

export function subjectOf(facts: AlertFacts): string {
  return snsSubject(
    // Account and Region first: a long headline is what gets cut, never where it happened.
    `[${severityOf(facts).toUpperCase()}] ${facts.accountId} ${facts.region}: ${headline(facts)}`,
  );
}

function emailText(facts: AlertFacts): string {
  const lines = [
    headline(facts),
    '',
    `Outcome:   ${facts.outcome}${facts.remediation ? ` (${facts.remediation})` : ''}, severity ${severityOf(facts)}`,
    `Account:   ${facts.accountId}`,
    `Region:    ${facts.region}`,
    `Detector:  ${facts.detectorId ?? 'none'}`,
    `Mode:      ${facts.mode}`,
    '',
    ...whoLines(facts),
    '',
    'What changed:',
    ...(facts.changes.length ? facts.changes : facts.problems).map((line) => `  - ${clean(line)}`),
    '',
    'What the responder did:',
    `  ${facts.action}`,
    '',
    `Before:    ${describeSnapshot(facts.before)}`,
    `After:     ${describeSnapshot(facts.after)}`,
  ];
  const exemption = describeExemption(facts.exemption);
  if (exemption) lines.push(`Exemption: ${exemption}`);
  if (facts.outcome === 'remediate' || facts.outcome === 'would-remediate') lines.push('', COST_NOTE);
  lines.push('', `Console:   ${consoleUrl(facts.region)}`);
  return lines.join('\n');
}

/** AWS Chatbot custom notification (version 1.0, source custom), rendered as Slack/Teams markdown. */
function chatbotPayload(facts: AlertFacts, subject: string): object {
  const actor = facts.actor;
  const description = [
    `*Account* ${codeSpan(facts.accountId, 32)} · *Region* ${codeSpan(facts.region, 32)} · *Detector* ${codeSpan(facts.detectorId ?? 'none', 64)} · *Mode* ${facts.mode}`,
    `*Who* ${codeSpan(actorLabel(actor), LIMITS.principal)}${actor ? ` from ${codeSpan(actor.sourceIp, LIMITS.sourceIp)} using ${codeSpan(actor.userAgent, LIMITS.userAgent)}` : ''}`,
    `*When* ${codeSpan(facts.eventTime, 40)} · *Event* ${codeSpan(facts.eventName ?? 'scheduled sweep', 64)}`,
    `*What changed* ${(facts.changes.length ? facts.changes : facts.problems).map((line) => codeSpan(line)).join(', ') || 'unknown'}`,
    `*Responder* ${codeSpan(facts.action, 600)}`,
  ];
  const exemption = describeExemption(facts.exemption);
  if (exemption) description.push(`*Exemption* ${codeSpan(exemption)}`);
  return chatbotNotification({
    id: facts.eventId,
    title: `${facts.outcome === 'exempt' ? ':warning:' : ':rotating_light:'} ${headline(facts)}`,
    description: description.join('\n'),
    nextSteps: [`Open GuardDuty Runtime Monitoring: ${consoleUrl(facts.region)}`],
    keywords: [facts.outcome, severityOf(facts), facts.region],
    threadId: `guardduty-drift/${facts.accountId}/${facts.region}/${facts.detectorId ?? 'none'}`,
    summary: subject,
    eventType: facts.outcome,
    accountId: facts.accountId,
    region: facts.region,
  });
}

/** The machine-readable alert for SQS and Lambda subscribers. Field names are part of the contract. */
export function structuredAlert(facts: AlertFacts): object {
  const actor = facts.actor;
  return {
    schemaVersion: 1,
    outcome: facts.outcome,
    remediation: facts.remediation ?? null,
    severity: severityOf(facts),
    accountId: facts.accountId,
    region: facts.region,
    detectorId: facts.detectorId,
    mode: facts.mode,
    trigger: facts.trigger,
    actor: actorLabel(actor),
    actorDetails: actor
      ? {
          type: actor.type ?? null,
          principalArn: actor.principalArn ?? null,
          sessionIssuerArn: actor.sessionIssuerArn ?? null,
          sourceIp: actor.sourceIp ?? null,
          userAgent: actor.userAgent === undefined ? null : clean(actor.userAgent, LIMITS.userAgent),
        }
      : null,
    eventId: facts.eventId,
    eventTime: facts.eventTime,
    eventName: facts.eventName,
    changes: facts.changes,
    problems: facts.problems,
    action: facts.action,
    before: facts.before,
    after: facts.after,
    exemption: facts.exemption,
    consoleUrl: consoleUrl(facts.region),
  };
}

/** One alert, rendered for every protocol SNS may deliver to (SNS picks the key by subscription protocol). */
export function renderNotification(facts: AlertFacts): RenderedNotification {
  const subject = subjectOf(facts);
  return renderForProtocols({
    subject,
    email: emailText(facts),
    structured: structuredAlert(facts),
    chat: chatbotPayload(facts, subject),
    severity: severityOf(facts),
    outcome: facts.outcome,
    accountId: facts.accountId,
    region: facts.region,
  });
}
