import type { MetricsPort } from './adapters/cloudwatch.js';
import type { GuardDutyPort } from './adapters/guardduty.js';
import type { NotifierPort } from './adapters/sns.js';
import type { ClaimRecord, RemediationRecord, StateStorePort } from './adapters/state-store.js';
import { reducesProtection } from './core/change.js';
import {
  applyCircuitBreaker,
  type Decision,
  decide,
  driftFingerprint,
  type Outcome,
  type ResponderIdentity,
  triage,
} from './core/decide.js';
import { type Evaluation, evaluate } from './core/evaluate.js';
import { type Exemption, parseExemption } from './core/exemption.js';
import {
  DISABLE_DENIED_METRIC,
  DRIFT_DETECTED_METRIC,
  MetricBatch,
  REMEDIATION_FAILED_METRIC,
  REMEDIATION_SUCCEEDED_METRIC,
} from './core/metrics.js';
import {
  type AlertFacts,
  type AlertOutcome,
  describePlan,
  eventContext,
  renderNotification,
  snapshot,
} from './core/notification.js';
import type { ApiCallInput, DetectorState, ResponderConfig, ResponderInput } from './core/types.js';
import {
  Delivery,
  describeError,
  EVENT_CLAIM_TTL_SECONDS,
  flushMetrics,
  type LogPort,
  ResponderError,
  STANDING_DRIFT_TTL_SECONDS,
  settleWithConcurrency,
} from './delivery.js';

export { describeError, type LogPort, ResponderError };

export interface ResponderDeps {
  readonly guardDuty: GuardDutyPort;
  readonly notifier: NotifierPort;
  readonly metrics: MetricsPort;
  readonly store: StateStorePort;
  readonly logger: LogPort;
  readonly now: () => Date;
}

export interface InvocationOptions {
  readonly self: ResponderIdentity;
  /** How long a claim is held before another delivery may take it over: the invocation's remaining time. */
  readonly leaseMs: number;
}

export interface DetectorReport {
  readonly outcome: Outcome;
  readonly detectorId: string | null;
  readonly reason?: string;
  readonly remediation?: 'succeeded' | 'failed';
  readonly messageId?: string;
}

export interface InvocationResult {
  readonly eventId: string;
  readonly trigger: ResponderInput['kind'];
  readonly reports: readonly DetectorReport[];
}

const HOUR_MS = 60 * 60 * 1000;
const SWEEP_CONCURRENCY = 4;

/** Handles one validated input: every detector it concerns is decided, acted on, reported and measured. */
export async function respond(
  input: ResponderInput,
  deps: ResponderDeps,
  config: ResponderConfig,
  options: InvocationOptions,
): Promise<InvocationResult> {
  const run = new Invocation(input, deps, config, options);
  try {
    const reports = input.kind === 'sweep' ? await run.sweep() : [await run.apiCall(input)];
    return { eventId: input.eventId, trigger: input.kind, reports };
  } finally {
    await run.flushMetrics();
  }
}

interface Target {
  readonly detectorId: string | undefined;
  readonly state: DetectorState | undefined;
  readonly evaluation: Evaluation | undefined;
  readonly exemption: Exemption;
}

class Invocation {
  private readonly metricBatch: MetricBatch;
  private readonly delivery: Delivery;
  private readonly startedAt: number;

  constructor(
    private readonly input: ResponderInput,
    private readonly deps: ResponderDeps,
    private readonly config: ResponderConfig,
    private readonly options: InvocationOptions,
  ) {
    this.metricBatch = new MetricBatch(input.region, deps.now);
    this.delivery = new Delivery(
      deps.store,
      deps.notifier,
      deps.logger,
      deps.now,
      options.leaseMs,
      input.eventId,
    );
    this.startedAt = deps.now().getTime();
  }

