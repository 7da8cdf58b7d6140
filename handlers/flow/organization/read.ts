/** How the organization target reads: the administrator's detector, the configuration and the members. */
import type { AccountLine } from '../../alerts/digest.js';
import {
  evaluateMember,
  evaluateOrganization,
  MEMBER_BATCH_SIZE,
  type MemberVerdict,
  type OrganizationConfiguration,
  type OrganizationEvaluation,
} from '../../core/organization.js';
import type { StatisticsReading } from '../../core/organization-loss.js';
import type { ApiCallInput } from '../../core/types.js';
import { OrganizationScopeError, ResponderError } from '../../errors.js';
import type { MemberSummary, OrganizationPort } from '../../ports.js';
import type { InvocationContext } from '../context.js';
import { createLimiter } from '../pool.js';

/** What an organization event or sweep reads: which members (all associated ones, or those named) and the configuration. */
export interface OrganizationReading {
  readonly members: 'all' | readonly string[];
  readonly configuration: boolean;
}

/** Member reads and writes in flight at once: enough for 10,000 accounts in seconds, gentle on GuardDuty's limits. */
export const MEMBER_CONCURRENCY = 10;

/** Members and the organization configuration, as read for one event or sweep. */
export interface Findings {
  readonly adminDetectorId: string;
  readonly evaluatedAccounts: number;
  /** The members that are not protected (compliant ones are only counted). */
  readonly verdicts: readonly MemberVerdict[];
  readonly unreadable: readonly AccountLine[];
  readonly organization:
    | { readonly configuration: OrganizationConfiguration; readonly evaluation: OrganizationEvaluation }
    | undefined;
  /** The sweep: GuardDuty's own count of the organization (flow/organization/membership.ts). */
  readonly statistics?: StatisticsReading | undefined;
  /** SECURITY_HUB=true: the members of the case's open findings that read compliant (flow/member-findings.ts). */
  readonly compliantWatched?: readonly string[] | undefined;
  /** The drifted members' own detector ids, where ListMembers gave them (their findings' resource). */
  readonly memberDetectors?: ReadonlyMap<string, string> | undefined;
}

/** What an organization-level API call asks the target to read. */
export function readingFor(input: ApiCallInput): OrganizationReading {
  return input.eventName === 'UpdateMemberDetectors'
    ? { members: input.memberAccountIds ?? [], configuration: false }
    : { members: [], configuration: true };
}

export async function findAdminDetector(context: InvocationContext): Promise<string> {
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
  const { autoEnableTarget, requireAgentManagement, runtimeTarget } = context.config;
  return {
    configuration,
    evaluation: evaluateOrganization(configuration, autoEnableTarget, requireAgentManagement, runtimeTarget),
  };
}

/**
 * Reads the configuration and the members at the same time; each member page is read as it arrives. `onDrift` is
 * called when the first target that needs restoring is found (a member, or the configuration), while the rest is
 * still being read: the circuit breaker's count starts then, beside the reads, and only for a sweep that needs it.
 */
export async function readFindings(
  context: InvocationContext,
  organization: OrganizationPort,
  adminDetectorId: string,
  reading: OrganizationReading,
  onDrift: () => void = () => undefined,
  watch: Promise<ReadonlySet<string>> = Promise.resolve(new Set()),
): Promise<Findings> {
  const configuration = reading.configuration
    ? readConfiguration(context, organization, adminDetectorId).then((found) => {
        if (found && !found.evaluation.compliant) onDrift();
        return found;
      })
    : Promise.resolve(undefined);
  configuration.catch(() => undefined); // awaited below; a failure must not go unhandled meanwhile
  const pages =
    reading.members === 'all' ? organization.memberPages(adminDetectorId) : named(reading.members);
  const members = await readMembers(context, organization, adminDetectorId, readAhead(pages), onDrift, watch);
  return { adminDetectorId, ...members, organization: await configuration };
}

/**
 * Asks for the next page as soon as one arrives, before that page is handed on: ListMembers is a chain (each call
 * needs the previous NextToken) and the sweep's critical path, so the GetMemberDetectors of a page, and the parsing
 * and evaluating of the pages before it, run while the next ListMembers is on the wire instead of before it.
 */
