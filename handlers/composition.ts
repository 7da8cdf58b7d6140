/**
 * The composition root: configuration, SDK clients, adapters and the flow, wired once. The Lambda entry point, the
 * demo and the benchmark all build the responder here, so none of them wires the graph by hand.
 */
import { IAMClient } from '@aws-sdk/client-iam';
import type { Context } from 'aws-lambda';
import { cloudTrailAdapter } from './adapters/cloudtrail.js';
import { cloudWatchAdapter } from './adapters/cloudwatch.js';
import { eventBridgeAdapter } from './adapters/eventbridge.js';
import { guardDutyAdapter } from './adapters/guardduty.js';
import { guardDutyCoverageAdapter } from './adapters/guardduty-coverage.js';
import { organizationAdapter } from './adapters/guardduty-organization.js';
import { iamAccountName } from './adapters/iam.js';
import { lazySecurityHub, securityHubAdapter } from './adapters/security-hub.js';
import { snsAdapter, snsSubscriptionsAdapter } from './adapters/sns.js';
import { dynamoDbStateStore } from './adapters/state-store.js';
import {
  createClients,
  RESPONDER_VERSION,
  SUPPORT_SERVICE_TIMEOUTS,
  supportClientConfig,
} from './clients.js';
import { loadConfig } from './config.js';
import { RESPONDER_USER_AGENT } from './contract.js';
import type { ResponderIdentity } from './core/decide.js';
import type { ResponderConfig } from './core/types.js';
import { describeChain, describeError, InvalidEventError } from './errors.js';
import { parseEvent } from './events.js';
import type { ResponderDeps } from './flow/context.js';
import { type DispatchResult, dispatch } from './flow/dispatch.js';
import { JsonLogger } from './logger.js';
import type { AccountNamePort, FindingsPort } from './ports.js';

export const SERVICE_NAME = 'guardduty-drift-responder';
/** Used when the Lambda context does not say how much time is left (tests, the demo). */
const DEFAULT_LEASE_MS = 60_000;

export type HandlerResult =
  | DispatchResult
  | { readonly eventId: string | undefined; readonly ignored: string };

export type Environment = Readonly<Record<string, string | undefined>>;

export interface ResponderOptions {
  /** The function's environment; read once for the configuration, and per invocation for AWS_REGION. */
  readonly env: Environment;
  /** The SDK clients; built from the standard SDK settings when left out. */
  readonly clients?: ReturnType<typeof createClients>;
  readonly logger?: JsonLogger;
  readonly now?: () => Date;
  /** Where ACCOUNT_ALIAS_LOOKUP reads the alias; IAM ListAccountAliases when left out. */
  readonly accountNames?: AccountNamePort;
  /** Where SECURITY_HUB=true sends findings; Security Hub itself (loaded on first use) when left out. */
  readonly findings?: FindingsPort;
}

export interface Responder {
  readonly config: ResponderConfig;
  readonly deps: ResponderDeps;
  readonly logger: JsonLogger;
  /** Handles one EventBridge event (a GuardDuty CloudTrail record or the sweep schedule). */
  handle(event: unknown, context: Context): Promise<HandlerResult>;
}

/** Builds the responder; a misconfigured environment throws here, naming the variable, before any event. */
export function createResponder(options: ResponderOptions): Responder {
  const { env } = options;
  const config = loadConfig(env);
  const logger = options.logger ?? new JsonLogger(SERVICE_NAME, env.LOG_LEVEL ?? env.AWS_LAMBDA_LOG_LEVEL);
  const clients = options.clients ?? createClients();
  const deps: ResponderDeps = {
    guardDuty: guardDutyAdapter(clients.guardDuty),
    organization: config.scope === 'organization' ? organizationAdapter(clients.guardDuty) : undefined,
    coverage: guardDutyCoverageAdapter(clients.guardDuty),
    // Only with SECURITY_HUB=true; the SDK module is imported on the first finding, not at cold start.
    findings: config.securityHub
      ? (options.findings ??
        securityHubAdapter(
          lazySecurityHub({
            requestHandler: SUPPORT_SERVICE_TIMEOUTS,
            customUserAgent: [[RESPONDER_USER_AGENT, RESPONDER_VERSION]],
          }),
        ))
      : undefined,
    alerts: snsAdapter(clients.sns, config.notificationTopicArn),
    // Built on first use, their SDK modules imported then: only tamper events and the wiring check need them.
    rules: eventBridgeAdapter(supportClientConfig()),
    trails: cloudTrailAdapter(supportClientConfig()),
    subscriptions: snsSubscriptionsAdapter(clients.sns),
    metrics: cloudWatchAdapter(clients.cloudWatch, config.metricNamespace),
    store: dynamoDbStateStore(clients.dynamoDb, config.stateTableName),
    logger,
    now: options.now ?? (() => new Date()),
  };

  const identityOf = (context: Context): ResponderIdentity => ({
    region: env.AWS_REGION ?? 'unknown',
    // arn:aws:lambda:REGION:ACCOUNT:function:NAME
    accountId: context.invokedFunctionArn?.split(':')[4] || undefined,
    functionName: context.functionName || env.AWS_LAMBDA_FUNCTION_NAME,
    roleArn: config.roleArn,
  });

  // The account's name in alerts: ACCOUNT_NAME, else (when allowed) its alias, looked up once per cold start. A
  // failed lookup (no permission, IAM unreachable) is logged once and alerts show the id alone.
  let alias: Promise<string | undefined> | undefined;
  function accountName(): Promise<string | undefined> {
    if (config.accountName !== undefined || config.accountAliasLookup !== true)
      return Promise.resolve(config.accountName);
    alias ??= (
      options.accountNames ??
      iamAccountName(new IAMClient({ requestHandler: SUPPORT_SERVICE_TIMEOUTS, maxAttempts: 2 }))
    )
      .alias()
      .catch((error: unknown) => {
        logger.warn('account-alias-unavailable', { error: describeError(error) });
        return undefined;
      });
    return alias;
  }

  async function handle(event: unknown, context: Context): Promise<HandlerResult> {
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
      const name = await accountName();
      const named = name === config.accountName ? config : { ...config, accountName: name };
      return await dispatch(parsed.input, deps, named, { self: identityOf(context), leaseMs });
    } catch (error) {
      // The invocation fails so that Lambda retries it (then the dead-letter queue); say why, with the cause chain.
      logger.error('invocation-failed', { eventId: parsed.input.eventId, error: describeChain(error) });
      throw error;
    }
  }

  return { config, deps, logger, handle };
}