  async apiCall(input: ApiCallInput): Promise<DetectorReport> {
    const verdict = triage(
      input,
      this.options.self,
      this.config.requireAgentManagement,
      this.config.scope,
      this.config.autoEnableTarget,
    );
    switch (verdict.action) {
      case 'ignore':
        return this.log({ outcome: 'ignored', detectorId: input.detectorId ?? null, reason: verdict.reason });
      case 'report-denied':
        return this.reportDenied(input);
      case 'evaluate':
        return this.handleDetector(await this.readTarget(verdict.detectorId));
      case 'organization':
        return this.log({
          outcome: 'ignored',
          detectorId: input.detectorId ?? null,
          reason: `${input.eventName} belongs to the organization path`,
        });
    }
  }

  async sweep(): Promise<DetectorReport[]> {
    if (this.input.region !== this.options.self.region) {
      const reason = `sweep is for Region ${this.input.region}; this responder serves ${this.options.self.region}`;
      return [this.log({ outcome: 'ignored', detectorId: null, reason })];
    }
    const ids = await this.deps.guardDuty.listDetectorIds();
    if (ids.length === 0) {
      return [
        await this.handleDetector({
          detectorId: undefined,
          state: undefined,
          evaluation: undefined,
          exemption: { status: 'none' },
        }),
      ];
    }
    const reports: DetectorReport[] = [];
    const failures: unknown[] = [];
    // A pool, not a serial chain; one detector's failure does not stop the others, but it does fail the invocation.
    const settled = await settleWithConcurrency(ids, SWEEP_CONCURRENCY, async (id) =>
      this.handleDetector(await this.readTarget(id)),
    );
    for (const result of settled) {
      if (result.status === 'fulfilled') reports.push(result.value);
      else failures.push(result.reason);
    }
    if (failures.length > 0) {
      throw new ResponderError(`sweep failed for ${failures.length} of ${ids.length} detector(s)`, {
        cause: failures.length === 1 ? failures[0] : new AggregateError(failures),
      });
    }
    return reports;
  }

  flushMetrics(): Promise<void> {
    // Metrics never block a remediation or an alert: both are done by now.
    return flushMetrics(this.metricBatch.points, this.deps.metrics, this.deps.logger, this.input.eventId);
  }

  private async readTarget(detectorId: string): Promise<Target> {
    const state = await this.deps.guardDuty.getDetector(detectorId);
    return {
      detectorId,
      state,
      evaluation: state && evaluate(state, this.config.requireAgentManagement),
      exemption: state ? parseExemption(state.tags, this.deps.now()) : { status: 'none' },
    };
  }

  private async handleDetector(target: Target): Promise<DetectorReport> {
    const detectorId = target.detectorId ?? null;
    let decision = decide({
      state: target.state,
      evaluation: target.evaluation,
      exemption: target.exemption,
      mode: this.config.mode,
      requireAgentManagement: this.config.requireAgentManagement,
      change: this.input.kind === 'api-call' ? this.input.change : undefined,
    });
    if (decision.outcome === 'remediate' && target.detectorId) {
      const since = new Date(this.deps.now().getTime() - HOUR_MS);
      const recent = await this.deps.store.countRemediationsSince(this.detectorKey(target.detectorId), since);
      decision = applyCircuitBreaker(decision, recent, this.config.maxRemediationsPerHour);
    }
    // A remediation reports the state it leaves behind; DriftDetected keeps the drift itself visible.
    if (decision.outcome !== 'remediate') this.metricBatch.compliance(decision.outcome === 'compliant');
    if (decision.outcome === 'compliant') {
      const owed =
        target.detectorId && this.mayOweAlert()
          ? await this.deliverOwedAlert(target.detectorId, target)
          : undefined;
      return owed ?? this.log({ outcome: 'compliant', detectorId });
    }

    const [key, ttl] = this.dedupeKey(decision, target);
    const claim = await this.delivery.claim(key, ttl);
    if (!claim.claimed) {
      const reason = `duplicate: this drift is already ${claim.existing?.status === 'COMPLETED' ? 'handled' : 'being handled'} (${key})`;
      return this.log({ outcome: 'ignored', detectorId, reason });
    }
    // A RETRYABLE claim was left by an attempt that ran to its end and measured this drift already.
    if (claim.previous?.status !== 'RETRYABLE') this.metricBatch.count(DRIFT_DETECTED_METRIC);
    if (claim.previous?.pendingNotification) return this.deliverPending(key, ttl, claim.previous, detectorId);
    return this.act(decision, target, key, ttl, claim.previous);
  }

