import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { cloudWatchAdapter } from './adapters/cloudwatch.js';
import { guardDutyAdapter } from './adapters/guardduty.js';
import { organizationAdapter } from './adapters/guardduty-organization.js';
import { snsAdapter } from './adapters/sns.js';
import { dynamoDbStateStore } from './adapters/state-store.js';
import { createClients } from './clients.js';
import { loadConfig } from './config.js';
import type { ResponderIdentity } from './core/decide.js';
import { type DispatchDeps, type DispatchResult, dispatch } from './dispatch.js';
import { parseEvent } from './events.js';
import { JsonLogger, logInvocationContext } from './logger.js';

// Cold start: a misconfigured function fails here, naming the variable, before it can act on any event.
const config = loadConfig(process.env);
const logger = new JsonLogger('guardduty-drift-responder');
const clients = createClients();
const deps: DispatchDeps = {
  guardDuty: guardDutyAdapter(clients.guardDuty),
  organization: config.scope === 'organization' ? organizationAdapter(clients.guardDuty) : undefined,
  notifier: snsAdapter(clients.sns, config.notificationTopicArn),
  metrics: cloudWatchAdapter(clients.cloudWatch, config.metricNamespace),
  store: dynamoDbStateStore(clients.dynamoDb, config.stateTableName),
  logger,
  now: () => new Date(),
};

/** The event claims to be one the responder handles but does not validate: it goes to the dead-letter queue. */
export class InvalidEventError extends Error {
  override readonly name = 'InvalidEventError';
}

export type HandlerResult =
  | DispatchResult
  | { readonly eventId: string | undefined; readonly ignored: string };

const DEFAULT_LEASE_MS = 60_000;

/** An error and its causes, one `name: message` each, for the log. */
function describeChain(error: unknown): string[] {
  const chain: string[] = [];
  for (let current = error; current !== undefined && chain.length < 5; ) {
    chain.push(current instanceof Error ? `${current.name}: ${current.message}` : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return chain;
}

function identityOf(context: Context): ResponderIdentity {
  // arn:aws:lambda:REGION:ACCOUNT:function:NAME
  const accountId = context.invokedFunctionArn?.split(':')[4];
  return {
    region: process.env.AWS_REGION ?? 'unknown',
    accountId: accountId || undefined,
    functionName: context.functionName || process.env.AWS_LAMBDA_FUNCTION_NAME,
    roleArn: config.roleArn,
  };
}

async function lambdaHandler(event: unknown, context: Context): Promise<HandlerResult> {
  const parsed = parseEvent(event);
  if (parsed.status === 'invalid') {
    logger.error('invalid-event', { problems: parsed.problems });
    throw new InvalidEventError(`event failed validation: ${parsed.problems.join('; ')}`);
  }
  if (parsed.status === 'unsupported') {
    logger.info('decision', { outcome: 'ignored', eventId: parsed.eventId, reason: parsed.reason });
    return { eventId: parsed.eventId, ignored: parsed.reason };
  }
  const leaseMs = context.getRemainingTimeInMillis?.() ?? DEFAULT_LEASE_MS;
  try {
    return await dispatch(parsed.input, deps, config, { self: identityOf(context), leaseMs });
  } catch (error) {
    // The invocation fails so that Lambda retries it (then the dead-letter queue); say why, with the cause chain.
    logger.error('invocation-failed', { eventId: parsed.input.eventId, error: describeChain(error) });
    throw error;
  }
}

/** Lambda entry point: an EventBridge event in (a GuardDuty CloudTrail record or the sweep schedule). */
export const handler = middy(lambdaHandler).use(logInvocationContext(logger));
