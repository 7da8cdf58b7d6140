/**
 * Organization target (the GuardDuty delegated administrator): the members and the organization's auto-enable
 * configuration. It reads, decides through the pure core (core/organization.ts), remediates in batches and
 * describes the facts as one digest; the pipeline (flow/case.ts) does the claiming, paging and settling.
 */
import { createHash } from 'node:crypto';
import { type AccountLine, type DigestFacts, type DigestOutcome, renderDigest } from '../alerts/digest.js';
import { loweredFeature } from '../core/auto-enable.js';
import { reducesProtection } from '../core/change.js';
import {
  COMPLIANCE_METRIC,
  DISABLE_DENIED_METRIC,
  DRIFT_DETECTED_METRIC,
  ORG_ACCOUNTS_EVALUATED_METRIC,
  ORG_ACCOUNTS_FAILED_METRIC,
  ORG_ACCOUNTS_NON_COMPLIANT_METRIC,
  ORG_ACCOUNTS_REMEDIATED_METRIC,
  ORG_AUTO_ENABLE_COMPLIANT_METRIC,
} from '../core/metrics.js';
import {
  batchRemediations,
  chunk,
  evaluateMember,
  evaluateOrganization,
  MEMBER_BATCH_SIZE,
  type MemberVerdict,
  type OrganizationConfiguration,
  type OrganizationEvaluation,
  planOrganization,
} from '../core/organization.js';
import type { ApiCallInput } from '../core/types.js';
import { describeError, OrganizationScopeError, ResponderError } from '../errors.js';
import type { OrganizationPort, RemediationRecord, UnprocessedAccount } from '../ports.js';
import { type CaseAct, runCase, runOwed } from './case.js';
import { alertContext, type InvocationContext } from './context.js';
import { type ClaimKey, driftKey, eventKey, ORGANIZATION_TARGET, organizationHistoryKey } from './keys.js';
import { settleWithConcurrency } from './pool.js';

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

/** What an organization event or sweep reads: which members (all associated ones, or those named) and the configuration. */
export interface OrganizationReading {
  readonly members: 'all' | readonly string[];
  readonly configuration: boolean;
}

/** Member reads and writes in flight at once: enough for 10,000 accounts in seconds, gentle on GuardDuty's limits. */
export const MEMBER_CONCURRENCY = 10;
const HOUR_MS = 60 * 60 * 1000;

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

/** What an organization-level API call asks the target to read. */
export function readingFor(input: ApiCallInput): OrganizationReading {
  return input.eventName === 'UpdateMemberDetectors'
    ? { members: input.memberAccountIds ?? [], configuration: false }
    : { members: [], configuration: true };
}

/** Reads, decides and acts for the organization part of an event or a sweep. */
export async function respondForOrganization(
  context: InvocationContext,
  organization: OrganizationPort,
  reading: OrganizationReading,
): Promise<OrganizationReport> {
  const adminDetectorId = await findAdminDetector(context);
  return decideAndAct(context, organization, await read(context, organization, adminDetectorId, reading));
}

/** A failed organization call: reported when it would have lowered protection, ignored otherwise. */
export function reportDeniedOrganizationCall(
  context: InvocationContext,
  input: ApiCallInput,
): Promise<OrganizationReport> {
  const { config, metrics } = context;
  const lowered = loweredFeature(
    input.organizationFeatures,
    config.autoEnableTarget,
    config.requireAgentManagement,
  );
  if (!reducesProtection(input.change, config.requireAgentManagement) && lowered === undefined) {
    return Promise.resolve(
      context.log(
        report({ outcome: 'ignored', reason: `the call failed with ${input.errorCode} and changed nothing` }),
      ),
    );
  }
  const claim = eventKey(input.eventId);
  const accounts = (input.memberAccountIds ?? []).map((accountId) => ({
    accountId,
    problems: input.change.summary,
  }));
  return runCase<OrganizationReport>(context, {
    claim,
    duplicate: () => report({ outcome: 'ignored', reason: `duplicate: ${claim.key} already handled` }),
    firstAttempt: () => metrics.count(DISABLE_DENIED_METRIC),
    pending: (_previous, messageId) =>
      report({ outcome: 'disable-denied', affectedAccounts: accounts.length, messageId }),
    act: async () => {
      const findings: Findings = {
        adminDetectorId: input.detectorId ?? '',
        evaluatedAccounts: accounts.length,
        verdicts: [],
        unreadable: [],
        organization: undefined,
      };
      const action = `Nothing: the call failed with ${input.errorCode}, so nothing changed.`;
      return digestAct(
        digestFacts(context, 'disable-denied', findings, accounts, undefined, action),
        (messageId) => report({ outcome: 'disable-denied', affectedAccounts: accounts.length, messageId }),
      );
    },
  });
}

