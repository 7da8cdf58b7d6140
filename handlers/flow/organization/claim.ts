/** The organization's case: the claim a trigger takes for what it read, and the digest an earlier attempt owes. */
import { createHash } from 'node:crypto';

import type { AccountLine, DigestOutcome } from '../../alerts/digest.js';

import { runOwed } from '../case.js';

import type { InvocationContext } from '../context.js';

import { decodeIntent, encodeIntent } from '../intent.js';

import {
  type ClaimKey,
  caseKey,
  caseRecordKey,
  ORGANIZATION_TARGET,
  organizationHistoryKey,
} from '../keys.js';

import { claimedMemberFindings } from '../member-findings.js';
import {
  CONFIGURATION_TARGET,
  digestAct,
  digestFacts,
  membersOf,
  type OrganizationReport,
  report,
} from './describe.js';

import type { Findings } from './read.js';

/** Everything reads compliant: an earlier attempt (crashed, unpublished, unconfirmed) may still owe its digest. */
export async function deliverOwed(
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
  const { accountId, region } = context.trigger;
  const claim = caseRecordKey({ accountId, region, target: ORGANIZATION_TARGET });
  return runOwed(context, {
    claim,
    pending: (_previous, messageId) => owedReport(messageId),
    back: (previous) => {
      const intent = decodeIntent(previous.intent);
      const action = intent
        ? `Restored by the responder at ${intent.at} (${intent.action}); this digest was delayed by a failed ` +
          'invocation, and this retry finds every member and the organization configuration protected again.'
        : 'An earlier attempt could not re-enable every target; this retry finds every member and the ' +
          'organization configuration protected again.';
      return digestAct(
        digestFacts(
          context,
          'remediate',
          findings,
          [],
          findings.organization ? 'remediated' : undefined,
          action,
        ),
        owedReport,
        // The writes of the crashed attempt were never counted: count them now, once.
        intent && {
          detectorKey: organizationHistoryKey(accountId, region),
          at: new Date(intent.at),
          eventId: intent.eventId,
          generation: intent.generation,
          actor: intent.actor,
          accounts: intent.accounts,
        },
        membersOf(findings),
      );
    },
  });
}

/** The organization's case, claimed by this trigger for what it read and decided. */
export function organizationCase(
  context: InvocationContext,
  found: {
    readonly outcome: DigestOutcome;
    readonly lines: readonly AccountLine[];
    readonly findings: Findings;
    readonly observedAt: Date;
    /** The members (and `organization-configuration`) a remediation will write, if any. */
    readonly targets: boolean;
  },
): ClaimKey {
  const { trigger, deps } = context;
  const where = { accountId: trigger.accountId, region: trigger.region, target: ORGANIZATION_TARGET };
  const fingerprint = createHash('sha256')
    .update(
      JSON.stringify([
        found.lines.map((line) => [line.accountId, line.problems]),
        found.findings.organization?.evaluation.problems ?? [],
      ]),
    )
    .digest('hex')
    .slice(0, 32);
  const writes = found.outcome !== 'would-remediate' && found.targets;
  // Only the members the remediation writes: not those GuardDuty could not read or that are not enabled.
  const accounts = found.findings.verdicts.map((verdict) => verdict.accountId);
  const opener = { owner: trigger.owner, outcome: found.outcome, observedAt: found.observedAt };
  return caseKey(where, {
    owner: trigger.owner,
    finding: claimedMemberFindings(deps, caseRecordKey(where).key, opener),
    outcome: found.outcome,
    fingerprint,
    observedAt: found.observedAt,
    actor: trigger.caseActor,
    // Recorded with the claim, before the writes: a crash after them still owes this digest (flow/intent.ts).
    intent: writes
      ? encodeIntent({
          action: `UpdateMemberDetectors/UpdateOrganizationConfiguration for ${accounts.length} target(s)`,
          generation: 'organization',
          at: deps.now().toISOString(),
          eventId: trigger.eventId,
          actor: trigger.historyActor,
          accounts: [
            ...accounts,
            ...(found.findings.organization && !found.findings.organization.evaluation.compliant
              ? [CONFIGURATION_TARGET]
              : []),
          ],
        })
      : undefined,
  });
}
