/**
 * SECURITY_HUB=true in organization scope: which members' findings the organization case holds open, read beside
 * the member reads (so a read can say which of them are compliant again), and their resolve when no digest carries it
 * (a compliant read after the case settled). The findings themselves: flow/member-findings.ts.
 */
import { decodeMemberFindings, openMember } from '../../core/finding.js';
import { describeError } from '../../errors.js';
import type { ClaimRecord } from '../../ports.js';
import type { InvocationContext } from '../context.js';
import { caseRecordKey, ORGANIZATION_TARGET } from '../keys.js';
import { resolveCompliantMembers } from '../member-findings.js';
import { digestFacts, memberFindingFacts, membersOf } from './describe.js';
import type { Findings } from './read.js';

export interface WatchedFindings {
  readonly record: ClaimRecord | undefined;
  /** The members whose finding the case holds open (at most MAX_MEMBER_FINDINGS). */
  readonly open: ReadonlySet<string>;
}

const NONE: WatchedFindings = { record: undefined, open: new Set() };

function organizationCaseKey(context: InvocationContext): string {
  const { accountId, region } = context.trigger;
  return caseRecordKey({ accountId, region, target: ORGANIZATION_TARGET }).key;
}

/** The organization case's open member findings; none without Security Hub, or when the read fails (logged). */
export function watchMemberFindings(context: InvocationContext): Promise<WatchedFindings> {
  if (context.deps.findings === undefined) return Promise.resolve(NONE);
  return context.deps.store
    .readClaim(organizationCaseKey(context))
    .then((record) => ({
      record,
      open: new Set(
        (decodeMemberFindings(record?.finding)?.open ?? []).map((entry) => openMember(entry).accountId),
      ),
    }))
    .catch((error: unknown) => {
      // Only the resolve of findings waits on it: the next read tries again.
      context.deps.logger.warn('security-hub-finding-read-failed', {
        eventId: context.trigger.eventId,
        error: describeError(error),
      });
      return NONE;
    });
}

/** Everything read compliant, and no digest owed: the watched members read compliant get their findings resolved. */
export async function resolveCompliantWatched(
  context: InvocationContext,
  findings: Findings,
  watched: WatchedFindings,
): Promise<void> {
  const { deps, trigger, config, metrics } = context;
  if (deps.findings === undefined || watched.record === undefined) return;
  const facts = digestFacts(
    context,
    'remediate',
    findings,
    [],
    undefined,
    'Read back protected by the responder.',
  );
  await resolveCompliantMembers(
    {
      findings: deps.findings,
      logger: deps.logger,
      metrics,
      now: deps.now,
      trigger,
      config,
      store: deps.store,
    },
    organizationCaseKey(context),
    watched.record,
    memberFindingFacts(facts, membersOf(findings)),
  );
}