export async function* readAhead<T>(pages: AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = pages[Symbol.asyncIterator]();
  let next = iterator.next();
  for (;;) {
    const current = await next;
    if (current.done) return;
    next = iterator.next();
    // Awaited on the next turn of the loop; if the consumer stops first, its failure must not go unhandled.
    next.catch(() => undefined);
    yield current.value;
  }
}

/** The named accounts as if they were one listed page (UpdateMemberDetectors names only associated members). */
async function* named(accountIds: readonly string[]): AsyncGenerator<MemberSummary[]> {
  yield accountIds.map((accountId) => ({ accountId, relationshipStatus: 'Enabled' }));
}

/**
 * GetMemberDetectors in batches of 50, at most MEMBER_CONCURRENCY at once, each started as soon as its page is
 * listed. Only the members that are not protected are kept (a 50,000-member sweep keeps counts, not 50,000 verdicts).
 */
async function readMembers(
  context: InvocationContext,
  organization: OrganizationPort,
  adminDetectorId: string,
  pages: AsyncIterable<readonly MemberSummary[]>,
  onDrift: () => void,
  watch: Promise<ReadonlySet<string>>,
): Promise<
  Pick<Findings, 'evaluatedAccounts' | 'verdicts' | 'unreadable' | 'compliantWatched' | 'memberDetectors'>
> {
  const { requireAgentManagement, runtimeTarget } = context.config;
  const verdicts: MemberVerdict[] = [];
  const unreadable: AccountLine[] = [];
  const limit = createLimiter(MEMBER_CONCURRENCY);
  const reads: Promise<unknown>[] = [];
  const failures: unknown[] = [];
  let evaluatedAccounts = 0;
  // Kept only for the members that matter to Security Hub: the drifted ones, and the watched ones read compliant.
  const compliantWatched: string[] = [];
  const memberDetectors = new Map<string, string>();
  let pending: MemberSummary[] = [];
  const read = (batch: readonly MemberSummary[]) =>
    reads.push(
      limit(() =>
        organization.getMemberDetectors(
          adminDetectorId,
          batch.map((member) => member.accountId),
        ),
      ).then(async (result) => {
        if (result.status === 'rejected') {
          failures.push(result.reason);
          return;
        }
        const watched = await watch.catch(() => new Set<string>());
        for (const member of result.value.members) {
          const verdict = evaluateMember(
            member,
            requireAgentManagement,
            context.trigger.change,
            runtimeTarget,
          );
          if (!verdict.evaluation.compliant) {
            if (verdicts.length === 0) onDrift();
            verdicts.push(verdict);
            const detectorId = batch.find((entry) => entry.accountId === member.accountId)?.detectorId;
            if (detectorId) memberDetectors.set(member.accountId, detectorId);
          } else if (watched.has(member.accountId)) {
            compliantWatched.push(member.accountId);
          }
        }
        for (const entry of result.value.unprocessed) {
          unreadable.push({
            accountId: entry.accountId,
            problems: [`GetMemberDetectors could not read it: ${entry.reason}`],
          });
        }
      }),
    );
  for await (const page of pages) {
    for (const member of page) {
      // Unprocessed accounts are counted among the evaluated; members whose GuardDuty is not enabled too.
      evaluatedAccounts += 1;
      if (member.relationshipStatus === 'Enabled') {
        pending.push(member);
        continue;
      }
      unreadable.push({
        accountId: member.accountId,
        problems: [`GuardDuty relationship is ${member.relationshipStatus}`],
        result: 'not remediable',
      });
    }
    for (; pending.length >= MEMBER_BATCH_SIZE; pending = pending.slice(MEMBER_BATCH_SIZE)) {
      read(pending.slice(0, MEMBER_BATCH_SIZE));
    }
  }
  if (pending.length > 0) read(pending);
  await Promise.all(reads);
  if (failures.length > 0) {
    throw new ResponderError('GetMemberDetectors failed', {
      cause: failures.length === 1 ? failures[0] : new AggregateError(failures),
    });
  }
  // By account id, whatever order the batches came back in: a digest reads the same every time.
  verdicts.sort((a, b) => a.accountId.localeCompare(b.accountId));
  // The same for what could not be read: the case's fingerprint is built from these lines.
  unreadable.sort((a, b) => a.accountId.localeCompare(b.accountId));
  compliantWatched.sort();
  return { evaluatedAccounts, verdicts, unreadable, compliantWatched, memberDetectors };
}
