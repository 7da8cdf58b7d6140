/**
 * Coverage target: the runtime coverage of each EKS cluster, as the `GuardDuty Runtime Protection Unhealthy|Healthy`
 * events report it and as each sweep reads it (ListCoverage, every page, and GetCoverageStatistics to check the
 * listing). One transition of one cluster is one case (flow/keys.ts coverageCaseKey), whichever trigger sees it
 * first: it pages once when a cluster becomes unhealthy (again after a day if it stays so), once when it becomes
 * excluded, and sends a short recovery message when it is covered again. A sweep's transitions, members' included in
 * organization scope, go out as one digest. Nothing is written to EKS: coverage is reported with its next step.
 *
 * Over 300 lines: the event and the sweep paths share their case rules here; splitting them is the next clean-up.
 */
import {
  type CoverageAlertFacts,
  type CoverageLine,
  clusterView,
  coverageOutcome,
  renderCoverageAlert,
} from '../../alerts/coverage.js';
import {
  CLUSTER_COVERAGE_HEALTHY_METRIC,
  CLUSTER_NODES_COVERED_METRIC,
  CLUSTERS_COVERED_METRIC,
  CLUSTERS_EXCLUDED_METRIC,
  CLUSTERS_UNHEALTHY_METRIC,
  type ClusterCoverage,
  type CoverageCounts,
  type CoverageState,
  type CoverageStatistics,
  CoverageUnavailableError,
  type CoverageVerdict,
  classify,
  countCoverage,
  listingShortfall,
  nextStep,
} from '../../core/coverage.js';
import type { CoverageEventInput } from '../../core/types.js';
import { describeError, ResponderError } from '../../errors.js';
import type { CaseSettlement, ClaimRecord, CoveragePort } from '../../ports.js';
import { type CaseAct, runCase } from '../case.js';
import type { DecisionReport, InvocationContext } from '../context.js';
import {
  type ClaimKey,
  type ClusterTarget,
  COVERAGE_CASE_TTL_SECONDS,
  COVERAGE_REMINDER_SECONDS,
  coverageCaseKey,
  coverageRecordKey,
  coverageSweepKey,
} from '../keys.js';
import { settleWithConcurrency } from '../pool.js';

/** State-table reads and claims of one sweep in flight at once. */
const RECORD_CONCURRENCY = 8;

export interface CoverageReport extends DecisionReport {
  readonly outcome:
    | 'coverage-unhealthy'
    | 'coverage-recovered'
    | 'coverage-excluded'
    | 'compliant'
    | 'ignored';
  readonly reason?: string;
  readonly messageId?: string;
  /** Sweep: the Region's clusters by state. */
  readonly counts?: CoverageCounts;
  /** The clusters this report is about (those it paged for). */
  readonly clusters?: readonly { accountId: string; clusterName: string; change: string }[];
}

/** One cluster as judged, with its next step. */
interface Judged {
  readonly cluster: ClusterCoverage;
  readonly verdict: CoverageVerdict;
}

/** A transition this trigger claimed, to report and then close. */
interface Claimed extends Judged {
  readonly key: ClaimKey;
  readonly previous: ClaimRecord | undefined;
}

const HOUR_MS = 60 * 60 * 1000;

// ---------------------------------------------------------------------------------------------------------------
// The coverage event

