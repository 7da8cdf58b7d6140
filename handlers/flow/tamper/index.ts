/**
 * Tamper target: a CloudTrail call that can blind or disarm the responder (TAMPER_CALLS). Judged by core/tamper.ts;
 * reported once per event id through the shared case pipeline (a retry after a failed Publish sends the kept alert,
 * a crash before it redoes the idempotent repair and pages); in remediate mode its own rule is re-enabled, its
 * target restored, its trail restarted, each read back. Everything else is reported with its fix, never touched.
 * The one page that cannot be claimed first, the state table's own deletion, is published without a claim.
 */
import {
  renderTamperAlert,
  type TamperAlertFacts,
  type TamperOutcome,
  tamperOutcome,
} from '../../alerts/tamper.js';
import { TAMPER_DETECTED_METRIC } from '../../contract.js';
import {
  judgeTamper,
  type TamperFinding,
  type TamperInput,
  type TamperSelf,
  type TamperVerdict,
} from '../../core/tamper.js';
import { ResponderError } from '../../errors.js';
import { runCase } from '../case.js';
import type { DecisionReport, InvocationContext } from '../context.js';
import { eventKey } from '../keys.js';
import { applyRepairs, functionArnOf } from './repair.js';

export interface TamperReport extends DecisionReport {
  readonly outcome: TamperOutcome | 'ignored';
  readonly reason?: string;
  readonly messageId?: string;
  readonly resource?: string;
  readonly severity?: string;
}

export function tamperSelf(context: InvocationContext): TamperSelf {
  const { self, config } = context;
  return {
    region: self.region,
    accountId: self.accountId,
    functionName: self.functionName,
    roleArn: self.roleArn,
    topicArn: config.notificationTopicArn,
    tableName: config.stateTableName,
    mode: config.mode,
    scope: config.scope,
    own: config.ownResources,
  };
}

/** The alert facts every tamper page shares (the trigger's who/where, the configuration's name and runbook). */
export function tamperFacts(
  context: InvocationContext,
  finding: Pick<TamperFinding, 'resource' | 'headline' | 'consequence' | 'severity' | 'fix'> & {
    readonly how: TamperAlertFacts['how'];
  },
  repairs: TamperAlertFacts['repairs'],
): TamperAlertFacts {
  const { trigger, config } = context;
  return {
    accountId: trigger.accountId,
    accountName: config.accountName,
    runbookUrl: config.runbookUrl,
    region: trigger.region,
    mode: config.mode,
    trigger: trigger.scheduled ? 'sweep' : 'tamper',
    eventId: trigger.eventId,
    eventTime: trigger.eventTime,
    eventName: trigger.eventName,
    actor: trigger.actor,
    resource: finding.resource,
    headline: finding.headline,
    consequence: finding.consequence,
    severity: finding.severity,
    how: finding.how,
    repairs,
    fix: finding.fix,
  };
}

/** Judges the call (unless the caller already did) and reports it, repairing what the verdict names. */
export async function respondForTamper(
  context: InvocationContext,
  input: TamperInput,
  verdict: TamperVerdict = judgeTamper(input, tamperSelf(context), functionArnOf(context)),
): Promise<TamperReport> {
  if (verdict.action === 'ignore')
    return context.log<TamperReport>({ outcome: 'ignored', reason: verdict.reason });
  const { finding } = verdict;
  const summary = { resource: `${finding.resource.kind} ${finding.resource.name}` };
  try {
    return await runTamperCase(context, input, finding, summary);
  } catch (error) {
    if (!stateTableGone(input, finding, error)) throw error;
    return pageWithoutClaim(context, finding, summary);
  }
}

/** The call deleted the state table and the claim failed for it: the one case a page cannot be claimed first. */
function stateTableGone(input: TamperInput, finding: TamperFinding, error: unknown): boolean {
  if (finding.resource.kind !== 'table' || input.errorCode !== undefined) return false;
  for (let current = error; current instanceof Error; current = current.cause) {
    if (current.name === 'ResourceNotFoundException') return true;
  }
  return false;
}

/**
 * Every page is claimed in the state table first, so a retry never pages twice; with the table deleted no claim can
 * be taken and the case pipeline fails before it pages. Published without a claim instead: a retry of this event may
 * page again, which beats no page at all (the dead-function rule also sends the raw DeleteTable to the topic).
 */
async function pageWithoutClaim(
  context: InvocationContext,
  finding: TamperFinding,
  summary: { readonly resource: string },
): Promise<TamperReport> {
  context.metrics.count(TAMPER_DETECTED_METRIC);
  const facts = tamperFacts(context, finding, []);
  const rendered = renderTamperAlert(facts);
  const messageId = await context.deps.alerts.publish(rendered);
  return context.log<TamperReport>({
    outcome: tamperOutcome(facts),
    ...summary,
    severity: rendered.attributes.severity,
    messageId,
    reason: `${finding.headline}; paged without a claim: the state table is gone`,
  });
}

function runTamperCase(
  context: InvocationContext,
  input: TamperInput,
  finding: TamperFinding,
  summary: { readonly resource: string },
): Promise<TamperReport> {
  return runCase<TamperReport>(context, {
    claim: eventKey(input.eventId),
    duplicate: (existing) => ({
      outcome: 'ignored',
      ...summary,
      reason: `duplicate: event ${input.eventId} is already handled (${existing?.status ?? 'held'})`,
    }),
    firstAttempt: () => context.metrics.count(TAMPER_DETECTED_METRIC),
    pending: (previous, messageId) => ({
      outcome: (previous.outcome as TamperOutcome | undefined) ?? 'tamper-reported',
      ...summary,
      messageId,
      reason: 'delivered the alert a previous attempt could not publish',
    }),
    act: async () => {
      const repairs = await applyRepairs(context, finding.repairs);
      const facts = tamperFacts(context, finding, repairs);
      const outcome = tamperOutcome(facts);
      const rendered = renderTamperAlert(facts);
      const severity = rendered.attributes.severity;
      if (outcome === 'tamper-repair-failed') {
        const failed = repairs.filter((repair) => repair.status !== 'confirmed');
        return {
          status: 'failed',
          failure: { outcome, rendered },
          error: new ResponderError(
            `tamper repair not confirmed: ${failed.map((repair) => `${repair.action}: ${repair.detail}`).join('; ')}`,
          ),
          report: (messageId) => ({ outcome, ...summary, severity, messageId, reason: finding.headline }),
        };
      }
      return {
        status: 'alert',
        alert: { outcome, rendered },
        report: (messageId) => ({ outcome, ...summary, severity, messageId, reason: finding.headline }),
      };
    },
  });
}
