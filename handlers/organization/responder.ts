import { createHash } from 'node:crypto';
import type { MetricsPort } from '../adapters/cloudwatch.js';
import type { GuardDutyPort } from '../adapters/guardduty.js';
import type { OrganizationPort, UnprocessedAccount } from '../adapters/guardduty-organization.js';
import type { NotifierPort } from '../adapters/sns.js';
import type { ClaimRecord, RemediationRecord, StateStorePort } from '../adapters/state-store.js';
import { reducesProtection } from '../core/change.js';
import {
  COMPLIANCE_METRIC,
  DISABLE_DENIED_METRIC,
  DRIFT_DETECTED_METRIC,
  MetricBatch,
  ORG_ACCOUNTS_EVALUATED_METRIC,
  ORG_ACCOUNTS_FAILED_METRIC,
  ORG_ACCOUNTS_NON_COMPLIANT_METRIC,
  ORG_ACCOUNTS_REMEDIATED_METRIC,
  ORG_AUTO_ENABLE_COMPLIANT_METRIC,
} from '../core/metrics.js';
import { eventContext } from '../core/notification.js';
import type { ApiCallInput, ResponderConfig, ResponderInput } from '../core/types.js';
import {
  Delivery,
  describeError,
  EVENT_CLAIM_TTL_SECONDS,
  flushMetrics,
  type LogPort,
  ResponderError,
  settleWithConcurrency,
} from '../delivery.js';
import {
  batchRemediations,
  chunk,
  evaluateMember,
  evaluateOrganization,
  loweredFeature,
  MEMBER_BATCH_SIZE,
  type MemberVerdict,
  type OrganizationConfiguration,
  type OrganizationEvaluation,
  planOrganization,
} from './core.js';
import { type AccountLine, type DigestFacts, type DigestOutcome, renderDigest } from './digest.js';

export interface OrganizationDeps {
  readonly guardDuty: GuardDutyPort;
  readonly organization: OrganizationPort;
  readonly notifier: NotifierPort;
  readonly metrics: MetricsPort;
  readonly store: StateStorePort;
  readonly logger: LogPort;
  readonly now: () => Date;
}

export interface OrganizationReport {
  readonly outcome: DigestOutcome | 'compliant' | 'ignored';
  readonly scope: 'organization';
  readonly evaluatedAccounts: number;
  readonly affectedAccounts: number;
  readonly remediatedAccounts?: number;
  readonly failedAccounts?: number;
  /** Accounts left alone because they were re-enabled MAX_REMEDIATIONS_PER_HOUR times in the last hour. */
  readonly circuitOpenAccounts?: number;
  readonly reason?: string;
  readonly messageId?: string;
}

/** The organization scope needs the GuardDuty delegated administrator account. */
export class OrganizationScopeError extends Error {
  override readonly name = 'OrganizationScopeError';
}

/** Member reads and writes in flight at once: enough for 10,000 accounts in seconds, gentle on GuardDuty's limits. */
export const MEMBER_CONCURRENCY = 10;
const HOUR_MS = 60 * 60 * 1000;
const DRIFT_TTL_SECONDS = 24 * 60 * 60;

/** The circuit breaker's name for the organization's auto-enable configuration, beside the member accounts. */
const CONFIGURATION_TARGET = 'organization-configuration';

/** Members and the organization configuration, as read for one event or sweep. */
interface Findings {
  readonly adminDetectorId: string;
  readonly evaluatedAccounts: number;
  readonly verdicts: readonly MemberVerdict[];
  readonly unreadable: readonly AccountLine[];
  readonly organization:
    | { readonly configuration: OrganizationConfiguration; readonly evaluation: OrganizationEvaluation }
    | undefined;
}

/** Handles an organization-level event or the organization part of a sweep, in the delegated administrator account. */
export async function respondForOrganization(
  input: ResponderInput,
  deps: OrganizationDeps,
  config: ResponderConfig,
  leaseMs: number,
): Promise<OrganizationReport> {
  const run = new OrganizationRun(input, deps, config, leaseMs);
  try {
    return await run.handle();
  } finally {
    await run.flushMetrics();
  }
}

class OrganizationRun {
  private readonly metricBatch: MetricBatch;
  private readonly delivery: Delivery;

