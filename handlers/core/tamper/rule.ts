/** EventBridge calls on the responder's own rules (default bus). Pure (see core/tamper.ts). */
import type { OwnRule } from '../../contract.js';
import {
  expectedTargetArn,
  ignore,
  ownRule,
  REDEPLOY,
  report,
  type TamperInput,
  type TamperSelf,
  type TamperVerdict,
} from './shared.js';

// -- EventBridge: its own rules on the default bus ---------------------------------------------------------------

function ruleLoss(rule: OwnRule): string {
  return rule.target === 'function'
    ? 'the function no longer receives GuardDuty events: drift is found only by the 30-minute sweep, with no name attached'
    : 'the page that reaches the topic when the function itself is gone no longer arrives';
}

export function judgeRule(
  input: TamperInput,
  self: TamperSelf,
  functionArn: string | undefined,
): TamperVerdict {
  const { ruleName, eventBusName } = input.request;
  if (ruleName === undefined) return ignore(`${input.eventName} names no rule`);
  if (self.own === undefined) {
    return ignore(
      `${input.eventName} on rule ${ruleName}: OWN_RESOURCES is not set, the responder knows no rule of its own`,
    );
  }
  const rule = ownRule(ruleName, eventBusName, self.own);
  if (rule === undefined)
    return ignore(`${input.eventName} is on rule ${ruleName}, not one of the responder's`);
  const resource = { kind: 'rule' as const, name: ruleName, ours: true };
  const enable = `aws events enable-rule --name ${ruleName}`;
  switch (input.eventName) {
    case 'DisableRule':
      return report({
        resource,
        headline: `EventBridge rule ${ruleName} disabled`,
        consequence: `The rule is off: ${ruleLoss(rule)}.`,
        severity: 'critical',
        disarms: true,
        repairs: [{ kind: 'enable-rule', rule }],
        fix: enable,
      });
    case 'DeleteRule':
      return report({
        resource,
        headline: `EventBridge rule ${ruleName} deleted`,
        consequence: `The rule is gone: ${ruleLoss(rule)}.`,
        severity: 'critical',
        repairs: [],
        fix: REDEPLOY,
      });
    case 'RemoveTargets': {
      const ids = input.request.targetIds;
      if (ids !== undefined && !ids.includes(rule.targetId)) {
        return report({
          resource,
          headline: `EventBridge rule ${ruleName}: targets ${ids.join(', ')} removed`,
          consequence: `The responder's target (${rule.targetId}) stays; the removed targets were not the responder's.`,
          severity: 'high',
          repairs: [],
          fix: `aws events list-targets-by-rule --rule ${ruleName}`,
        });
      }
      return report({
        resource,
        headline: `EventBridge rule ${ruleName}: the responder's target removed`,
        consequence: `The rule delivers nowhere: ${ruleLoss(rule)}.`,
        severity: 'critical',
        repairs: [{ kind: 'restore-target', rule }],
        fix: REDEPLOY,
      });
    }
    case 'PutRule': {
      // PutRule replaces the whole rule: what it sends is what the rule is now. OWN_RESOURCES does not carry the
      // deployed pattern or schedule, so a pattern or schedule sent is reported as replaced, never as unchanged.
      const { ruleState, eventPattern, scheduleExpression } = input.request;
      const disabled = ruleState === 'DISABLED';
      const changes = [
        ...(disabled ? [`The rule is off: ${ruleLoss(rule)}.`] : []),
        ...(eventPattern !== undefined
          ? [
              "Its event pattern was replaced: it may no longer match the calls the responder acts on (not repaired: the pattern is the deployment's).",
            ]
          : []),
        ...(scheduleExpression !== undefined
          ? [
              `Its schedule is now ${scheduleExpression}: if this is the sweep's rule, the sweep (and its wiring check) may run rarely or never, and a rule that matched events now also fires on a timer (not repaired: the schedule is the deployment's).`,
            ]
          : []),
      ];
      return report({
        resource,
        headline: `EventBridge rule ${ruleName} replaced (PutRule${disabled ? ', state DISABLED' : ''})`,
        consequence:
          changes.length > 0
            ? changes.join(' ')
            : `The rule was rewritten without a pattern or schedule in the record (${input.request.fields.join(', ') || 'no parameters recorded'}); check it with \`aws events describe-rule --name ${ruleName}\`.`,
        severity: changes.length > 0 ? 'critical' : 'high',
        disarms: disabled,
        repairs: disabled ? [{ kind: 'enable-rule', rule }] : [],
        fix: eventPattern !== undefined || scheduleExpression !== undefined ? REDEPLOY : enable,
      });
    }
    default: {
      // PutTargets: ours replaced, or another target added beside ours.
      const expected = expectedTargetArn(rule, functionArn, self.topicArn);
      const targets = input.request.targets ?? [];
      const replaced = targets.find((target) => target.id === rule.targetId && target.arn !== expected);
      const added = targets.filter((target) => target.id !== rule.targetId);
      if (replaced !== undefined) {
        return report({
          resource,
          headline: `EventBridge rule ${ruleName}: the responder's target replaced`,
          consequence: `Target ${rule.targetId} now delivers to ${replaced.arn}: ${ruleLoss(rule)}.`,
          severity: 'critical',
          repairs: [{ kind: 'restore-target', rule }],
          fix: REDEPLOY,
        });
      }
      return report({
        resource,
        headline: `EventBridge rule ${ruleName}: targets put`,
        consequence:
          added.length > 0
            ? `The rule now also delivers to ${added.map((target) => target.arn).join(', ')}: every event it matches goes there too.`
            : "The responder's target was rewritten (its dead-letter queue or retry policy may have changed); it is restored as deployed.",
        severity: 'high',
        repairs: added.length > 0 ? [] : [{ kind: 'restore-target', rule }],
        fix: `aws events list-targets-by-rule --rule ${ruleName}`,
      });
    }
  }
}
