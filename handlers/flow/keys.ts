/**
 * Every key of the state table and how long each lives: the one place that says what makes two deliveries "the
 * same case" and where the circuit breaker counts. The adapter adds its own prefixes (`claim#…`, `remediation#…`).
 */

/** A claim key and how long its item lives. */
export interface ClaimKey {
  readonly key: string;
  readonly ttlSeconds: number;
}

/** Claims of events and sweep runs outlive EventBridge's (24 h) and Lambda's (6 h) retry windows. */
export const EVENT_CLAIM_TTL_SECONDS = 2 * 24 * 60 * 60;
/** A standing drift (notify mode, exemption, open circuit, no detector) pages again after a day, not before. */
export const STANDING_DRIFT_TTL_SECONDS = 24 * 60 * 60;

/** What a target's cases are named after, so account detectors and the organization never share a key. */
export const ORGANIZATION_TARGET = 'organization';

/** Everything one CloudTrail event leads to: one claim per event id. */
export function eventKey(eventId: string): ClaimKey {
  return { key: `event#${eventId}`, ttlSeconds: EVENT_CLAIM_TTL_SECONDS };
}

/** What one sweep run does to one target (a detector id, or `organization`). */
export function sweepKey(eventId: string, target: string): ClaimKey {
  return { key: `sweep#${eventId}#${target}`, ttlSeconds: EVENT_CLAIM_TTL_SECONDS };
}

/** A drift left in place, by what it looks like: paged once a day however many sweeps or events see it. */
export function driftKey(drift: {
  readonly accountId: string;
  readonly region: string;
  /** A detector id, `none` when there is no detector, or `organization`. */
  readonly target: string;
  readonly outcome: string;
  readonly fingerprint: string;
}): ClaimKey {
  return {
    key: `drift#${drift.accountId}#${drift.region}#${drift.target}#${drift.outcome}#${drift.fingerprint}`,
    ttlSeconds: STANDING_DRIFT_TTL_SECONDS,
  };
}

/** The remediation history of one detector, which the circuit breaker counts. */
export function detectorHistoryKey(accountId: string, region: string, detectorId: string): string {
  return `detector#${accountId}#${region}#${detectorId}`;
}

/** The remediation history of an organization (per-account counts come from each item's `accounts`). */
export function organizationHistoryKey(accountId: string, region: string): string {
  return `organization#${accountId}#${region}`;
}