  constructor(
    private readonly input: ResponderInput,
    private readonly deps: OrganizationDeps,
    private readonly config: ResponderConfig,
    leaseMs: number,
  ) {
    this.metricBatch = new MetricBatch(input.region, deps.now);
    this.delivery = new Delivery(deps.store, deps.notifier, deps.logger, deps.now, leaseMs, input.eventId);
  }

  async handle(): Promise<OrganizationReport> {
    const input = this.input;
    if (input.kind === 'api-call' && input.errorCode !== undefined) return this.reportDenied(input);
    const adminDetectorId = await this.adminDetectorId();
    if (input.kind === 'sweep') return this.evaluate(await this.read(adminDetectorId, undefined, true));
    if (input.eventName === 'UpdateMemberDetectors') {
      return this.evaluate(await this.read(adminDetectorId, input.memberAccountIds ?? [], false));
    }
    return this.evaluate(await this.read(adminDetectorId, [], true));
  }

  flushMetrics(): Promise<void> {
    // Metrics never block a remediation or an alert: both are done by now.
    return flushMetrics(this.metricBatch.points, this.deps.metrics, this.deps.logger, this.input.eventId);
  }

  private async adminDetectorId(): Promise<string> {
    const [id] = await this.deps.guardDuty.listDetectorIds();
    if (id === undefined) {
      throw new OrganizationScopeError(
        `RESPONDER_SCOPE=organization, but account ${this.input.accountId} has no GuardDuty detector in ${this.input.region}: deploy organization scope in the delegated administrator account`,
      );
    }
    return id;
  }

  /** Reads the named members (all associated members when `accountIds` is undefined) and, if asked, the configuration. */
  private async read(
    adminDetectorId: string,
    accountIds: readonly string[] | undefined,
    withConfiguration: boolean,
  ): Promise<Findings> {
    let organization: Findings['organization'];
    if (withConfiguration) {
      let configuration: OrganizationConfiguration;
      try {
        configuration = await this.deps.organization.describeConfiguration(adminDetectorId);
      } catch (error) {
        if (error instanceof Error && error.name === 'BadRequestException') {
          throw new OrganizationScopeError(
            `RESPONDER_SCOPE=organization, but account ${this.input.accountId} is not the GuardDuty delegated administrator in ${this.input.region}: ${error.message}`,
            { cause: error },
          );
        }
        throw error;
      }
      organization = {
        configuration,
        evaluation: evaluateOrganization(
          configuration,
          this.config.autoEnableTarget,
          this.config.requireAgentManagement,
        ),
      };
    }

    const unreadable: AccountLine[] = [];
    let notEnabled = 0;
    let ids = accountIds;
    if (ids === undefined) {
      const members = await this.deps.organization.listMembers(adminDetectorId);
      ids = members
        .filter((member) => member.relationshipStatus === 'Enabled')
        .map((member) => member.accountId);
      for (const member of members) {
        if (member.relationshipStatus !== 'Enabled') {
          notEnabled += 1;
          unreadable.push({
            accountId: member.accountId,
            problems: [`GuardDuty relationship is ${member.relationshipStatus}`],
            result: 'not remediable',
          });
        }
      }
    }
    const change = this.input.kind === 'api-call' ? this.input.change : undefined;
    const verdicts: MemberVerdict[] = [];
    const batches = await settleWithConcurrency(chunk(ids, MEMBER_BATCH_SIZE), MEMBER_CONCURRENCY, (batch) =>
      this.deps.organization.getMemberDetectors(adminDetectorId, batch),
    );
    for (const batch of batches) {
      if (batch.status === 'rejected')
        throw new ResponderError('GetMemberDetectors failed', { cause: batch.reason });
      for (const member of batch.value.members)
        verdicts.push(evaluateMember(member, this.config.requireAgentManagement, change));
      for (const entry of batch.value.unprocessed) {
        unreadable.push({
          accountId: entry.accountId,
          problems: [`GetMemberDetectors could not read it: ${entry.reason}`],
        });
      }
    }
    return {
      adminDetectorId,
      // Unprocessed accounts are among `ids` already; members whose GuardDuty is not enabled are not.
      evaluatedAccounts: ids.length + notEnabled,
      verdicts,
      unreadable,
      organization,
    };
  }

