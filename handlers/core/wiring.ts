/**
 * The sweep's wiring check (issue 12): are the responder's own rules enabled with their target, its trail logging,
 * its topic subscribed? Pure: the flow reads (DescribeRule, ListTargetsByRule, GetTrailStatus,
 * ListSubscriptionsByTopic) and this module says what is missing, how bad it is and what may be repaired.
 */
import type { OwnRule } from '../contract.js';
import { expectedTargetArn, type TamperRepair, type TamperSeverity, trailHomeRegion } from './tamper.js';

/** A read of one thing: its state, or why it could not be read. */
export type Observed<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: string };

export interface RuleObservation {
  readonly rule: OwnRule;
  /** `ENABLED`/`DISABLED`..., or undefined when the rule does not exist. */
  readonly state: Observed<string | undefined>;
  /** The rule's targets; undefined when the rule does not exist. */
  readonly targets: Observed<readonly { readonly id: string; readonly arn: string }[] | undefined>;
}

export interface WiringObservation {
  readonly rules: readonly RuleObservation[];
  /** Undefined when the app created no trail (OWN_RESOURCES names none). */
  readonly trail?: { readonly arn: string; readonly logging: Observed<boolean | undefined> } | undefined;
  readonly topic: Observed<{ readonly confirmed: number; readonly pending: number }>;
}

/** One missing piece of the wiring: one case per `thing` and `fingerprint`. */
export interface WiringGap {
  /** What is missing, stable across sweeps: `rule#NAME`, `trail`, `topic`. */
  readonly thing: string;
  readonly fingerprint:
    | 'missing'
    | 'disabled'
    | 'target-missing'
    | 'not-logging'
    | 'no-subscription'
    | 'unreadable';
  readonly headline: string;
  readonly consequence: string;
  readonly severity: TamperSeverity;
  readonly repairs: readonly TamperRepair[];
  readonly fix: string;
}

const REDEPLOY = 'redeploy the responder (`cdk deploy`) to restore it';

/** What the observation says is missing; empty when the wiring is whole. */
export function wiringGaps(
  observed: WiringObservation,
  expected: { readonly functionArn: string | undefined; readonly topicArn: string; readonly region: string },
): WiringGap[] {
  const gaps: WiringGap[] = [];
  for (const { rule, state, targets } of observed.rules) {
    const thing = `rule#${rule.name}`;
    const loss =
      rule.target === 'function'
        ? 'the function receives no GuardDuty events: drift is found only by this sweep'
        : 'the page that reaches the topic when the function is gone would not arrive';
    if (!state.ok || !targets.ok) {
      gaps.push(
        unreadable(
          thing,
          `EventBridge rule ${rule.name}`,
          state.ok ? (targets.ok ? '' : targets.error) : state.error,
        ),
      );
      continue;
    }
    if (state.value === undefined) {
      gaps.push({
        thing,
        fingerprint: 'missing',
        headline: `EventBridge rule ${rule.name} does not exist`,
        consequence: `The rule is gone: ${loss}.`,
        severity: 'critical',
        repairs: [],
        fix: REDEPLOY,
      });
      continue;
    }
    const arn = expectedTargetArn(rule, expected.functionArn, expected.topicArn);
    const hasTarget = (targets.value ?? []).some(
      (target) => target.id === rule.targetId && target.arn === arn,
    );
    const disabled = state.value !== 'ENABLED';
    if (!disabled && hasTarget) continue;
    const repairs: TamperRepair[] = [
      ...(disabled ? [{ kind: 'enable-rule' as const, rule }] : []),
      ...(hasTarget ? [] : [{ kind: 'restore-target' as const, rule }]),
    ];
    gaps.push({
      thing,
      fingerprint: disabled ? 'disabled' : 'target-missing',
      headline: `EventBridge rule ${rule.name} ${[
        ...(disabled ? [`is ${state.value}`] : []),
        ...(hasTarget ? [] : ["has lost the responder's target"]),
      ].join(' and ')}`,
      consequence: `Found by the sweep, nobody named: ${loss}.`,
      severity: 'critical',
      repairs,
      fix: disabled ? `aws events enable-rule --name ${rule.name}` : REDEPLOY,
    });
  }
  const trail = observed.trail;
  if (trail !== undefined) {
    if (!trail.logging.ok)
      gaps.push(unreadable('trail', `CloudTrail trail ${trail.arn}`, trail.logging.error));
    else if (trail.logging.value !== true) {
      const missing = trail.logging.value === undefined;
      gaps.push({
        thing: 'trail',
        fingerprint: missing ? 'missing' : 'not-logging',
        headline: `CloudTrail trail ${trail.arn} ${missing ? 'does not exist' : 'is not logging'}`,
        consequence:
          'EventBridge receives CloudTrail calls only while a trail logs them: GuardDuty changes go unseen until the next sweep.',
        severity: 'critical',
        // StartLogging works only in the trail's home Region: the responder there restarts it.
        repairs:
          missing || trailHomeRegion(trail.arn) !== expected.region
            ? []
            : [{ kind: 'start-logging', trailArn: trail.arn }],
        fix: missing ? REDEPLOY : `aws cloudtrail start-logging --name ${trail.arn}`,
      });
    }
  }
  const topic = observed.topic;
  if (!topic.ok) gaps.push(unreadable('topic', 'the alert topic', topic.error));
  else if (topic.value.confirmed === 0) {
    gaps.push({
      thing: 'topic',
      fingerprint: 'no-subscription',
      headline: 'The alert topic has no confirmed subscription',
      consequence: `Alerts reach nobody${topic.value.pending > 0 ? ` (${topic.value.pending} subscription(s) still pending confirmation)` : ''}: this alert itself reaches nobody, only the function's log has it.`,
      severity: 'critical',
      repairs: [],
      fix: expected.topicArn
        ? `aws sns subscribe --topic-arn ${expected.topicArn} --protocol email --notification-endpoint ON-CALL-ADDRESS, then confirm it`
        : REDEPLOY,
    });
  }
  return gaps;
}

function unreadable(thing: string, what: string, error: string): WiringGap {
  return {
    thing,
    fingerprint: 'unreadable',
    headline: `The sweep could not check ${what}`,
    consequence: `Reading it failed (${error}): the responder cannot tell whether it is intact. The role may lack the permission.`,
    severity: 'high',
    repairs: [],
    fix: "check the function's IAM policy against the deployed one (`cdk diff`)",
  };
}
