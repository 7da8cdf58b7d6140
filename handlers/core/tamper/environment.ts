/**
 * UpdateFunctionConfiguration on the responder's own function: what the new configuration can do to it. Pure (see
 * core/tamper.ts). The function that judges the call already runs with the new configuration (Lambda starts every
 * invocation after the update with it), so comparing a value with its own says nothing: an environment change is
 * never provably harmless from here, and is critical; the words say what the record shows and what it cannot.
 */
import { ENV } from '../../contract.js';
import type { TamperFinding, TamperRequest, TamperSelf } from './shared.js';

/** Configuration fields that change what runs, or whether it can run at all (CloudTrail's lowerCamel names). */
const RUNS_OTHERWISE: Readonly<Record<string, string>> = {
  role: 'the execution role was replaced: the function now runs with other permissions (it may no longer repair, read GuardDuty or page)',
  handler: 'the handler was changed: another entry point runs, which may do nothing',
  layers: "the layers were changed: a layer's code runs inside the function and can replace the responder",
  runtime: 'the runtime was changed: the code may no longer start, or run on a runtime it was not built for',
  imageconfig: "the image's entry point or command was changed: another program may run",
  kmskeyarn:
    'the key that encrypts the environment was changed: with a key the role cannot use, the function fails at start',
  vpcconfig:
    'the function was moved into a VPC: without a route to AWS it reaches neither GuardDuty nor the topic',
};

/** Variables the runtime, Node.js or the AWS SDK act on: each one can run code or send every call elsewhere. */
function runtimeVariable(name: string): string | undefined {
  if (name === 'NODE_OPTIONS')
    return `${name} set: Node.js loads whatever it names before the responder (code injection)`;
  if (name === 'AWS_LAMBDA_EXEC_WRAPPER')
    return `${name} set: the runtime starts through another program (code injection)`;
  if (/^AWS_ENDPOINT_URL(_|$)/.test(name)) {
    return `${name} set: the AWS SDK sends its calls there: repairs and pages may go to another endpoint`;
  }
  return undefined;
}

const KNOWN: ReadonlySet<string> = new Set(Object.values(ENV));

/** Whether two OWN_RESOURCES texts describe the same resources (key order aside). */
function sameOwnResources(text: string, own: TamperSelf['own']): boolean {
  try {
    return canonical(JSON.parse(text)) === canonical(own ?? null);
  } catch {
    return false;
  }
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const CANNOT_COMPARE =
  'The function already runs with the new values, so it cannot compare them with the deployed ones: check `npx cdk diff`.';

/** What an environment the record shows does to the responder, one line per loss found. */
function environmentLosses(vars: Readonly<Record<string, string>>, self: TamperSelf): string[] {
  const lost: string[] = [];
  const names = Object.keys(vars);
  for (const name of names) {
    const danger = runtimeVariable(name);
    if (danger !== undefined) lost.push(danger);
    else if (!KNOWN.has(name)) {
      lost.push(`${name} set: the responder does not read it, but the runtime, Node.js or the AWS SDK may`);
    }
  }
  const mode = vars[ENV.mode];
  if (mode !== undefined && mode !== 'remediate') {
    lost.push(`${ENV.mode} set to ${mode}: drift is reported, no longer repaired`);
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
      `${topic === undefined ? ENV.notificationTopicArn : ENV.stateTableName} removed: the function fails at start, every event lands in the dead-letter queue`,
    );
  } else if (topic !== self.topicArn) {
    lost.push(`${ENV.notificationTopicArn} changed to ${topic}: alerts go to another topic`);
  }
  const own = vars[ENV.ownResources];
  if (own === undefined) {
    if (self.own !== undefined) {
      lost.push(`${ENV.ownResources} removed: the tamper watch no longer knows the responder's rules`);
    }
  } else if (!sameOwnResources(own, self.own)) {
    lost.push(
      `${ENV.ownResources} rewritten: the tamper watch and the sweep's wiring check now take other rules, alarms, key or trail for the responder's own`,
    );
  }
  return lost;
}

export function configurationChange(
  request: TamperRequest,
  self: TamperSelf,
  name: string,
): Pick<TamperFinding, 'headline' | 'consequence' | 'severity' | 'disarms'> {
  const headline = `Lambda function ${name}: configuration changed`;
  const fields = request.fields.filter((field) => field !== 'functionName' && field !== 'environment');
  const runsOtherwise = fields.flatMap((field) => {
    const words = RUNS_OTHERWISE[field.toLowerCase()];
    return words === undefined ? [] : [words];
  });
  const others = fields.filter((field) => RUNS_OTHERWISE[field.toLowerCase()] === undefined);
  const rest =
    others.length > 0
      ? ` Also changed: ${others.join(', ')} (a timeout or memory too small makes every invocation fail).`
      : '';
  const environment = request.environment;
  if (environment === undefined) {
    if (runsOtherwise.length > 0) {
      return {
        headline,
        consequence: `${runsOtherwise.join('; ')}.${rest} The environment was not part of the call.`,
        severity: 'critical',
        disarms: false,
      };
    }
    return {
      headline,
      consequence: `Changed: ${others.join(', ') || 'nothing recorded'}; a timeout or memory too small makes every invocation fail. The environment was not part of the call.`,
      severity: 'high',
      disarms: false,
    };
  }
  const found =
    environment.kind === 'hidden'
      ? [
          'the environment was replaced and CloudTrail did not record its values: the responder cannot verify it (RESPONDER_MODE, NOTIFICATION_TOPIC_ARN, OWN_RESOURCES, or NODE_OPTIONS and AWS_ENDPOINT_URL_* that run code or send repairs and pages elsewhere)',
        ]
      : Object.keys(environment.variables).length === 0
        ? [
            'CloudTrail recorded no variables: either the environment was removed (the function then fails at start, every event lands in the dead-letter queue) or the record left the values out; the responder cannot verify which',
          ]
        : environmentLosses(environment.variables, self);
  const recorded =
    environment.kind === 'variables' && Object.keys(environment.variables).length > 0
      ? ` Variables now: ${Object.keys(environment.variables).join(', ')}.`
      : '';
  const losses = [...found, ...runsOtherwise];
  return {
    headline,
    consequence:
      losses.length > 0
        ? `${losses.join('; ')}.${rest}${recorded} ${CANNOT_COMPARE}`
        : `The environment was rewritten; nothing in the record disarms the responder, but it cannot tell a harmless value from a disarming one.${rest}${recorded} ${CANNOT_COMPARE}`,
    severity: 'critical',
    disarms: true,
  };
}