  private async evaluate(findings: Findings): Promise<OrganizationReport> {
    const drifted = findings.verdicts.filter((verdict) => !verdict.evaluation.compliant);
    const organizationDrift =
      findings.organization !== undefined && !findings.organization.evaluation.compliant;
    const affected = drifted.length + findings.unreadable.length;
    this.metricBatch.count(ORG_ACCOUNTS_EVALUATED_METRIC, findings.evaluatedAccounts);
    this.metricBatch.count(ORG_ACCOUNTS_NON_COMPLIANT_METRIC, affected);
    if (findings.organization)
      this.metricBatch.compliance(!organizationDrift, ORG_AUTO_ENABLE_COMPLIANT_METRIC);
    if (affected === 0 && !organizationDrift) {
      this.metricBatch.compliance(true, COMPLIANCE_METRIC);
      const owed = await this.deliverOwedDigest(findings);
      if (owed) return owed;
      return this.log({
        outcome: 'compliant',
        scope: 'organization',
        evaluatedAccounts: findings.evaluatedAccounts,
        affectedAccounts: 0,
      });
    }

    let outcome: DigestOutcome = this.config.mode === 'notify' ? 'would-remediate' : 'remediate';
    const historyKey = `organization#${this.input.accountId}#${this.input.region}`;
    // The circuit breaker counts per target (member account, or the organization configuration), as for a
    // detector: one account someone keeps switching off must not stop the repair of the others.
    let blocked = new Set<string>();
    if (outcome === 'remediate') {
      const since = new Date(this.deps.now().getTime() - HOUR_MS);
      const counts = await this.deps.store.remediationsPerAccountSince(historyKey, since);
      blocked = new Set(
        [...counts].filter(([, count]) => count >= this.config.maxRemediationsPerHour).map(([id]) => id),
      );
      const targets = [
        ...drifted.map((verdict) => verdict.accountId),
        ...(organizationDrift ? [CONFIGURATION_TARGET] : []),
      ];
      if (targets.length > 0 && targets.every((target) => blocked.has(target))) outcome = 'circuit-open';
    }
    const lines: AccountLine[] = [
      ...drifted.map((verdict) =>
        blocked.has(verdict.accountId)
          ? {
              accountId: verdict.accountId,
              problems: verdict.evaluation.problems,
              result: 'circuit open' as const,
            }
          : { accountId: verdict.accountId, problems: verdict.evaluation.problems },
      ),
      ...findings.unreadable,
    ];
    // Nothing to write (only members that cannot be re-enabled): a standing report, paged once a day.
    const writable =
      drifted.some((verdict) => !blocked.has(verdict.accountId)) ||
      (organizationDrift && !blocked.has(CONFIGURATION_TARGET));
    const [key, ttl] = this.dedupeKey(outcome, lines, findings, writable);
    const claim = await this.delivery.claim(key, ttl);
    if (!claim.claimed) {
      this.metricBatch.compliance(false, COMPLIANCE_METRIC);
      return this.log({
        outcome: 'ignored',
        scope: 'organization',
        evaluatedAccounts: findings.evaluatedAccounts,
        affectedAccounts: affected,
        reason: `duplicate: ${key} is already ${claim.existing?.status === 'COMPLETED' ? 'handled' : 'being handled'}`,
      });
    }
    this.metricBatch.count(DRIFT_DETECTED_METRIC, affected + (organizationDrift ? 1 : 0));
    if (claim.previous?.pendingNotification) {
      const messageId = await this.delivery.deliverPending(key, ttl, claim.previous);
      return this.log({
        outcome,
        scope: 'organization',
        evaluatedAccounts: findings.evaluatedAccounts,
        affectedAccounts: affected,
        messageId,
      });
    }

    if (outcome !== 'remediate') {
      this.metricBatch.compliance(false, COMPLIANCE_METRIC);
      const action =
        outcome === 'circuit-open'
          ? `Nothing: every target was already re-enabled ${this.config.maxRemediationsPerHour} times in the last hour (the limit); something keeps turning protection off.`
          : 'Nothing (notify mode). Remediate mode would re-enable each account with UpdateMemberDetectors (50 accounts per call) and restore the auto-enable setting.';
      const facts = this.facts(outcome, findings, lines, undefined, action);
      const messageId = await this.delivery.alert(key, ttl, outcome, renderDigest(facts));
      return this.log({
        outcome,
        scope: 'organization',
        evaluatedAccounts: findings.evaluatedAccounts,
        affectedAccounts: affected,
        messageId,
      });
    }
    return this.remediate(
      findings,
      drifted.filter((verdict) => !blocked.has(verdict.accountId)),
      lines,
      key,
      ttl,
      historyKey,
      claim.previous,
      organizationDrift && !blocked.has(CONFIGURATION_TARGET),
    );
  }