async function findAdminDetector(context: InvocationContext): Promise<string> {
  const [id] = await context.detectorIds();
  if (id === undefined) {
    throw new OrganizationScopeError(
      `RESPONDER_SCOPE=organization, but account ${context.trigger.accountId} has no GuardDuty detector in ${context.trigger.region}: deploy organization scope in the delegated administrator account`,
    );
  }
  return id;
}

async function readConfiguration(
  context: InvocationContext,
  organization: OrganizationPort,
  adminDetectorId: string,
): Promise<Findings['organization']> {
  let configuration: OrganizationConfiguration;
  try {
    configuration = await organization.describeConfiguration(adminDetectorId);
  } catch (error) {
    if (error instanceof Error && error.name === 'BadRequestException') {
      throw new OrganizationScopeError(
        `RESPONDER_SCOPE=organization, but account ${context.trigger.accountId} is not the GuardDuty delegated administrator in ${context.trigger.region}: ${error.message}`,
        { cause: error },
      );
    }
    throw error;
  }
  const { autoEnableTarget, requireAgentManagement } = context.config;
  return {
    configuration,
    evaluation: evaluateOrganization(configuration, autoEnableTarget, requireAgentManagement),
  };
}

async function read(
  context: InvocationContext,
  organization: OrganizationPort,
  adminDetectorId: string,
  reading: OrganizationReading,
): Promise<Findings> {
  const configuration = reading.configuration
    ? await readConfiguration(context, organization, adminDetectorId)
    : undefined;
  const unreadable: AccountLine[] = [];
  let notEnabled = 0;
  let ids: readonly string[];
  if (reading.members === 'all') {
    const members = await organization.listMembers(adminDetectorId);
    ids = members
      .filter((member) => member.relationshipStatus === 'Enabled')
      .map((member) => member.accountId);
    for (const member of members) {
      if (member.relationshipStatus === 'Enabled') continue;
      notEnabled += 1;
      unreadable.push({
        accountId: member.accountId,
        problems: [`GuardDuty relationship is ${member.relationshipStatus}`],
        result: 'not remediable',
      });
    }
  } else {
    ids = reading.members;
  }
  const verdicts: MemberVerdict[] = [];
  const batches = await settleWithConcurrency(chunk(ids, MEMBER_BATCH_SIZE), MEMBER_CONCURRENCY, (batch) =>
    organization.getMemberDetectors(adminDetectorId, batch),
  );
  for (const batch of batches) {
    if (batch.status === 'rejected')
      throw new ResponderError('GetMemberDetectors failed', { cause: batch.reason });
    for (const member of batch.value.members)
      verdicts.push(evaluateMember(member, context.config.requireAgentManagement, context.trigger.change));
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
    organization: configuration,
  };
}

