/**
 * Undoing a loss where GuardDuty's API allows it from the delegated administrator, in batches of 50 (the APIs' limit),
 * each read back with GetMembers: StartMonitoringMembers after StopMonitoringMembers; CreateMembers with the e-mail
 * GuardDuty kept after DisassociateMembers (GetMembers returns disassociated members with it). Reads first, so a
 * retry after a crash finds what the crashed attempt restored and does not write it again.
 */
import { chunk, MEMBER_BATCH_SIZE } from '../../core/organization.js';
import type { AccountResult, Restore } from '../../core/organization-loss.js';
import { describeError } from '../../errors.js';
import type { MemberRecord, OrganizationPort } from '../../ports.js';
import { settleWithConcurrency } from '../pool.js';
import { MEMBER_CONCURRENCY } from './read.js';

/** GuardDuty's relationship of a member it monitors. */
const ENABLED_RELATIONSHIP = 'Enabled';

export interface RestoreResult {
  readonly accountId: string;
  readonly result: AccountResult;
  readonly detail?: string | undefined;
}

export interface RestoreOutcome {
  readonly results: readonly RestoreResult[];
  /** The SDK errors of calls that failed outright (kept as the cause of the failed run). */
  readonly errors: readonly unknown[];
}

/** GetMembers of these accounts in batches; a failed batch fails its accounts. */
async function readMembers(
  organization: OrganizationPort,
  adminDetectorId: string,
  accountIds: readonly string[],
  errors: unknown[],
): Promise<{ members: Map<string, MemberRecord>; failed: Map<string, string> }> {
  const batches = chunk(accountIds, MEMBER_BATCH_SIZE);
  const results = await settleWithConcurrency(batches, MEMBER_CONCURRENCY, (batch) =>
    organization.getMembers(adminDetectorId, batch),
  );
  const members = new Map<string, MemberRecord>();
  const failed = new Map<string, string>();
  results.forEach((result, index) => {
    if (result.status === 'rejected') {
      errors.push(result.reason);
      for (const id of batches[index] ?? [])
        failed.set(id, `GetMembers failed: ${describeError(result.reason)}`);
      return;
    }
    for (const member of result.value.members) members.set(member.accountId, member);
  });
  return { members, failed };
}

/** One write per batch; accounts of a rejected call or left unprocessed fail with GuardDuty's reason. */
async function writeBatches<T>(
  items: readonly T[],
  idOf: (item: T) => string,
  write: (batch: readonly T[]) => Promise<{ accountId: string; reason: string }[]>,
  failed: Map<string, string>,
  errors: unknown[],
): Promise<void> {
  const batches = chunk(items, MEMBER_BATCH_SIZE);
  const results = await settleWithConcurrency(batches, MEMBER_CONCURRENCY, write);
  results.forEach((result, index) => {
    if (result.status === 'rejected') {
      errors.push(result.reason);
      for (const item of batches[index] ?? []) failed.set(idOf(item), describeError(result.reason));
      return;
    }
    for (const entry of result.value) failed.set(entry.accountId, `unprocessed: ${entry.reason}`);
  });
}

/** Restores the accounts and reads them back: `restored` only when GetMembers shows them monitored again. */
export async function restoreMembers(
  organization: OrganizationPort,
  adminDetectorId: string,
  restore: Restore,
  accountIds: readonly string[],
): Promise<RestoreOutcome> {
  const errors: unknown[] = [];
  const before = await readMembers(organization, adminDetectorId, accountIds, errors);
  const results = new Map<string, RestoreResult>();
  const failed = new Map(before.failed);
  const toWrite: { accountId: string; email: string }[] = [];
  for (const accountId of accountIds) {
    if (failed.has(accountId)) continue;
    const member = before.members.get(accountId);
    if (member?.relationshipStatus === ENABLED_RELATIONSHIP) {
      // Already back: a retry after a crash, or someone restored it first.
      results.set(accountId, { accountId, result: 'restored', detail: 'already monitored again' });
    } else if (member === undefined) {
      // Deleted meanwhile (or never a member): nothing here to restart or associate; CreateMembers needs its e-mail.
      results.set(accountId, {
        accountId,
        result: 'manual',
        detail: 'GuardDuty no longer lists it as a member: CreateMembers with its e-mail brings it back',
      });
    } else if (restore === 're-associate' && member.email === undefined) {
      results.set(accountId, {
        accountId,
        result: 'manual',
        detail: 'GuardDuty kept no e-mail for it: CreateMembers needs one',
      });
    } else {
      toWrite.push({ accountId, email: member.email ?? '' });
    }
  }
  if (restore === 'start-monitoring') {
    await writeBatches(
      toWrite.map((item) => item.accountId),
      (id) => id,
      (batch) => organization.startMonitoringMembers(adminDetectorId, batch),
      failed,
      errors,
    );
  } else {
    await writeBatches(
      toWrite,
      (item) => item.accountId,
      (batch) => organization.createMembers(adminDetectorId, batch),
      failed,
      errors,
    );
  }
  const written = toWrite.map((item) => item.accountId).filter((id) => !failed.has(id));
  const after = await readMembers(organization, adminDetectorId, written, errors);
  for (const accountId of written) {
    const member = after.members.get(accountId);
    const unread = after.failed.get(accountId);
    if (member?.relationshipStatus === ENABLED_RELATIONSHIP) {
      results.set(accountId, { accountId, result: 'restored' });
    } else {
      results.set(accountId, {
        accountId,
        result: 'not confirmed',
        detail: unread ?? `read back: relationship ${member?.relationshipStatus ?? 'not listed'}`,
      });
    }
  }
  for (const [accountId, reason] of failed) {
    if (!results.has(accountId)) results.set(accountId, { accountId, result: 'failed', detail: reason });
  }
  return { results: accountIds.flatMap((id) => results.get(id) ?? []), errors };
}