  /**
   * Everything reads compliant, but this delivery may be the retry of a run that still owes a digest: its
   * remediation went through and its Publish failed (the digest is kept), or it could not re-enable every target
   * (failure paged, or not even that) and protection is back now.
   */
  private async deliverOwedDigest(findings: Findings): Promise<OrganizationReport | undefined> {
    const key =
      this.input.kind === 'api-call'
        ? `event#${this.input.eventId}`
        : `sweep#${this.input.eventId}#organization`;
    const previous = await this.delivery.claimOwed(key, EVENT_CLAIM_TTL_SECONDS);
    if (previous === undefined) return undefined;
    const messageId = previous.pendingNotification
      ? await this.delivery.deliverPending(key, EVENT_CLAIM_TTL_SECONDS, previous)
      : await this.delivery.alert(
          key,
          EVENT_CLAIM_TTL_SECONDS,
          'remediate',
          renderDigest(
            this.facts(
              'remediate',
              findings,
              [],
              findings.organization ? 'remediated' : undefined,
              'An earlier attempt could not re-enable every target; this retry finds every member and the ' +
                'organization configuration protected again.',
            ),
          ),
        );
    return this.log({
      outcome: 'remediate',
      scope: 'organization',
      evaluatedAccounts: findings.evaluatedAccounts,
      affectedAccounts: 0,
      messageId,
      reason: 'delivered what a previous attempt owed',
    });
  }

