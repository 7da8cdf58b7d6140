/**
 * The tamper watch's decision (issue 12, docs/tamper.md): is a CloudTrail call that can blind or disarm the responder
 * about one of its own resources, what does it mean in plain words, how bad is it, and what may be repaired. Pure: no
 * SDK, no clock. Every string in the input is attacker-controlled; the decision only compares and quotes it (the
 * alert scrubs it). Each service's calls are judged in core/tamper/; this file keeps what every call shares: where
 * it was made, whether it was the responder's own repair, a denied attempt or a CloudFormation deploy.
 */
import { RESPONDER_USER_AGENT } from '../contract.js';
import { judgeAlarms, judgeKey, judgeTable, judgeTopic } from './tamper/alerting.js';
import { judgeFunction } from './tamper/function.js';
import { judgeRule } from './tamper/rule.js';
import {
  expectedTargetArn,
  ignore,
  ownRule,
  REDEPLOY,
  type ResourceKind,
  report,
  type TamperFinding,
  type TamperInput,
  type TamperSelf,
  type TamperSeverity,
  type TamperVerdict,
} from './tamper/shared.js';
import { judgeTrail } from './tamper/trail.js';

export * from './tamper/shared.js';
export { keepsManagementEvents } from './tamper/trail.js';

const CLOUDFORMATION = 'cloudformation.amazonaws.com';
/** The calls the responder itself makes among the watched ones: its own target restore. */
const OWN_REPAIR_CALLS: readonly string[] = ['PutTargets'];

/** The session name of an assumed-role ARN. */
function sessionName(principalArn: string | undefined): string | undefined {
  return /^arn:aws[\w-]*:sts::\d+:assumed-role\/[^/]+\/(.+)$/.exec(principalArn ?? '')?.[1];
}

/**
 * A CloudFormation-driven call: CloudTrail sets `invokedBy` or `sourceIPAddress` to the service itself; the user agent
 * alone does not count (anyone may choose it).
 */
export function isDeploy(input: Pick<TamperInput, 'invokedBy' | 'actor'>): boolean {
  return input.invokedBy === CLOUDFORMATION || input.actor.sourceIp === CLOUDFORMATION;
}

/**
 * The responder's own repair (the loop guard): its execution role as session issuer, a session named after the
 * function, its user agent, a call it makes (PutTargets), and every target the one it restores. All of them: anyone
 * may choose a session name or a user agent, not the session issuer.
 */
export function isOwnRepair(input: TamperInput, self: TamperSelf, functionArn: string | undefined): boolean {
  const rule = ownRule(input.request.ruleName, input.request.eventBusName, self.own);
  const targets = input.request.targets ?? [];
  return (
    self.roleArn !== undefined &&
    self.functionName !== undefined &&
    input.actor.sessionIssuerArn === self.roleArn &&
    sessionName(input.actor.principalArn) === self.functionName &&
    (input.actor.userAgent ?? '').includes(RESPONDER_USER_AGENT) &&
    OWN_REPAIR_CALLS.includes(input.eventName) &&
    rule !== undefined &&
    targets.length > 0 &&
    targets.every(
      (target) =>
        target.id === rule.targetId && target.arn === expectedTargetArn(rule, functionArn, self.topicArn),
    )
  );
}

/** Judges one tamper call: ignored with a reason, or reported with its meaning, severity and repairs. */

export function judgeTamper(input: TamperInput, self: TamperSelf, functionArn?: string): TamperVerdict {
  if (input.region !== self.region) {
    return ignore(`event is for Region ${input.region}; this responder serves ${self.region}`);
  }
  if (self.accountId !== undefined && input.accountId !== self.accountId) {
    return ignore(`event is for account ${input.accountId}; this responder serves ${self.accountId}`);
  }
  if (input.errorCode === undefined && isOwnRepair(input, self, functionArn)) {
    return ignore("the responder's own repair of its rule's target");
  }
  const verdict = input.request.unreadable ? unreadableRequest(input) : judgeCall(input, self, functionArn);
  if (verdict.action === 'ignore') return verdict;
  return { action: 'report', finding: adjusted(input, verdict.finding) };
}

