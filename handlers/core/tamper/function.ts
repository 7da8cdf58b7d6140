/** Lambda calls on the responder's own function (name, ARN or partial ARN). Pure (see core/tamper.ts). */
import { ENV } from '../../contract.js';
import {
  functionRefOf,
  ignore,
  REDEPLOY,
  report,
  type TamperFinding,
  type TamperInput,
  type TamperRequest,
  type TamperSelf,
  type TamperVerdict,
} from './shared.js';
// -- Lambda: its own function ------------------------------------------------------------------------------------

export function judgeFunction(input: TamperInput, self: TamperSelf): TamperVerdict {
  const reference = input.request.functionName;
  if (reference === undefined) return ignore(`${input.eventName} names no function`);
  const ref = functionRefOf(reference);
  const ours =
    ref !== undefined &&
    self.functionName !== undefined &&
    ref.name === self.functionName &&
    (ref.region === undefined || ref.region === self.region) &&
    (ref.accountId === undefined || self.accountId === undefined || ref.accountId === self.accountId);
  if (!ours) return ignore(`${input.eventName} is on function ${reference}, not the responder's`);
  const name = ref.name;
  const resource = { kind: 'function' as const, name, ours: true };
  const call = input.eventName.replace(/\d{8}(v\d+)?$/, '');
  switch (call) {
    case 'UpdateFunctionConfiguration':
      return report({
        resource,
        ...configurationChange(input.request, self, name),
        repairs: [],
        fix: REDEPLOY,
      });
    case 'UpdateFunctionCode':
      return report({
        resource,
        headline: `Lambda function ${name}: code replaced`,
        consequence:
          'What runs on the next event is no longer the deployed responder: it may do nothing at all.',
        severity: 'critical',
        repairs: [],
        fix: REDEPLOY,
      });
    case 'PutFunctionConcurrency': {
      const reserved = input.request.reservedConcurrentExecutions;
      return report({
        resource,
        headline: `Lambda function ${name}: reserved concurrency ${reserved ?? 'set'}`,
        consequence:
          reserved === 0
            ? 'Reserved concurrency 0: the function can never run; every event is throttled and, after the retries, lands in the dead-letter queue.'
            : `At most ${reserved ?? 'a few'} invocation(s) at once: events beyond that are throttled and retried.`,
        severity: reserved === 0 ? 'critical' : 'high',
        repairs: [],
        fix: reserved === 0 ? `aws lambda delete-function-concurrency --function-name ${name}` : REDEPLOY,
      });
    }
    case 'DeleteFunction':
      return report({
        resource,
        headline: `Lambda function ${name} deleted${ref.qualifier ? ` (version ${ref.qualifier})` : ''}`,
        consequence: ref.qualifier
          ? 'One version of the function is gone; the one the rules invoke stays.'
          : 'The responder is gone: nothing re-enables protection any more; only the rule that pages the topic directly still reports.',
        severity: ref.qualifier ? 'high' : 'critical',
        repairs: [],
        fix: REDEPLOY,
      });
    default:
      return report({
        resource,
        headline: `Lambda function ${name}: permission ${input.request.statementId ?? ''} removed`.replace(
          / {2,}/g,
          ' ',
        ),
        consequence:
          'A resource-based permission of the function was removed: if it is the one that lets EventBridge invoke it, the function receives no events at all.',
        severity: 'critical',
        repairs: [],
        fix: REDEPLOY,
      });
  }
}

function configurationChange(
  request: TamperRequest,
  self: TamperSelf,
  name: string,
): Pick<TamperFinding, 'headline' | 'consequence' | 'severity'> {
  const headline = `Lambda function ${name}: configuration changed`;
  const environment = request.environment;
  if (environment === undefined) {
    return {
      headline,
      consequence: `Changed: ${request.fields.filter((field) => field !== 'functionName').join(', ') || 'nothing recorded'}. The environment (mode, scope, topic) is as before.`,
      severity: 'high',
    };
  }
  if (environment.kind === 'hidden') {
    return {
      headline,
      consequence:
        'The environment was replaced; CloudTrail did not record its values: check RESPONDER_MODE, RESPONDER_SCOPE and NOTIFICATION_TOPIC_ARN.',
      severity: 'high',
    };
  }
  const vars = environment.variables;
  const lost: string[] = [];
  const mode = vars[ENV.mode];
  if (mode !== undefined && mode !== 'remediate') {
    lost.push(
      self.mode !== mode
        ? `${ENV.mode} changed from ${self.mode} to ${mode}: drift is reported, no longer repaired`
        : `${ENV.mode} set to ${mode}: drift is reported, no longer repaired`,
    );
  }
  const scope = vars[ENV.scope] ?? 'account';
  if (self.scope === 'organization' && scope !== 'organization') {
    lost.push(
      `${ENV.scope} changed from organization to ${scope}: the member accounts are no longer watched`,
    );
  }
  const topic = vars[ENV.notificationTopicArn];
  if (topic === undefined || vars[ENV.stateTableName] === undefined) {
    lost.push(
      Object.keys(vars).length === 0
        ? 'the environment was removed: the function fails at start, every event lands in the dead-letter queue'
        : `${topic === undefined ? ENV.notificationTopicArn : ENV.stateTableName} removed: the function fails at start, every event lands in the dead-letter queue`,
    );
  } else if (topic !== self.topicArn) {
    lost.push(`${ENV.notificationTopicArn} changed to ${topic}: alerts go to another topic`);
  }
  if (self.own !== undefined && vars[ENV.ownResources] === undefined) {
    lost.push(`${ENV.ownResources} removed: the tamper watch no longer knows the responder's rules`);
  }
  if (lost.length > 0) return { headline, consequence: `${lost.join('; ')}.`, severity: 'critical' };
  return {
    headline,
    consequence: `The environment was rewritten (${Object.keys(vars).join(', ')}); mode, scope and topic are unchanged.`,
    severity: 'high',
  };
}