  private async remediate(
    findings: Findings,
    drifted: readonly MemberVerdict[],
    lines: AccountLine[],
    key: string,
    ttl: number,
    historyKey: string,
    previous: ClaimRecord | undefined,
    restoreConfiguration: boolean,
  ): Promise<OrganizationReport> {
    const { adminDetectorId } = findings;
    let organizationResult: DigestFacts['organizationResult'];
    const actions: string[] = [];
    // The SDK errors themselves (not only their text), kept as the cause of a failed run.
    const errors: unknown[] = [];
    if (findings.organization && restoreConfiguration) {
      const lowered =
        this.input.kind === 'api-call'
          ? loweredFeature(
              this.input.organizationFeatures,
              this.config.autoEnableTarget,
              this.config.requireAgentManagement,
            )
          : undefined;
      const plan = planOrganization(
        findings.organization.configuration,
        findings.organization.evaluation,
        this.config.autoEnableTarget,
        this.config.requireAgentManagement,
        lowered,
      );
      try {
        await this.deps.organization.updateConfiguration(adminDetectorId, plan);
        const after = await this.deps.organization.describeConfiguration(adminDetectorId);
        organizationResult = evaluateOrganization(
          after,
          this.config.autoEnableTarget,
          this.config.requireAgentManagement,
        ).compliant
          ? 'remediated'
          : 'failed';
      } catch (error) {
        errors.push(error);
        this.deps.logger.error('organization-configuration-failed', {
          eventId: this.input.eventId,
          error: describeError(error),
        });
        organizationResult = 'failed';
      }
      actions.push(
        `UpdateOrganizationConfiguration ${plan.feature.name} auto-enable → ${plan.feature.autoEnable}: ${organizationResult}`,
      );
    }

    // One UpdateMemberDetectors per batch of 50 with the same feature entry; a call can succeed while accounts fail.
    const batches = batchRemediations(drifted);
    const failed = new Map<string, string>();
    const results = await settleWithConcurrency(batches, MEMBER_CONCURRENCY, (batch) =>
      this.deps.organization.updateMemberDetectors(adminDetectorId, batch.accountIds, batch.feature),
    );
    results.forEach((result, index) => {
      const batch = batches[index];
      if (!batch) return;
      if (result.status === 'rejected') errors.push(result.reason);
      const unprocessed: UnprocessedAccount[] =
        result.status === 'fulfilled'
          ? result.value
          : batch.accountIds.map((accountId) => ({ accountId, reason: describeError(result.reason) }));
      for (const entry of unprocessed) failed.set(entry.accountId, entry.reason);
    });
    const attempted = batches
      .flatMap((batch) => batch.accountIds)
      .filter((accountId) => !failed.has(accountId));
    const readBackBatches = chunk(attempted, MEMBER_BATCH_SIZE);
    const readBack = await settleWithConcurrency(readBackBatches, MEMBER_CONCURRENCY, (batch) =>
      this.deps.organization.getMemberDetectors(adminDetectorId, batch),
    );
    const confirmed = new Set<string>();
    readBack.forEach((result, index) => {
      const batch = readBackBatches[index] ?? [];
      if (result.status === 'rejected') {
        errors.push(result.reason);
        for (const accountId of batch)
          failed.set(accountId, `read back failed: ${describeError(result.reason)}`);
        return;
      }
      for (const member of result.value.members) {
        if (evaluateMember(member, this.config.requireAgentManagement, undefined).evaluation.compliant) {
          confirmed.add(member.accountId);
        }
      }
      for (const accountId of batch) {
        if (!confirmed.has(accountId) && !failed.has(accountId))
          failed.set(accountId, 'read back: still not compliant');
      }
    });
    if (batches.length > 0) {
      actions.push(
        `UpdateMemberDetectors in ${batches.length} call(s): ${confirmed.size} account(s) re-enabled, ${failed.size} failed`,
      );
    }

    const resultLines: AccountLine[] = lines.map((line) =>
      confirmed.has(line.accountId)
        ? { ...line, result: 'remediated' }
        : failed.has(line.accountId)
          ? { ...line, result: 'failed', detail: failed.get(line.accountId) }
          : line,
    );
    const failures = failed.size + (organizationResult === 'failed' ? 1 : 0);
    const remaining = resultLines.filter((line) => line.result !== 'remediated').length;
    this.metricBatch.count(ORG_ACCOUNTS_REMEDIATED_METRIC, confirmed.size);
    this.metricBatch.count(ORG_ACCOUNTS_FAILED_METRIC, failed.size);
    this.metricBatch.compliance(remaining === 0 && organizationResult !== 'failed', COMPLIANCE_METRIC);

    const facts = this.facts(
      'remediate',
      findings,
      resultLines,
      organizationResult,
      `${actions.join('; ') || 'Nothing could be re-enabled automatically'}.`,
    );
    const rendered = renderDigest(facts);
    const changed = [
      ...batches.flatMap((batch) => batch.accountIds),
      ...(organizationResult === undefined ? [] : [CONFIGURATION_TARGET]),
    ];
    const remediation: RemediationRecord | undefined =
      changed.length === 0
        ? undefined
        : {
            detectorKey: historyKey,
            at: this.deps.now(),
            eventId: this.input.eventId,
            generation: batches[0]?.feature.name ?? 'organization-configuration',
            actor:
              this.input.kind === 'api-call'
                ? (this.input.actor.principalArn ?? 'unknown')
                : 'scheduled sweep',
            accounts: changed,
          };
    const report = {
      outcome: 'remediate' as const,
      scope: 'organization' as const,
      evaluatedAccounts: findings.evaluatedAccounts,
      affectedAccounts: lines.length,
      remediatedAccounts: confirmed.size,
      failedAccounts: failures,
      circuitOpenAccounts: lines.filter((line) => line.result === 'circuit open').length,
    };
    if (failures > 0) {
      const messageId = await this.delivery.failure(key, ttl, 'remediate', rendered, previous, remediation);
      this.log({ ...report, ...(messageId ? { messageId } : {}) });
      const reasons = [...failed].slice(0, 10).map(([accountId, reason]) => `${accountId}: ${reason}`);
      if (organizationResult === 'failed') reasons.unshift('organization configuration: not restored');
      throw new ResponderError(
        `organization remediation failed for ${failures} target(s): ${reasons.join('; ')}`,
        {
          cause: errors.length > 0 ? new AggregateError(errors, 'the AWS calls that failed') : undefined,
        },
      );
    }
    const messageId = await this.delivery.alert(key, ttl, 'remediate', rendered, remediation);
    return this.log({ ...report, messageId });
  }

