import type { AlertFacts, TimeOff } from '../alerts/detector.js';
import { TIME_TO_RESTORE_METRIC } from '../contract.js';
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
  EventRulesPort,
  FindingsPort,
  GuardDutyPort,
  LogPort,
  MetricsPort,
  OrganizationPort,
  StateStorePort,
  TopicSubscriptionsPort,
  TrailsPort,
} from '../ports.js';
import { Delivery } from './delivery.js';
import { findingSync } from './finding.js';

/** The ports one invocation works through (built once per process by handlers/composition.ts). */
export interface ResponderDeps {
  readonly guardDuty: GuardDutyPort;
  /** Present in organization scope only. */
  readonly organization?: OrganizationPort | undefined;
  /** Per-cluster runtime coverage (ListCoverage); the sweep skips its coverage part without it. */
  readonly coverage?: CoveragePort | undefined;
  /** Security Hub, present only with SECURITY_HUB=true: one finding per drift (flow/finding.ts). */
  readonly findings?: FindingsPort | undefined;
  readonly alerts: AlertTopicPort;
  /** The tamper watch and the sweep's wiring check: its own rules, its trail, its topic's subscriptions. */
  readonly rules?: EventRulesPort | undefined;
  readonly trails?: TrailsPort | undefined;
  readonly subscriptions?: TopicSubscriptionsPort | undefined;
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
  /**
   * Whether this trigger asks Lambda to retry when another one holds its case: an event does (its drift may be newer
   * than what the holder read, and only it can name who); a sweep does not (the next sweep comes anyway).
   */
  readonly retriesWhenBusy: boolean;
  /** Whether the trigger is the scheduled sweep (what it finds, it found by reading, at its own time). */
  readonly scheduled: boolean;
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
  /** Set by a restore confirmed by its read-back: how long protection was off. */
  readonly timeOff?: TimeOff | undefined;
}

/**
 * The audit fields every decision line carries, whatever the target: who, where, what was asked, what the responder
 * decided, in which mode, and how long protection was off. Field names are the contract of the Logs Insights saved
 * queries (infra/responder/queries.ts) and the evidence report; `timeToRestoreSeconds` is null unless a restore was
 * confirmed by its read-back.
 */
export interface AuditFields {
  readonly eventId: string;
  readonly trigger: ResponderInput['kind'];
  readonly eventName: string | null;
  readonly eventTime: string;
  readonly actor: string;
  readonly actorType: string | null;
  readonly sourceIp: string | null;
  readonly accountId: string;
  readonly accountName: string | null;
  readonly region: string;
  readonly detectorId: string | null;
  readonly change: string | null;
  readonly outcome: string;
  readonly mode: ResponderConfig['mode'];
  readonly timeToRestoreSeconds: number | null;
  /** `disabling-call`: since the call's eventTime; `sweep-detection`: since the sweep read the drift; null: no restore. */
  readonly timeToRestoreFrom: TimeOff['from'] | null;
}

/** The audit fields of one decision (every string comes from the event: cut to a sane length, never multi-line). */
export function auditFields(
  trigger: TriggerFacts,
  config: ResponderConfig,
  report: DecisionReport & { readonly detectorId?: string | null | undefined },
): AuditFields {
  const flat = (text: string | undefined, max: number) =>
    text === undefined ? null : text.replace(/[\p{Cc}\p{Zl}\p{Zp}]+/gu, ' ').slice(0, max);
  const off = report.timeOff;
  return {
    eventId: trigger.eventId,
    trigger: trigger.kind,
    eventName: trigger.eventName,
    eventTime: trigger.eventTime,
    actor: flat(trigger.caseActor ?? trigger.historyActor, 256) ?? 'unknown',
    actorType: flat(trigger.actor?.type, 32),
    sourceIp: flat(trigger.actor?.sourceIp, 64),
    accountId: trigger.accountId,
    accountName: config.accountName ?? null,
    region: trigger.region,
    detectorId: report.detectorId ?? null,
    change: trigger.change?.summary.length ? flat(trigger.change.summary.join('; '), 1000) : null,
    outcome: report.outcome,
    mode: config.mode,
    timeToRestoreSeconds: off ? off.seconds : null,
    timeToRestoreFrom: off ? off.from : null,
  };
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
  const metrics = new MetricBatch(trigger.region, deps.now);
  return {
    ...options,
    metrics,
    delivery: new Delivery({
      store: deps.store,
      alerts: deps.alerts,
      logger: deps.logger,
      now: deps.now,
      leaseMs: options.leaseMs,
      eventId: trigger.eventId,
      findings:
        deps.findings &&
        findingSync({
          findings: deps.findings,
          logger: deps.logger,
          metrics,
          now: deps.now,
          trigger,
          config,
        }),
    }),
    detectorIds() {
      detectorIds ??= deps.guardDuty.listDetectorIds();
      return detectorIds;
    },
    log(report) {
      const { timeOff, ...rest } = report as DecisionReport & Record<string, unknown>;
      const audit = auditFields(trigger, config, report as DecisionReport & { detectorId?: string | null });
      const fields: Record<string, unknown> = {
        ...audit,
        durationMs: deps.now().getTime() - startedAt,
        ...rest,
        // The report may not override the audit fields the saved queries read.
        outcome: audit.outcome,
        mode: audit.mode,
        detectorId: audit.detectorId,
        ...(timeOff ? { timeOffSince: timeOff.since, timeOffUntil: timeOff.until } : {}),
      };
      if (timeOff) {
        metrics.point(TIME_TO_RESTORE_METRIC, timeOff.seconds, 'Seconds', { Region: trigger.region });
      }
      if (report.outcome === 'compliant' || report.outcome === 'ignored')
        deps.logger.info('decision', fields);
      else deps.logger.warn('decision', fields);
      return report;
    },
  };
}

/**
 * How long protection has been off at `until`: from the disabling call's `eventTime` when the trigger took protection
 * away, otherwise from when the responder read the drift (the sweep's read, marked `sweep-detection`).
 */
export function timeOffOf(context: InvocationContext, observedAt: Date, until: Date): TimeOff {
  const { trigger } = context;
  const called = Date.parse(trigger.eventTime);
  const byCall = trigger.reducedProtection && Number.isFinite(called);
  const since = byCall ? new Date(called) : observedAt;
  return {
    since: since.toISOString(),
    until: until.toISOString(),
    seconds: Math.max(0, Math.round((until.getTime() - since.getTime()) / 1000)),
    from: byCall ? 'disabling-call' : trigger.scheduled ? 'sweep-detection' : 'detection',
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

/** The fields every alert takes from the trigger (and, given the configuration, the account's name and runbook). */
export function alertContext(trigger: TriggerFacts, config?: ResponderConfig) {
  return {
    accountName: config?.accountName,
    runbookUrl: config?.runbookUrl,
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
    | 'accountId'
    | 'region'
    | 'trigger'
    | 'eventId'
    | 'eventTime'
    | 'eventName'
    | 'actor'
    | 'changes'
    | 'accountName'
    | 'runbookUrl'
  >;
}