async function decideAndAct(
  context: InvocationContext,
  organization: OrganizationPort,
  findings: Findings,
): Promise<OrganizationReport> {
  const { config, deps, metrics } = context;
  const drifted = findings.verdicts.filter((verdict) => !verdict.evaluation.compliant);
  const organizationDrift =
    findings.organization !== undefined && !findings.organization.evaluation.compliant;
  const affected = drifted.length + findings.unreadable.length;
  const counts = { evaluatedAccounts: findings.evaluatedAccounts, affectedAccounts: affected };
  metrics.count(ORG_ACCOUNTS_EVALUATED_METRIC, findings.evaluatedAccounts);
  metrics.count(ORG_ACCOUNTS_NON_COMPLIANT_METRIC, affected);
  if (findings.organization) metrics.compliance(!organizationDrift, ORG_AUTO_ENABLE_COMPLIANT_METRIC);
  if (affected === 0 && !organizationDrift) {
    metrics.compliance(true, COMPLIANCE_METRIC);
    const owed = context.trigger.mayOweAlert ? await deliverOwed(context, findings) : undefined;
    return (
      owed ?? context.log(report({ outcome: 'compliant', evaluatedAccounts: findings.evaluatedAccounts }))
    );
  }

  let outcome: DigestOutcome = config.mode === 'notify' ? 'would-remediate' : 'remediate';
  const historyKey = organizationHistoryKey(context.trigger.accountId, context.trigger.region);
  // The circuit breaker counts per target (member account, or the organization configuration), as for a
  // detector: one account someone keeps switching off must not stop the repair of the others.
  let blocked = new Set<string>();
  if (outcome === 'remediate') {
    const since = new Date(deps.now().getTime() - HOUR_MS);
    const perAccount = await deps.store.remediationsPerAccountSince(historyKey, since);
    blocked = new Set(
      [...perAccount].filter(([, count]) => count >= config.maxRemediationsPerHour).map(([id]) => id),
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
  const claim = caseClaim(context, outcome, lines, findings, writable);
  const chosen = outcome;
  return runCase<OrganizationReport>(context, {
    claim,
    duplicate: (existing) => {
      metrics.compliance(false, COMPLIANCE_METRIC);
      return report({
        outcome: 'ignored',
        ...counts,
        reason: `duplicate: ${claim.key} is already ${existing?.status === 'COMPLETED' ? 'handled' : 'being handled'}`,
      });
    },
    firstAttempt: () => metrics.count(DRIFT_DETECTED_METRIC, affected + (organizationDrift ? 1 : 0)),
    pending: (_previous, messageId) => report({ outcome: chosen, ...counts, messageId }),
    act: async () => {
      if (chosen !== 'remediate') {
        metrics.compliance(false, COMPLIANCE_METRIC);
        const action =
          chosen === 'circuit-open'
            ? `Nothing: every target was already re-enabled ${config.maxRemediationsPerHour} times in the last hour (the limit); something keeps turning protection off.`
            : 'Nothing (notify mode). Remediate mode would re-enable each account with UpdateMemberDetectors (50 accounts per call) and restore the auto-enable setting.';
        return digestAct(digestFacts(context, chosen, findings, lines, undefined, action), (messageId) =>
          report({ outcome: chosen, ...counts, messageId }),
        );
      }
      return remediate(context, organization, {
        findings,
        drifted: drifted.filter((verdict) => !blocked.has(verdict.accountId)),
        lines,
        historyKey,
        restoreConfiguration: organizationDrift && !blocked.has(CONFIGURATION_TARGET),
      });
    },
  });
}

/** Everything reads compliant: an earlier attempt of this delivery may still owe its digest. */
function deliverOwed(
  context: InvocationContext,
  findings: Findings,
): Promise<OrganizationReport | undefined> {
  const owedReport = (messageId: string) =>
    report({
      outcome: 'remediate',
      evaluatedAccounts: findings.evaluatedAccounts,
      messageId,
      reason: 'delivered what a previous attempt owed',
    });
  return runOwed(context, {
    claim: context.trigger.caseKey(ORGANIZATION_TARGET),
    pending: (_previous, messageId) => owedReport(messageId),
    back: () =>
      digestAct(
        digestFacts(
          context,
          'remediate',
          findings,
          [],
          findings.organization ? 'remediated' : undefined,
          'An earlier attempt could not re-enable every target; this retry finds every member and the ' +
            'organization configuration protected again.',
        ),
        owedReport,
      ),
  });
}

interface RemediationWork {
  readonly findings: Findings;
  readonly drifted: readonly MemberVerdict[];
  readonly lines: readonly AccountLine[];
  readonly historyKey: string;
  readonly restoreConfiguration: boolean;
}

/** Restores the configuration and re-enables the members, reads back, and says what to page. */
async function remediate(
  context: InvocationContext,
  organization: OrganizationPort,
  work: RemediationWork,
): Promise<CaseAct<OrganizationReport>> {
  const { config, deps, metrics, trigger } = context;
  const { findings } = work;
  const { adminDetectorId } = findings;
  const actions: string[] = [];
  // The SDK errors themselves (not only their text), kept as the cause of a failed run.
  const errors: unknown[] = [];
  let organizationResult: DigestFacts['organizationResult'];
  if (findings.organization && work.restoreConfiguration) {
    const lowered = loweredFeature(
      trigger.organizationFeatures,
      config.autoEnableTarget,
      config.requireAgentManagement,
    );
    const plan = planOrganization(
      findings.organization.configuration,
      findings.organization.evaluation,
      config.autoEnableTarget,
      config.requireAgentManagement,
      lowered,
    );
    try {
      await organization.updateConfiguration(adminDetectorId, plan);
      const after = await organization.describeConfiguration(adminDetectorId);
      organizationResult = evaluateOrganization(after, config.autoEnableTarget, config.requireAgentManagement)
        .compliant
        ? 'remediated'
        : 'failed';
    } catch (error) {
      errors.push(error);
      deps.logger.error('organization-configuration-failed', {
        eventId: trigger.eventId,
        error: describeError(error),
      });
      organizationResult = 'failed';
    }
    actions.push(
      `UpdateOrganizationConfiguration ${plan.feature.name} auto-enable → ${plan.feature.autoEnable}: ${organizationResult}`,
    );
  }

  const { batches, confirmed, failed } = await remediateMembers(
    context,
    organization,
    adminDetectorId,
    work,
    errors,
  );
  if (batches.length > 0) {
    actions.push(
      `UpdateMemberDetectors in ${batches.length} call(s): ${confirmed.size} account(s) re-enabled, ${failed.size} failed`,
    );
  }

  const resultLines: AccountLine[] = work.lines.map((line) =>
    confirmed.has(line.accountId)
      ? { ...line, result: 'remediated' }
      : failed.has(line.accountId)
        ? { ...line, result: 'failed', detail: failed.get(line.accountId) }
        : line,
  );
  const failures = failed.size + (organizationResult === 'failed' ? 1 : 0);
  const remaining = resultLines.filter((line) => line.result !== 'remediated').length;
  metrics.count(ORG_ACCOUNTS_REMEDIATED_METRIC, confirmed.size);
  metrics.count(ORG_ACCOUNTS_FAILED_METRIC, failed.size);
  metrics.compliance(remaining === 0 && organizationResult !== 'failed', COMPLIANCE_METRIC);

  const facts = digestFacts(
    context,
    'remediate',
    findings,
    resultLines,
    organizationResult,
    `${actions.join('; ') || 'Nothing could be re-enabled automatically'}.`,
  );
  const changed = [
    ...batches.flatMap((batch) => batch.accountIds),
    ...(organizationResult === undefined ? [] : [CONFIGURATION_TARGET]),
  ];
  const remediation: RemediationRecord | undefined =
    changed.length === 0
      ? undefined
      : {
          detectorKey: work.historyKey,
          at: deps.now(),
          eventId: trigger.eventId,
          generation: batches[0]?.feature.name ?? 'organization-configuration',
          actor: trigger.historyActor,
          accounts: changed,
        };
  const outcomeReport = (messageId: string | undefined) =>
    report({
      outcome: 'remediate',
      evaluatedAccounts: findings.evaluatedAccounts,
      affectedAccounts: work.lines.length,
      remediatedAccounts: confirmed.size,
      failedAccounts: failures,
      circuitOpenAccounts: work.lines.filter((line) => line.result === 'circuit open').length,
      ...(messageId !== undefined ? { messageId } : {}),
    });
  if (failures === 0) return digestAct(facts, outcomeReport, remediation);
  const reasons = [...failed].slice(0, 10).map(([accountId, reason]) => `${accountId}: ${reason}`);
  if (organizationResult === 'failed') reasons.unshift('organization configuration: not restored');
  return {
    status: 'failed',
    failure: { outcome: 'remediate', rendered: renderDigest(facts), remediation },
    error: new ResponderError(
      `organization remediation failed for ${failures} target(s): ${reasons.join('; ')}`,
      {
        cause: errors.length > 0 ? new AggregateError(errors, 'the AWS calls that failed') : undefined,
      },
    ),
    report: outcomeReport,
  };
}

/** One UpdateMemberDetectors per batch of 50 with the same feature entry, then a read-back of what went through. */
async function remediateMembers(
  context: InvocationContext,
  organization: OrganizationPort,
  adminDetectorId: string,
  work: RemediationWork,
  errors: unknown[],
) {
  const batches = batchRemediations(work.drifted);
  // A call can succeed while accounts fail: its unprocessed accounts are failures too.
  const failed = new Map<string, string>();
  const results = await settleWithConcurrency(batches, MEMBER_CONCURRENCY, (batch) =>
    organization.updateMemberDetectors(adminDetectorId, batch.accountIds, batch.feature),
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
    organization.getMemberDetectors(adminDetectorId, batch),
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
      if (evaluateMember(member, context.config.requireAgentManagement, undefined).evaluation.compliant) {
        confirmed.add(member.accountId);
      }
    }
    for (const accountId of batch) {
      if (!confirmed.has(accountId) && !failed.has(accountId))
        failed.set(accountId, 'read back: still not compliant');
    }
  });
  return { batches, confirmed, failed };
}