  /**
   * Whether this delivery can be the retry of a remediation whose alert is still owed. An UpdateDetector that took
   * nothing away (the responder's own re-enable, an operator's enable, a settings change) cannot: it skips the read.
   */
  private mayOweAlert(): boolean {
    const input = this.input;
    return (
      input.kind === 'sweep' ||
      input.eventName !== 'UpdateDetector' ||
      reducesProtection(input.change, this.config.requireAgentManagement)
    );
  }

  /**
   * The detector reads compliant, but a previous attempt of this delivery may still owe an alert: its remediation
   * went through and its Publish failed (the rendered alert is kept), or its remediation could not be confirmed
   * (failure paged, or not even that) and protection is back now. Returns undefined when nothing is owed, or when
   * another delivery is sending it.
   */
  private async deliverOwedAlert(detectorId: string, target: Target): Promise<DetectorReport | undefined> {
    const key = this.remediationKey(detectorId);
    const previous = await this.delivery.claimOwed(key, EVENT_CLAIM_TTL_SECONDS);
    if (previous === undefined) return undefined;
    if (previous.pendingNotification) {
      return this.deliverPending(key, EVENT_CLAIM_TTL_SECONDS, previous, detectorId);
    }
    this.metricBatch.count(REMEDIATION_SUCCEEDED_METRIC);
    const now = target.state && target.evaluation ? snapshot(target.state.status, target.evaluation) : null;
    return this.alert(key, EVENT_CLAIM_TTL_SECONDS, {
      ...this.facts(
        'remediate',
        target,
        'An earlier attempt could not confirm its re-enable; this retry reads the detector compliant: protection is back.',
      ),
      remediation: 'succeeded',
      before: null,
      after: now,
    });
  }

  private async act(
    decision: Decision,
    target: Target,
    key: string,
    ttl: number,
    previous: ClaimRecord | undefined,
  ): Promise<DetectorReport> {
    if (decision.outcome === 'remediate') return this.remediate(decision.plan, target, key, ttl, previous);
    if (
      decision.outcome === 'compliant' ||
      decision.outcome === 'disable-denied' ||
      decision.outcome === 'ignored'
    ) {
      throw new ResponderError(`unexpected decision ${decision.outcome} after the claim`);
    }
    const facts = this.facts(decision.outcome, target, this.standingAction(decision));
    return this.alert(key, ttl, facts, undefined, this.standingMark(decision.outcome, target));
  }

  /** What the responder did (nothing) about a drift it leaves in place, and why. */
  private standingAction(
    decision: Extract<
      Decision,
      { outcome: 'would-remediate' | 'exempt' | 'circuit-open' | 'detector-deleted' }
    >,
  ): string {
    switch (decision.outcome) {
      case 'would-remediate':
        return `Nothing (notify mode). Remediate mode would send ${describePlan(decision.plan)}.`;
      case 'exempt':
        return 'Nothing: the detector is exempt, so the change is reported and left in place.';
      case 'circuit-open':
        return (
          `Nothing: ${decision.recentRemediations} remediations of this detector in the last hour reached the limit ` +
          `of ${this.config.maxRemediationsPerHour}. Something keeps turning protection off; automatic re-enable ` +
          `resumes when the count drops. Would have sent ${describePlan(decision.plan)}.`
        );
      case 'detector-deleted':
        return (
          'Nothing: the responder does not re-create detectors. Re-create one with `aws guardduty create-detector ' +
          "--enable --features 'Name=RUNTIME_MONITORING,Status=ENABLED,AdditionalConfiguration=[{Name=EKS_ADDON_MANAGEMENT,Status=ENABLED}]'`."
        );
    }
  }

