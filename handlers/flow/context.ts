import type { AlertFacts } from '../alerts/detector.js';
import type { ResponderIdentity } from '../core/decide.js';
import { MetricBatch } from '../core/metrics.js';
import type {
  Actor,
  OrganizationFeatureRequest,
  RequestedChange,
  ResponderConfig,
  ResponderInput,
} from '../core/types.js';
import { describeError } from '../errors.js';
import type {
  AlertTopicPort,
  CoveragePort,
  GuardDutyPort,
  LogPort,
  MetricsPort,
  OrganizationPort,
  StateStorePort,
} from '../ports.js';
import { Delivery } from './delivery.js';

/** The ports one invocation works through (built once per process by handlers/composition.ts). */
export interface ResponderDeps {
  readonly guardDuty: GuardDutyPort;
  /** Present in organization scope only. */
  readonly organization?: OrganizationPort | undefined;
  /** Per-cluster runtime coverage (ListCoverage); the sweep skips its coverage part without it. */
  readonly coverage?: CoveragePort | undefined;
  readonly alerts: AlertTopicPort;
  readonly metrics: MetricsPort;
  readonly store: StateStorePort;
  readonly logger: LogPort;
  readonly now: () => Date;
}

/**
 * What the trigger of an invocation means for every target, computed once by the dispatcher (the only code that
 * knows trigger kinds): targets read these facts, never the kind.
 */
export interface TriggerFacts {
  readonly kind: ResponderInput['kind'];
  readonly eventId: string;
  readonly eventTime: string;
  readonly accountId: string;
  readonly region: string;
  /** The API call, or null for the sweep. */
  readonly eventName: string | null;
  /** Who made the call; undefined when nobody did (the sweep). */
  readonly actor: Actor | undefined;
  /** Who the remediation history names. */
  readonly historyActor: string;
  /** What the call asked for; undefined when there was no call. */
  readonly change: RequestedChange | undefined;
  /** Whether the call (had it succeeded) took protection away: only such a call can be the cause of a drift. */
  readonly reducedProtection: boolean;
  /** UpdateOrganizationConfiguration: the auto-enable settings the request made. */
  readonly organizationFeatures: readonly OrganizationFeatureRequest[] | undefined;
  /** Who claims the cases this trigger opens: `event#<id>` or `sweep#<id>` (see flow/keys.ts). */
  readonly owner: string;
  /** The principal a case opened by this trigger names as its cause; undefined when nobody is known (the sweep). */
  readonly caseActor: string | undefined;
  /**
   * Whether a compliant read may be the retry of an attempt that still owes an alert. A call that took nothing
   * away (the responder's own re-enable, an operator's enable) cannot be: it skips the read.
   */
  readonly mayOweAlert: boolean;
}

/** One structured decision line; every report has an outcome. */
export interface DecisionReport {
  readonly outcome: string;
}

/** Shared by every target of one invocation: one trigger, one metrics batch, one delivery, one ListDetectors. */
export interface InvocationContext {
  readonly trigger: TriggerFacts;
  readonly config: ResponderConfig;
  readonly deps: ResponderDeps;
  readonly self: ResponderIdentity;
  readonly metrics: MetricBatch;
  readonly delivery: Delivery;
  /** ListDetectors of this account and Region, called at most once per invocation whoever asks. */
  detectorIds(): Promise<string[]>;
  /** Logs one decision line (info for compliant/ignored, warn otherwise) and returns the report. */
  log<R extends DecisionReport>(report: R): R;
}

export interface ContextOptions {
  readonly trigger: TriggerFacts;
  readonly config: ResponderConfig;
  readonly deps: ResponderDeps;
  readonly self: ResponderIdentity;
  /** How long a claim is held before another delivery may take it over: the invocation's remaining time. */
  readonly leaseMs: number;
}

export function createContext(options: ContextOptions): InvocationContext {
  const { trigger, config, deps } = options;
  const startedAt = deps.now().getTime();
  let detectorIds: Promise<string[]> | undefined;
  return {
    ...options,
    metrics: new MetricBatch(trigger.region, deps.now),
    delivery: new Delivery({
      store: deps.store,
      alerts: deps.alerts,
      logger: deps.logger,
      now: deps.now,
      leaseMs: options.leaseMs,
      eventId: trigger.eventId,
    }),
    detectorIds() {
      detectorIds ??= deps.guardDuty.listDetectorIds();
      return detectorIds;
    },
    log(report) {
      const fields: Record<string, unknown> = {
        eventId: trigger.eventId,
        trigger: trigger.kind,
        mode: config.mode,
        durationMs: deps.now().getTime() - startedAt,
        ...(report as object),
      };
      if (report.outcome === 'compliant' || report.outcome === 'ignored')
        deps.logger.info('decision', fields);
      else deps.logger.warn('decision', fields);
      return report;
    },
  };
}

/** Sends the invocation's datapoints in one batch; a failure is logged and never fails work that is done. */
export async function flushMetrics(context: InvocationContext): Promise<void> {
  const points = context.metrics.points;
  if (points.length === 0) return;
  try {
    await context.deps.metrics.put(points);
  } catch (error) {
    context.deps.logger.error('metrics-failed', {
      eventId: context.trigger.eventId,
      error: describeError(error),
    });
  }
}

/** The fields every alert takes from the trigger. */
export function alertContext(trigger: TriggerFacts) {
  return {
    accountId: trigger.accountId,
    region: trigger.region,
    trigger: trigger.kind,
    eventId: trigger.eventId,
    eventTime: trigger.eventTime,
    eventName: trigger.eventName,
    actor: trigger.actor,
    changes: trigger.change?.summary ?? [],
  } satisfies Pick<
    AlertFacts,
    'accountId' | 'region' | 'trigger' | 'eventId' | 'eventTime' | 'eventName' | 'actor' | 'changes'
  >;
}