/** The digest to page, and the decision line it becomes once published. */
function digestAct(
  facts: DigestFacts,
  toReport: (messageId: string) => OrganizationReport,
  remediation?: RemediationRecord,
): Extract<CaseAct<OrganizationReport>, { status: 'alert' }> {
  return {
    status: 'alert',
    alert: { outcome: facts.outcome, rendered: renderDigest(facts), remediation },
    report: toReport,
  };
}

function report(
  fields: Omit<OrganizationReport, 'scope' | 'evaluatedAccounts' | 'affectedAccounts'> &
    Partial<Pick<OrganizationReport, 'evaluatedAccounts' | 'affectedAccounts'>>,
): OrganizationReport {
  return { scope: 'organization', evaluatedAccounts: 0, affectedAccounts: 0, ...fields };
}

function digestFacts(
  context: InvocationContext,
  outcome: DigestOutcome,
  findings: Findings,
  accounts: readonly AccountLine[],
  organizationResult: DigestFacts['organizationResult'],
  action: string,
): DigestFacts {
  return {
    ...alertContext(context.trigger),
    outcome,
    adminDetectorId: findings.adminDetectorId || null,
    mode: context.config.mode,
    evaluatedAccounts: findings.evaluatedAccounts,
    accounts,
    organizationProblems: findings.organization?.evaluation.problems ?? [],
    organizationResult,
    action,
  };
}

/** Events claim their own id; a sweep claims its run when it remediates, else the drift itself (a page a day). */
function caseClaim(
  context: InvocationContext,
  outcome: DigestOutcome,
  lines: readonly AccountLine[],
  findings: Findings,
  writable: boolean,
): ClaimKey {
  if (context.trigger.standingDrift === 'per-trigger' || (outcome === 'remediate' && writable))
    return context.trigger.caseKey(ORGANIZATION_TARGET);
  const fingerprint = createHash('sha256')
    .update(
      JSON.stringify([
        lines.map((line) => [line.accountId, line.problems]),
        findings.organization?.evaluation.problems ?? [],
      ]),
    )
    .digest('hex')
    .slice(0, 32);
  return driftKey({
    accountId: context.trigger.accountId,
    region: context.trigger.region,
    target: ORGANIZATION_TARGET,
    outcome,
    fingerprint,
  });
}