/** A `GuardDuty Runtime Protection Unhealthy|Healthy` event for one EKS cluster. */
export async function respondForCoverageEvent(
  context: InvocationContext,
  input: CoverageEventInput,
): Promise<CoverageReport> {
  const { self } = context;
  // A rule of another stack (a shared bus) must not make this one report what it does not serve.
  const foreign =
    input.region !== self.region
      ? `coverage event is for Region ${input.region}; this responder serves ${self.region}`
      : self.accountId !== undefined && input.accountId !== self.accountId
        ? `coverage event is for account ${input.accountId}; this responder serves ${self.accountId}`
        : undefined;
  if (foreign !== undefined) return context.log<CoverageReport>({ outcome: 'ignored', reason: foreign });

  const observedAt = context.deps.now();
  const judged: Judged = { cluster: input.cluster, verdict: classify(input.cluster) };
  const target = targetOf(context, input.cluster);
  const summary = [clusterSummary(judged, judged.verdict.state)];
  if (judged.verdict.state === 'covered') {
    // Covered, and nothing was reported about it: nothing to say (the common Healthy event after enabling).
    const record = await context.delivery.read(coverageRecordKey(target));
    if (!reported(record)) {
      return context.log<CoverageReport>({
        outcome: 'compliant',
        clusters: summary,
        reason: 'covered; nothing was reported about it',
      });
    }
  }
  const key = claimFor(context, target, judged.verdict.state, observedAt);
  return runCase<CoverageReport>(context, {
    claim: key,
    duplicate: (existing) => ({
      outcome: 'ignored',
      clusters: summary,
      reason: `duplicate: ${existing?.fingerprint ?? 'this state'} of this cluster is already reported by ${existing?.owner ?? 'another delivery'} (${key.key})`,
    }),
    pending: (previous, messageId) => ({
      outcome: (previous.outcome as CoverageReport['outcome'] | undefined) ?? 'coverage-unhealthy',
      clusters: summary,
      messageId,
      reason: 'delivered the alert a previous attempt could not publish',
    }),
    act: async (previous) => eventAct(context, input, { ...judged, key, previous }, observedAt),
  });
}

