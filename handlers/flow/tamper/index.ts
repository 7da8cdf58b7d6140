/**
 * Tamper target: a CloudTrail call that can blind or disarm the responder (TAMPER_CALLS). Judged by core/tamper.ts;
 * reported once per event id through the shared case pipeline (a retry after a failed Publish sends the kept alert,
 * a crash before it redoes the idempotent repair and pages); in remediate mode its own rule is re-enabled, its
 * target restored, its trail restarted, each read back. Everything else is reported with its fix, never touched.
 */
import {
  renderTamperAlert,
  type TamperAlertFacts,
  type TamperOutcome,
  tamperOutcome,
} from '../../alerts/tamper.js';
import { TAMPER_DETECTED_METRIC } from '../../contract.js';
import { judgeTamper, type TamperFinding, type TamperInput, type TamperSelf } from '../../core/tamper.js';
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

export async function respondForTamper(
  context: InvocationContext,
  input: TamperInput,
): Promise<TamperReport> {
  const verdict = judgeTamper(input, tamperSelf(context), functionArnOf(context));
  if (verdict.action === 'ignore')
    return context.log<TamperReport>({ outcome: 'ignored', reason: verdict.reason });
  const { finding } = verdict;
  const summary = { resource: `${finding.resource.kind} ${finding.resource.name}` };
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