/**
 * A denied attempt changed nothing (one step lower, nothing to repair). A CloudFormation deploy is not repaired
 * (CloudFormation would undo the repair at its next update, or fight it); it is low when the change leaves the
 * responder armed, and high when it disarms it: whoever can update the stack can disarm it that way too.
 */
function adjusted(input: TamperInput, finding: TamperFinding): TamperFinding {
  if (input.errorCode !== undefined) {
    const lower: Record<TamperSeverity, TamperSeverity> = {
      critical: 'high',
      high: 'medium',
      medium: 'low',
      low: 'low',
    };
    return {
      ...finding,
      how: 'denied',
      severity: lower[finding.severity],
      headline: `attempt denied (${input.errorCode}): ${finding.headline}`,
      consequence: `Nothing changed: the call failed. Had it succeeded: ${finding.consequence}`,
      repairs: [],
      fix: 'find out who tried it and why; nothing to restore',
    };
  }
  if (isDeploy(input)) {
    const by = `through a CloudFormation deploy by ${input.actor.principalArn ?? 'an unnamed principal'}`;
    if (finding.disarms) {
      return {
        ...finding,
        how: 'deploy',
        severity: 'high',
        consequence: `${finding.consequence} Made ${by}: the stack now disarms the responder. Not repaired (CloudFormation would undo the repair or fight it); if this deploy was not meant to do that, find out who changed the stack.`,
        repairs: [],
      };
    }
    return {
      ...finding,
      how: 'deploy',
      severity: 'low',
      consequence: `${finding.consequence} (made ${by}: expected during a deploy of the responder; if none was planned, treat it as high)`,
      repairs: [],
    };
  }
  return finding;
}

const SOURCE_KIND: Record<TamperInput['source'], ResourceKind> = {
  'aws.cloudtrail': 'trail',
  'aws.events': 'rule',
  'aws.lambda': 'function',
  'aws.sns': 'topic',
  'aws.kms': 'key',
  'aws.monitoring': 'alarms',
  'aws.dynamodb': 'table',
};

/**
 * A watched call whose request parameters did not read: which resource it changed, and how, is unknown. It may have
 * been about the responder's own, so it is reported high (a deploy that did it too: it may disarm), nothing is
 * repaired from parameters that could not be read, and the responder checks its own wiring at once (flow/dispatch.ts).
 */
function unreadableRequest(input: TamperInput): TamperVerdict {
  const problems = (input.request.unreadable ?? []).slice(0, 3).join('; ');
  return report({
    resource: {
      kind: SOURCE_KIND[input.source],
      name: input.request.resourceArns[0] ?? 'not named in the record',
      ours: 'unknown',
    },
    headline: `${input.eventName} with request parameters the watch could not read`,
    consequence:
      `CloudTrail recorded the call, but not in a shape the tamper watch knows (${problems}), so it cannot tell which ` +
      "resource the call changed or how. If it was one of the responder's own, protection may be blinded or disarmed. " +
      'The responder checks its own rules, trail and topic now: a gap is paged (and repaired in remediate mode) on its own.',
    severity: 'high',
    repairs: [],
    fix: `look up event ${input.eventId} in CloudTrail and check the resource it names; if it is the responder's, ${REDEPLOY}`,
    disarms: true,
  });
}

function judgeCall(input: TamperInput, self: TamperSelf, functionArn: string | undefined): TamperVerdict {
  switch (input.source) {
    case 'aws.cloudtrail':
      return judgeTrail(input, self);
    case 'aws.events':
      return judgeRule(input, self, functionArn);
    case 'aws.lambda':
      return judgeFunction(input, self);
    case 'aws.sns':
      return judgeTopic(input, self);
    case 'aws.kms':
      return judgeKey(input, self);
    case 'aws.monitoring':
      return judgeAlarms(input, self);
    case 'aws.dynamodb':
      return judgeTable(input, self);
  }
}