  private async reportDenied(input: ApiCallInput): Promise<OrganizationReport> {
    const lowered = loweredFeature(
      input.organizationFeatures,
      this.config.autoEnableTarget,
      this.config.requireAgentManagement,
    );
    const reduces =
      reducesProtection(input.change, this.config.requireAgentManagement) || lowered !== undefined;
    if (!reduces) {
      return this.log({
        outcome: 'ignored',
        scope: 'organization',
        evaluatedAccounts: 0,
        affectedAccounts: 0,
        reason: `the call failed with ${input.errorCode} and changed nothing`,
      });
    }
    const key = `event#${input.eventId}`;
    const claim = await this.delivery.claim(key, EVENT_CLAIM_TTL_SECONDS);
    if (!claim.claimed) {
      return this.log({
        outcome: 'ignored',
        scope: 'organization',
        evaluatedAccounts: 0,
        affectedAccounts: 0,
        reason: `duplicate: ${key} already handled`,
      });
    }
    this.metricBatch.count(DISABLE_DENIED_METRIC);
    const accounts = (input.memberAccountIds ?? []).map((accountId) => ({
      accountId,
      problems: input.change.summary,
    }));
    const facts: DigestFacts = {
      ...this.facts(
        'disable-denied',
        {
          adminDetectorId: input.detectorId ?? '',
          evaluatedAccounts: accounts.length,
          verdicts: [],
          unreadable: [],
          organization: undefined,
        },
        accounts,
        undefined,
        `Nothing: the call failed with ${input.errorCode}, so nothing changed.`,
      ),
    };
    const messageId = await this.delivery.alert(
      key,
      EVENT_CLAIM_TTL_SECONDS,
      'disable-denied',
      renderDigest(facts),
    );
    return this.log({
      outcome: 'disable-denied',
      scope: 'organization',
      evaluatedAccounts: 0,
      affectedAccounts: accounts.length,
      messageId,
    });
  }

  private facts(
    outcome: DigestOutcome,
    findings: Findings,
    accounts: readonly AccountLine[],
    organizationResult: DigestFacts['organizationResult'],
    action: string,
  ): DigestFacts {
    return {
      ...eventContext(this.input),
      outcome,
      adminDetectorId: findings.adminDetectorId || null,
      mode: this.config.mode,
      evaluatedAccounts: findings.evaluatedAccounts,
      accounts,
      organizationProblems: findings.organization?.evaluation.problems ?? [],
      organizationResult,
      action,
    };
  }

  /** Events dedupe on their id; sweeps on the run when remediating, else on the drift itself (a page a day). */
  private dedupeKey(
    outcome: DigestOutcome,
    lines: readonly AccountLine[],
    findings: Findings,
    writable: boolean,
  ): [string, number] {
    if (this.input.kind === 'api-call') return [`event#${this.input.eventId}`, EVENT_CLAIM_TTL_SECONDS];
    if (outcome === 'remediate' && writable)
      return [`sweep#${this.input.eventId}#organization`, EVENT_CLAIM_TTL_SECONDS];
    const fingerprint = createHash('sha256')
      .update(
        JSON.stringify([
          lines.map((line) => [line.accountId, line.problems]),
          findings.organization?.evaluation.problems ?? [],
        ]),
      )
      .digest('hex')
      .slice(0, 32);
    return [
      `drift#${this.input.accountId}#${this.input.region}#organization#${outcome}#${fingerprint}`,
      DRIFT_TTL_SECONDS,
    ];
  }

  private log(report: OrganizationReport): OrganizationReport {
    const fields = {
      eventId: this.input.eventId,
      trigger: this.input.kind,
      mode: this.config.mode,
      ...report,
    };
    if (report.outcome === 'compliant' || report.outcome === 'ignored')
      this.deps.logger.info('decision', fields);
    else this.deps.logger.warn('decision', fields);
    return report;
  }
}