  private async remediate(
    plan: Extract<Decision, { outcome: 'remediate' }>['plan'],
    target: Target,
    key: string,
    ttl: number,
    previous: ClaimRecord | undefined,
  ): Promise<DetectorReport> {
    let written = false;
    let after: DetectorState | undefined;
    let failure: unknown;
    try {
      await this.deps.guardDuty.updateDetector(plan);
      written = true;
      after = await this.deps.guardDuty.getDetector(plan.detectorId);
    } catch (error) {
      failure = error;
    }
    const afterEvaluation = after && evaluate(after, this.config.requireAgentManagement);
    const succeeded = afterEvaluation?.compliant === true;
    this.metricBatch.count(succeeded ? REMEDIATION_SUCCEEDED_METRIC : REMEDIATION_FAILED_METRIC);
    this.metricBatch.compliance(succeeded);
    const remediation: RemediationRecord | undefined = written
      ? {
          detectorKey: this.detectorKey(plan.detectorId),
          at: this.deps.now(),
          eventId: this.input.eventId,
          generation: plan.generation,
          actor:
            this.input.kind === 'api-call' ? (this.input.actor.principalArn ?? 'unknown') : 'scheduled sweep',
        }
      : undefined;
    const outcomeText = succeeded
      ? 'read back: compliant'
      : failure
        ? `failed: ${describeError(failure)}`
        : `read back: still not compliant (${afterEvaluation?.problems.join('; ') ?? 'detector not found'})`;
    const facts: AlertFacts = {
      ...this.facts('remediate', target, `${describePlan(plan)}; ${outcomeText}.`),
      remediation: succeeded ? 'succeeded' : 'failed',
      after: after && afterEvaluation ? snapshot(after.status, afterEvaluation) : null,
    };
    if (succeeded) {
      this.deps.logger.info('remediated', {
        eventId: this.input.eventId,
        detectorId: plan.detectorId,
        generation: plan.generation,
      });
      return this.alert(key, ttl, facts, remediation);
    }

    // Page once per drift about the failure; the retries Lambda makes stay quiet unless they succeed.
    const messageId = await this.delivery.failure(
      key,
      ttl,
      'remediate',
      renderNotification(facts),
      previous,
      remediation,
    );
    this.log({
      outcome: 'remediate',
      detectorId: plan.detectorId,
      remediation: 'failed',
      ...(messageId ? { messageId } : {}),
    });
    throw new ResponderError(`remediation of detector ${plan.detectorId} failed: ${outcomeText}`, {
      cause: failure,
    });
  }

  /** Publishes the alert and settles the claim; a failed Publish keeps the rendered alert for the retry. */
  private async alert(
    key: string,
    ttl: number,
    facts: AlertFacts,
    remediation?: RemediationRecord,
    standing?: ReturnType<Invocation['standingMark']>,
  ): Promise<DetectorReport> {
    const messageId = await this.delivery.alert(
      key,
      ttl,
      facts.outcome,
      renderNotification(facts),
      remediation,
      standing,
    );
    return this.log({
      outcome: facts.outcome,
      detectorId: facts.detectorId,
      messageId,
      ...(facts.remediation ? { remediation: facts.remediation } : {}),
    });
  }

  /** A retry after a failed Publish: the remediation is done, only the alert is owed. */
  private async deliverPending(
    key: string,
    ttl: number,
    previous: ClaimRecord,
    detectorId: string | null,
  ): Promise<DetectorReport> {
    const messageId = await this.delivery.deliverPending(key, ttl, previous);
    return this.log({
      outcome: (previous.outcome ?? 'remediate') as AlertOutcome,
      detectorId,
      messageId,
      reason: 'delivered the alert a previous attempt could not publish',
    });
  }

