/** Lambda calls on the responder's own function (name, ARN or partial ARN). Pure (see core/tamper.ts). */
import { configurationChange } from './environment.js';
import {
  functionRefOf,
  ignore,
  REDEPLOY,
  report,
  type TamperInput,
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
        fix: `${REDEPLOY}; \`aws lambda get-function-configuration --function-name ${name}\` shows what it runs with now`,
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
        disarms: reserved === 0,
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
