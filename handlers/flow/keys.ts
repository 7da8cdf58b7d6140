/**
 * Every key of the state table and how long each lives: the one place that says what makes two deliveries "the
 * same case" and where the circuit breaker counts. The adapter adds its own prefixes (`claim#…`, `remediation#…`).
 */

import { EVIDENCE_RETENTION_DAYS } from '../contract.js';
import type { CaseClaim } from '../ports.js';

/** A claim key and how long its item lives; a case's claim also says who claims it and for what drift. */
export interface ClaimKey {
  readonly key: string;
  readonly ttlSeconds: number;
  readonly case?: CaseClaim | undefined;
}

/** Claims of events and sweep runs outlive EventBridge's (24 h) and Lambda's (6 h) retry windows. */
export const EVENT_CLAIM_TTL_SECONDS = 2 * 24 * 60 * 60;
/** A standing drift (notify mode, exemption, no detector) pages again after a day, not before. */
export const STANDING_DRIFT_TTL_SECONDS = 24 * 60 * 60;

/** What a target's cases are named after, so account detectors and the organization never share a key. */
export const ORGANIZATION_TARGET = 'organization';

/** A case lives this long after it closed, so a late CloudTrail event can still name who caused it. */
export const CASE_TTL_SECONDS = 2 * 24 * 60 * 60;
/** A fight (the same target turned off again and again) pages critical once in this window; the rest fold in. */
export const FIGHT_WINDOW_MS = 60 * 60 * 1000;

/**
 * Whether a restore at `now` folds into the fight page last sent at `lastPage`: within the window, and not dated
 * after now (no invocation writes that: a forged record would silence every fight page after it).
 */
export function foldsIntoFightPage(lastPage: Date, now: Date): boolean {
  const since = now.getTime() - lastPage.getTime();
  return since >= 0 && since < FIGHT_WINDOW_MS;
}

/** The trigger a case is claimed by: an event, or one sweep run. */
export function eventOwner(eventId: string): string {
  return `event#${eventId}`;
}

export function sweepOwner(eventId: string): string {
  return `sweep#${eventId}`;
}

/**
 * One drift of one target is one case, whichever trigger sees it first: its claim is per target (a detector id,
 * `none` for a Region without one, or `organization`), and says who claims it for which drift.
 */
export function caseKey(where: CaseTarget, claim: CaseClaim): ClaimKey {
  return { ...caseRecordKey(where), case: claim };
}

/** The case record of a target, to read it (or take it over) without claiming a drift. */
export function caseRecordKey(where: CaseTarget): ClaimKey {
  return { key: `case#${where.accountId}#${where.region}#${where.target}`, ttlSeconds: CASE_TTL_SECONDS };
}

export interface CaseTarget {
  readonly accountId: string;
  readonly region: string;
  /** A detector id, `none` for a Region without a detector, or `organization`. */
  readonly target: string;
}

/** What one CloudTrail event leads to when it is not a drift case (a denied call, an exemption change, a follow-up). */
export function eventKey(eventId: string): ClaimKey {
  return { key: `event#${eventId}`, ttlSeconds: EVENT_CLAIM_TTL_SECONDS };
}

/** A denied attempt's claim is its evidence (who tried what, when): kept as long as the restore history. */
export const DENIED_CLAIM_TTL_SECONDS = EVIDENCE_RETENTION_DAYS * 24 * 60 * 60;

/** The claim of a denied call: the same key as {@link eventKey}, kept as evidence. */
export function deniedEventKey(eventId: string): ClaimKey {
  return { key: `event#${eventId}`, ttlSeconds: DENIED_CLAIM_TTL_SECONDS };
}

/** When the responder first saw the exemption of one detector (its length is bounded from then). */
export function exemptionKey(accountId: string, region: string, detectorId: string): string {
  return `exemption#${accountId}#${region}#${detectorId}`;
}

/** The remediation history of one detector, which the circuit breaker counts. */
export function detectorHistoryKey(accountId: string, region: string, detectorId: string): string {
  return `detector#${accountId}#${region}#${detectorId}`;
}

/** The remediation history of an organization (per-account counts come from each item's `accounts`). */
export function organizationHistoryKey(accountId: string, region: string): string {
  return `organization#${accountId}#${region}`;
}

/** A cluster's coverage record lives a week after it was last written: a week-old state is no transition to trust. */
export const COVERAGE_CASE_TTL_SECONDS = 7 * 24 * 60 * 60;
/** A cluster that stays unhealthy is reported again after a day, as a standing drift is: not at every event or sweep. */
export const COVERAGE_REMINDER_SECONDS = STANDING_DRIFT_TTL_SECONDS;

/** One EKS cluster of one account and Region: the target of coverage cases. */
export interface ClusterTarget {
  readonly accountId: string;
  readonly region: string;
  readonly clusterName: string;
}

/**
 * One transition of one cluster's coverage (to unhealthy, to excluded, back to covered) is one case, whichever
 * trigger sees it first (its Unhealthy/Healthy event or a sweep): the claim's fingerprint is the state it reports.
 */
export function coverageCaseKey(where: ClusterTarget, claim: CaseClaim): ClaimKey {
  return { ...coverageRecordKey(where), case: claim };
}

/** The coverage record of one cluster, to read what was last reported about it. */
export function coverageRecordKey(where: ClusterTarget): ClaimKey {
  return {
    key: `coverage#${where.accountId}#${where.region}#${where.clusterName}`,
    ttlSeconds: COVERAGE_CASE_TTL_SECONDS,
  };
}

/** One sweep run's coverage digest: a redelivered sweep publishes it once. */
export function coverageSweepKey(accountId: string, region: string, eventId: string): ClaimKey {
  return { key: `coverage-sweep#${accountId}#${region}#${eventId}`, ttlSeconds: EVENT_CLAIM_TTL_SECONDS };
}

/** Organization scope: the member count of the sweeps and the loss events that explain a drop (flow/organization/loss.ts). */
export function membershipKey(accountId: string, region: string): string {
  return `members#${accountId}#${region}`;
}

/** One sweep's report of an unexplained drop in the member count: a redelivered sweep pages it once. */
export function memberDropKey(accountId: string, region: string, eventId: string): ClaimKey {
  return { key: `member-drop#${accountId}#${region}#${eventId}`, ttlSeconds: EVENT_CLAIM_TTL_SECONDS };
}

/**
 * One gap of the responder's own wiring (a rule, its trail, its topic), found by the sweep: one case per thing and
 * fingerprint, so a gap that stays is reported again after a day, not at every sweep.
 */
export function wiringCaseKey(accountId: string, region: string, thing: string, claim: CaseClaim): ClaimKey {
  return { key: `wiring#${accountId}#${region}#${thing}`, ttlSeconds: CASE_TTL_SECONDS, case: claim };
}