  private async reportDenied(input: ApiCallInput): Promise<DetectorReport> {
    const key = `event#${input.eventId}`;
    const claim = await this.delivery.claim(key, EVENT_CLAIM_TTL_SECONDS);
    if (!claim.claimed) {
      return this.log({
        outcome: 'ignored',
        detectorId: input.detectorId ?? null,
        reason: `duplicate: ${key} already handled`,
      });
    }
    if (claim.previous?.status !== 'RETRYABLE') this.metricBatch.count(DISABLE_DENIED_METRIC);
    if (claim.previous?.pendingNotification) {
      return this.deliverPending(key, EVENT_CLAIM_TTL_SECONDS, claim.previous, input.detectorId ?? null);
    }
    const target: Target = {
      detectorId: input.detectorId,
      state: undefined,
      evaluation: undefined,
      exemption: { status: 'none' },
    };
    const facts = this.facts(
      'disable-denied',
      target,
      `Nothing: the call failed with ${input.errorCode ?? 'an error'}${input.errorMessage ? ` (${input.errorMessage})` : ''}, so nothing changed.`,
    );
    return this.alert(key, EVENT_CLAIM_TTL_SECONDS, facts);
  }

  private facts(outcome: AlertOutcome, target: Target, action: string): AlertFacts {
    const before =
      target.state && target.evaluation ? snapshot(target.state.status, target.evaluation) : null;
    return {
      ...eventContext(this.input),
      outcome,
      detectorId: target.detectorId ?? null,
      mode: this.config.mode,
      problems: target.evaluation?.problems ?? (target.state ? [] : ['no GuardDuty detector in this Region']),
      action,
      before,
      after: outcome === 'remediate' ? null : before,
      exemption: target.exemption,
    };
  }

  /**
   * What makes two deliveries "the same drift": the CloudTrail event id; for the sweep, the sweep run when it
   * remediates (a new drift each time) and the drift's fingerprint when the drift stays in place (page once a day).
   */
  private dedupeKey(decision: Decision, target: Target): [string, number] {
    if (this.input.kind === 'api-call' || decision.outcome === 'remediate')
      return [this.remediationKey(target.detectorId ?? 'none'), EVENT_CLAIM_TTL_SECONDS];
    return [this.driftKey(decision.outcome, target), STANDING_DRIFT_TTL_SECONDS];
  }

  /** A drift that stays in place (notify mode, exemption, open circuit, no detector), by what it looks like. */
  private driftKey(outcome: Outcome, target: Target): string {
    // A detector that is gone is the same drift as a Region without one, which is how the sweep sees it.
    const detector = target.state === undefined ? 'none' : (target.detectorId ?? 'none');
    const fingerprint = driftFingerprint(target.state, target.evaluation);
    return `drift#${this.input.accountId}#${this.input.region}#${detector}#${outcome}#${fingerprint}`;
  }

  /**
   * An event that reports a standing drift also marks the drift itself as reported, so the next sweep, finding the
   * same drift, does not page for it a second time.
   */
  private standingMark(outcome: Outcome, target: Target) {
    return this.input.kind === 'api-call'
      ? { key: this.driftKey(outcome, target), ttlSeconds: STANDING_DRIFT_TTL_SECONDS }
      : undefined;
  }

  /** The claim of a remediation (and of anything an API-call event leads to): one per event and detector. */
  private remediationKey(detectorId: string): string {
    return this.input.kind === 'api-call'
      ? `event#${this.input.eventId}`
      : `sweep#${this.input.eventId}#${detectorId}`;
  }

  private detectorKey(detectorId: string): string {
    return `detector#${this.input.accountId}#${this.input.region}#${detectorId}`;
  }

  /** One structured line per decision. */
  private log(report: DetectorReport): DetectorReport {
    const fields = {
      eventId: this.input.eventId,
      trigger: this.input.kind,
      mode: this.config.mode,
      durationMs: this.deps.now().getTime() - this.startedAt,
      ...report,
    };
    if (report.outcome === 'compliant' || report.outcome === 'ignored')
      this.deps.logger.info('decision', fields);
    else this.deps.logger.warn('decision', fields);
    return report;
  }
}