async function eventAct(
  context: InvocationContext,
  input: CoverageEventInput,
  claimed: Claimed,
  observedAt: Date,
): Promise<CaseAct<CoverageReport>> {
  const line = lineOf(context, claimed, undefined);
  if (line === undefined) {
    // Another trigger announced this recovery between our read and our claim.
    return {
      status: 'fold',
      outcome: 'compliant',
      closes: { claimableAt: observedAt },
      report: () => ({ outcome: 'compliant', reason: 'covered; its recovery is already reported' }),
    };
  }
  const facts = alertFacts(context, [line], { detectorId: null, counts: undefined, shortfall: undefined });
  const outcome = coverageOutcome(facts);
  return {
    status: 'alert',
    alert: { outcome, rendered: renderCoverageAlert(facts) },
    closes: { claimableAt: claimableAfter(claimed.verdict.state, context.deps.now()) },
    report: (messageId) => ({
      outcome,
      messageId,
      clusters: [clusterSummary(claimed, line.change)],
      reason: `${input.detailType}`,
    }),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The sweep

/**
 * The coverage part of a sweep: every EKS cluster the Region's detector sees (every member's, for a delegated
 * administrator), measured, and one digest for the clusters whose coverage changed since it was last reported.
 */
export async function sweepCoverage(context: InvocationContext): Promise<CoverageReport> {
  const coverage = context.deps.coverage;
  if (coverage === undefined)
    return context.log<CoverageReport>({ outcome: 'ignored', reason: 'coverage is not wired in' });
  const detectorIds = await context.detectorIds();
  if (detectorIds.length === 0) {
    return context.log<CoverageReport>({
      outcome: 'ignored',
      reason: 'no GuardDuty detector in this Region: no coverage to read',
    });
  }
  // Taken before the reads: a record settled after this moment may know more than the listing does.
  const observedAt = context.deps.now();
  const clusters: ClusterCoverage[] = [];
  const shortfalls: string[] = [];
  try {
    for (const detectorId of detectorIds) {
      const read = await readCoverage(context, coverage, detectorId);
      clusters.push(...read.clusters);
      if (read.shortfall) shortfalls.push(read.shortfall);
    }
  } catch (error) {
    // Unknown is not unhealthy: no metric, no page, and the decision line says why (any other failure is thrown).
    if (!(error instanceof CoverageUnavailableError)) throw error;
    return context.log<CoverageReport>({ outcome: 'ignored', reason: `coverage unknown: ${error.message}` });
  }
  const judged = clusters.map((cluster) => ({ cluster, verdict: classify(cluster) }));
  const counts = countCoverage(judged.map((each) => each.verdict.state));
  measure(context, judged, counts);
  logUnhealthy(context, judged, detectorIds[0]);

  const claimed = await claimTransitions(context, judged, observedAt);
  const shortfall = shortfalls.length ? shortfalls.join('; ') : undefined;
  if (claimed.length === 0) {
    return context.log<CoverageReport>({
      outcome: counts.unhealthy === 0 ? 'compliant' : 'ignored',
      counts,
      reason:
        counts.unhealthy === 0
          ? `no unhealthy EKS cluster${shortfall ? ` (${shortfall})` : ''}`
          : `${counts.unhealthy} unhealthy EKS cluster(s), each already reported${shortfall ? ` (${shortfall})` : ''}`,
    });
  }
  const lines: CoverageLine[] = [];
  const toClose: Claimed[] = [];
  for (const each of claimed) {
    const line = lineOf(context, each, detectorIds[0]);
    if (line) lines.push(line);
    toClose.push(each);
  }
  const summary = lines.map((line) => ({
    accountId: line.cluster.accountId,
    clusterName: line.cluster.clusterName,
    change: line.change,
  }));
  let report: CoverageReport;
  if (lines.length === 0) {
    report = context.log<CoverageReport>({
      outcome: 'compliant',
      counts,
      reason: 'recoveries already reported',
    });
  } else {
    const facts = alertFacts(context, lines, { detectorId: detectorIds[0] ?? null, counts, shortfall });
    const outcome = coverageOutcome(facts);
    const digest = coverageSweepKey(
      context.trigger.accountId,
      context.trigger.region,
      context.trigger.eventId,
    );
    report = await runCase<CoverageReport>(context, {
      claim: digest,
      duplicate: () => ({ outcome: 'ignored', counts, reason: `duplicate: ${digest.key} already handled` }),
      pending: (_previous, messageId) => ({
        outcome,
        counts,
        clusters: summary,
        messageId,
        reason: 'delivered the digest a previous attempt could not publish',
      }),
      act: async () => ({
        status: 'alert',
        alert: { outcome, rendered: renderCoverageAlert(facts) },
        report: (messageId) => ({ outcome, counts, clusters: summary, messageId }),
      }),
    });
  }
  // Only once the digest is out: a failed Publish leaves the claims held, so the retry (or the next sweep) reports them.
  await closeAll(context, toClose);
  return report;
}

async function readCoverage(
  context: InvocationContext,
  coverage: CoveragePort,
  detectorId: string,
): Promise<{ clusters: ClusterCoverage[]; shortfall: string | undefined }> {
  const [listed, statistics] = await Promise.allSettled([
    coverage.listClusters(detectorId),
    coverage.statistics(detectorId),
  ]);
  if (listed.status === 'rejected') {
    if (listed.reason instanceof CoverageUnavailableError) throw listed.reason;
    throw new ResponderError(`ListCoverage failed for detector ${detectorId}`, { cause: listed.reason });
  }
  let counted: CoverageStatistics | undefined;
  if (statistics.status === 'fulfilled') counted = statistics.value;
  else {
    // Only the cross-check is lost: the listing itself is complete as far as anyone can tell.
    context.deps.logger.warn('coverage-statistics-failed', {
      eventId: context.trigger.eventId,
      detectorId,
      error: describeError(statistics.reason),
    });
  }
  return { clusters: listed.value, shortfall: listingShortfall(listed.value, counted) };
}

/** Per Region always (three metrics); per cluster only when configured (two metrics per cluster). */
function measure(context: InvocationContext, judged: readonly Judged[], counts: CoverageCounts): void {
  const { metrics, config, trigger } = context;
  metrics.count(CLUSTERS_COVERED_METRIC, counts.covered);
  metrics.count(CLUSTERS_UNHEALTHY_METRIC, counts.unhealthy);
  metrics.count(CLUSTERS_EXCLUDED_METRIC, counts.excluded);
  if (!config.coverageClusterMetrics) return;
  for (const { cluster, verdict } of judged) {
    if (verdict.state === 'excluded') continue;
    const dimensions = {
      Region: trigger.region,
      AccountId: cluster.accountId,
      ClusterName: cluster.clusterName,
    };
    metrics.point(CLUSTER_COVERAGE_HEALTHY_METRIC, verdict.state === 'covered' ? 1 : 0, 'None', dimensions);
    if (cluster.compatibleNodes !== undefined && cluster.compatibleNodes > 0) {
      const ratio = Math.min(1, (cluster.coveredNodes ?? 0) / cluster.compatibleNodes);
      metrics.point(CLUSTER_NODES_COVERED_METRIC, ratio, 'None', dimensions);
    }
  }
}

/** Unhealthy clusters the sweep logs one line each for (the dashboard's table); beyond it, a count. */
const LOGGED_CLUSTERS = 500;

/**
 * One `coverage-unhealthy-cluster` line per unhealthy cluster at every sweep: the dashboard's Logs Insights table
 * shows the latest per cluster, so a cluster still listed at the last sweep is one that is still unhealthy.
 */
function logUnhealthy(
  context: InvocationContext,
  judged: readonly Judged[],
  detectorId: string | undefined,
): void {
  const unhealthy = judged.filter((each) => each.verdict.state === 'unhealthy');
  const { logger } = context.deps;
  for (const { cluster, verdict } of unhealthy.slice(0, LOGGED_CLUSTERS)) {
    const step = nextStep(cluster, {
      region: context.trigger.region,
      responderAccountId: context.trigger.accountId,
      detectorId,
    });
    logger.warn('coverage-unhealthy-cluster', {
      eventId: context.trigger.eventId,
      region: context.trigger.region,
      accountId: cluster.accountId,
      clusterName: cluster.clusterName,
      issueKind: step.kind,
      // GuardDuty's text is free text: one line, cut short.
      issue: (cluster.issue ?? verdict.reason ?? '').replace(/[\p{Cc}\p{Zl}\p{Zp}]+/gu, ' ').slice(0, 300),
      coveredNodes: cluster.coveredNodes ?? null,
      compatibleNodes: cluster.compatibleNodes ?? null,
      addonVersion: cluster.addonVersion ?? null,
      managementType: cluster.managementType ?? null,
      updatedAt: cluster.updatedAt?.toISOString() ?? null,
    });
  }
  if (unhealthy.length > LOGGED_CLUSTERS) {
    logger.warn('coverage-unhealthy-clusters-not-logged', {
      eventId: context.trigger.eventId,
      notLogged: unhealthy.length - LOGGED_CLUSTERS,
    });
  }
}

/**
 * The clusters whose state differs from what was last reported (or whose reminder is due), claimed for this sweep.
 * A covered cluster is looked up only when its coverage changed within a record's lifetime: an older change cannot
 * have a record left to close.
 */
async function claimTransitions(
  context: InvocationContext,
  judged: readonly Judged[],
  observedAt: Date,
): Promise<Claimed[]> {
  const oldest = observedAt.getTime() - COVERAGE_CASE_TTL_SECONDS * 1000 - HOUR_MS;
  const candidates = judged.filter(
    ({ cluster, verdict }) =>
      verdict.state !== 'covered' || cluster.updatedAt === undefined || cluster.updatedAt.getTime() >= oldest,
  );
  const settled = await settleWithConcurrency(candidates, RECORD_CONCURRENCY, async (each) => {
    const target = targetOf(context, each.cluster);
    const record = await context.delivery.read(coverageRecordKey(target));
    if (!isDue(each.verdict.state, record, observedAt)) return undefined;
    const key = claimFor(context, target, each.verdict.state, observedAt);
    const claim = await context.delivery.claim(key);
    if (claim.claimed) return { ...each, key, previous: claim.previous };
    // An earlier attempt of this very sweep holds it (its Publish failed, its lease still runs): still ours to report.
    const existing = claim.existing;
    return existing?.owner === context.trigger.owner && existing.status === 'IN_PROGRESS'
      ? { ...each, key, previous: record }
      : undefined;
  });
  const claimed: Claimed[] = [];
  const failures: unknown[] = [];
  for (const result of settled) {
    if (result.status === 'rejected') failures.push(result.reason);
    else if (result.value) claimed.push(result.value);
  }
  if (failures.length > 0) {
    throw new ResponderError(`coverage state failed for ${failures.length} cluster(s)`, {
      cause: failures.length === 1 ? failures[0] : new AggregateError(failures),
    });
  }
  return claimed;
}

/**
 * Whether a sweep has news about a cluster: a state other than the one last reported, or an unhealthy one whose
 * reminder is due. A record settled after this sweep's read began knows more than the listing: it wins.
 */
export function isDue(state: CoverageState, record: ClaimRecord | undefined, observedAt: Date): boolean {
  const last = reported(record) ? record?.fingerprint : 'covered';
  if (record?.closedAt !== undefined && record.closedAt.getTime() > observedAt.getTime() && last !== state) {
    return false;
  }
  if (last !== state) return true;
  if (state === 'covered' || record === undefined) return false;
  if (record.status !== 'COMPLETED') return true;
  return record.claimableAt !== undefined && record.claimableAt.getTime() <= observedAt.getTime();
}

/** Settles each claimed cluster with the state it was reported in; a failure is logged, the lease runs out. */
async function closeAll(context: InvocationContext, claimed: readonly Claimed[]): Promise<void> {
  const now = context.deps.now();
  await settleWithConcurrency(claimed, RECORD_CONCURRENCY, (each) => {
    const settlement: CaseSettlement = {
      owner: context.trigger.owner,
      actor: undefined,
      fingerprint: each.verdict.state,
      claimableAt: claimableAfter(each.verdict.state, now),
    };
    return context.delivery.fold({
      claim: each.key,
      case: settlement,
      outcome: outcomeOf(each.verdict.state),
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Shared

/** Whether a record holds a reported state (unhealthy or excluded), as opposed to none or a recovery. */
function reported(record: ClaimRecord | undefined): boolean {
  return record?.fingerprint === 'unhealthy' || record?.fingerprint === 'excluded';
}

function targetOf(context: InvocationContext, cluster: ClusterCoverage): ClusterTarget {
  return { accountId: cluster.accountId, region: context.trigger.region, clusterName: cluster.clusterName };
}

function outcomeOf(state: CoverageState): CoverageReport['outcome'] {
  return state === 'covered'
    ? 'coverage-recovered'
    : state === 'excluded'
      ? 'coverage-excluded'
      : 'coverage-unhealthy';
}

function claimFor(
  context: InvocationContext,
  target: ClusterTarget,
  state: CoverageState,
  observedAt: Date,
): ClaimKey {
  return coverageCaseKey(target, {
    owner: context.trigger.owner,
    fingerprint: state,
    outcome: outcomeOf(state),
    observedAt,
  });
}

/**
 * From when the reported state may be reported again: an unhealthy cluster after a day (a reminder), an excluded one
 * when its record expires (a week), a recovered one at once (its next transition is news).
 */
function claimableAfter(state: CoverageState, now: Date): Date {
  const seconds =
    state === 'unhealthy' ? COVERAGE_REMINDER_SECONDS : state === 'excluded' ? COVERAGE_CASE_TTL_SECONDS : 0;
  return new Date(now.getTime() + seconds * 1000);
}

/** The alert line of a claimed transition; undefined for a recovery of something never reported (nothing to say). */
function lineOf(
  context: InvocationContext,
  claimed: Claimed,
  detectorId: string | undefined,
): CoverageLine | undefined {
  const { cluster, verdict, previous } = claimed;
  const step = nextStep(cluster, {
    region: context.trigger.region,
    responderAccountId: context.trigger.accountId,
    detectorId,
  });
  const was = reported(previous) ? previous?.fingerprint : undefined;
  const base = { cluster: clusterView(cluster), reason: verdict.reason, step };
  switch (verdict.state) {
    case 'covered':
      return was === undefined ? undefined : { ...base, change: 'recovered', previous: was.toUpperCase() };
    case 'excluded':
      return { ...base, change: 'excluded', previous: was?.toUpperCase() };
    case 'unhealthy':
      return {
        ...base,
        change: was === 'unhealthy' && previous?.status === 'COMPLETED' ? 'still-unhealthy' : 'unhealthy',
        previous: was?.toUpperCase(),
      };
  }
}

function clusterSummary(judged: Judged, change: string) {
  return { accountId: judged.cluster.accountId, clusterName: judged.cluster.clusterName, change };
}

function alertFacts(
  context: InvocationContext,
  lines: readonly CoverageLine[],
  sweep: Pick<CoverageAlertFacts, 'detectorId' | 'counts' | 'shortfall'>,
): CoverageAlertFacts {
  const { trigger, config } = context;
  return {
    accountId: trigger.accountId,
    region: trigger.region,
    mode: config.mode,
    scope: config.scope,
    trigger: trigger.scheduled ? 'sweep' : 'coverage',
    eventId: trigger.eventId,
    eventTime: trigger.eventTime,
    eventName: trigger.eventName,
    lines,
    ...sweep,
  };
}
