/**
 * The sweep's wiring check: each of the responder's own rules enabled and with its target, its trail logging, its
 * topic with at least one confirmed subscription. A gap is one case (flow/keys.ts wiringCaseKey): reported once,
 * repaired in remediate mode (EnableRule, PutTargets, StartLogging), reported again after a day if it stays. An
 * intact wiring writes nothing and pages nobody. Without OWN_RESOURCES only the topic is checked (the log says so).
 */
import { renderTamperAlert, tamperOutcome } from '../../alerts/tamper.js';
import { TAMPER_DETECTED_METRIC } from '../../contract.js';
import {
  type Observed,
  type RuleObservation,
  type WiringGap,
  type WiringObservation,
  wiringGaps,
} from '../../core/wiring.js';
import { describeError, ResponderError } from '../../errors.js';
import { runCase } from '../case.js';
import type { DecisionReport, InvocationContext } from '../context.js';
import { STANDING_DRIFT_TTL_SECONDS, wiringCaseKey } from '../keys.js';
import { tamperFacts } from './index.js';
import { applyRepairs, functionArnOf } from './repair.js';

export interface WiringReport extends DecisionReport {
  readonly outcome: 'compliant' | 'ignored' | 'wiring-gaps';
  readonly reason?: string;
  /** What each gap led to: `rule#NAME: wiring-repaired`, ... */
  readonly gaps?: readonly string[];
}

async function observe<T>(read: (() => Promise<T>) | undefined): Promise<Observed<T>> {
  if (read === undefined) return { ok: false, error: 'not wired in' };
  try {
    return { ok: true, value: await read() };
  } catch (error) {
    return { ok: false, error: describeError(error) };
  }
}

async function observeWiring(context: InvocationContext): Promise<WiringObservation> {
  const { deps, config } = context;
  const own = config.ownResources;
  const { rules, trails, subscriptions } = deps;
  const ruleReads = (own?.rules ?? []).map(
    async (rule): Promise<RuleObservation> => ({
      rule,
      state: await observe(rules && (() => rules.ruleState(rule.name))),
      targets: await observe(rules && (() => rules.targets(rule.name))),
    }),
  );
  const trailArn = own?.trailArn;
  const [ruleStates, logging, topic] = await Promise.all([
    Promise.all(ruleReads),
    trailArn === undefined ? undefined : observe(trails && (() => trails.isLogging(trailArn))),
    observe(subscriptions && (() => subscriptions.count(config.notificationTopicArn))),
  ]);
  return {
    rules: ruleStates,
    trail: trailArn === undefined || logging === undefined ? undefined : { arn: trailArn, logging },
    topic,
  };
}

export async function sweepWiring(context: InvocationContext): Promise<WiringReport> {
  const { deps, config, trigger } = context;
  const observedAt = deps.now();
  const observed = await observeWiring(context);
  const gaps = wiringGaps(observed, {
    functionArn: functionArnOf(context),
    topicArn: config.notificationTopicArn,
    region: trigger.region,
  });
  const checked =
    config.ownResources === undefined
      ? 'OWN_RESOURCES is not set: only the topic was checked'
      : `${observed.rules.length} rule(s)${observed.trail ? ', the trail' : ''} and the topic checked`;
  if (gaps.length === 0) {
    // Not a decision line: an intact wiring is the common case of every sweep.
    deps.logger.info('wiring-check', { eventId: trigger.eventId, outcome: 'compliant', reason: checked });
    return { outcome: 'compliant', reason: checked };
  }
  const settled = await Promise.allSettled(gaps.map((gap) => reportGap(context, gap, observedAt)));
  const failures = settled.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
  if (failures.length > 0) {
    throw new ResponderError(`wiring check: ${failures.length} gap(s) not handled`, {
      cause: failures.length === 1 ? failures[0] : new AggregateError(failures),
    });
  }
  const results = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  return { outcome: 'wiring-gaps', reason: checked, gaps: results };
}

function resourceOf(context: InvocationContext, gap: WiringGap) {
  if (gap.thing.startsWith('rule#')) return { kind: 'rule' as const, name: gap.thing.slice(5), ours: true };
  if (gap.thing === 'trail') {
    return { kind: 'trail' as const, name: context.config.ownResources?.trailArn ?? 'trail', ours: true };
  }
  return { kind: 'topic' as const, name: context.config.notificationTopicArn, ours: true };
}

/** One gap, one case: claimed, repaired (or not), paged once, closed for a day unless it was repaired. */
async function reportGap(context: InvocationContext, gap: WiringGap, observedAt: Date): Promise<string> {
  const { trigger, config } = context;
  // The outcome the case settles with, known before the claim, so a standing gap joins its own case.
  const expected =
    gap.repairs.length === 0
      ? 'wiring-gap'
      : config.mode === 'notify'
        ? 'wiring-would-repair'
        : 'wiring-repaired';
  const claim = wiringCaseKey(trigger.accountId, trigger.region, gap.thing, {
    owner: trigger.owner,
    fingerprint: gap.fingerprint,
    outcome: expected,
    observedAt,
  });
  const finding = {
    resource: resourceOf(context, gap),
    headline: gap.headline,
    consequence: gap.consequence,
    severity: gap.severity,
    fix: gap.fix,
    how: 'sweep' as const,
  };
  const report = await runCase<DecisionReport & { readonly reason: string; readonly messageId?: string }>(
    context,
    {
      claim,
      duplicate: (existing) => ({
        outcome: 'ignored',
        reason: `${gap.thing} ${gap.fingerprint}: already reported (${existing?.owner ?? 'another delivery'})`,
      }),
      firstAttempt: () => context.metrics.count(TAMPER_DETECTED_METRIC),
      pending: (previous, messageId) => ({
        outcome: previous.outcome ?? expected,
        messageId,
        reason: 'delivered the alert a previous attempt could not publish',
      }),
      act: async () => {
        const repairs = await applyRepairs(context, gap.repairs);
        const facts = tamperFacts(context, finding, repairs);
        const outcome = tamperOutcome(facts);
        const rendered = renderTamperAlert(facts);
        if (outcome === 'wiring-repair-failed') {
          return {
            status: 'failed',
            failure: { outcome, rendered },
            error: new ResponderError(`wiring repair of ${gap.thing} not confirmed`),
            report: (messageId) => ({ outcome, messageId, reason: `${gap.thing}: ${gap.headline}` }),
          };
        }
        const standing = outcome !== 'wiring-repaired';
        const now = context.deps.now();
        return {
          status: 'alert',
          alert: { outcome, rendered },
          closes: {
            claimableAt: standing ? new Date(now.getTime() + STANDING_DRIFT_TTL_SECONDS * 1000) : now,
          },
          report: (messageId) => ({ outcome, messageId, reason: `${gap.thing}: ${gap.headline}` }),
        };
      },
    },
  );
  return `${gap.thing}: ${report.outcome}`;
}
