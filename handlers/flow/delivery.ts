import type { AlertFacts } from '../alerts/detector.js';
import { describeError, ResponderError } from '../errors.js';
import type {
  AlertTopicPort,
  CaseSettlement,
  ClaimRecord,
  ClaimResult,
  LogPort,
  RemediationRecord,
  RenderedNotification,
  SettleOptions,
  StateStorePort,
} from '../ports.js';
import type { FindingSync } from './finding.js';
import type { ClaimKey } from './keys.js';
import type { MemberFindingFacts } from './member-findings.js';

export interface DeliveryOptions {
  readonly store: StateStorePort;
  readonly alerts: AlertTopicPort;
  readonly logger: LogPort;
  readonly now: () => Date;
  /** How long a claim is held before another delivery may take it over: the invocation's remaining time. */
  readonly leaseMs: number;
  readonly eventId: string;
  /** SECURITY_HUB=true: sends a case's finding alongside its alert (flow/finding.ts). */
  readonly findings?: FindingSync | undefined;
}

/** What the settle of a claim writes beside its status. */
export interface Settlement {
  /** Written with the settled claim, so the history never misses a remediation that was settled. */
  readonly remediation?: RemediationRecord | undefined;
  /** A case remembers who held it, for which drift, and from when it may be claimed again. */
  readonly case?: CaseSettlement | undefined;
  /** The facts of the alert, for the case's Security Hub finding (a drift's; ignored for the other outcomes). */
  readonly finding?: AlertFacts | MemberFindingFacts | undefined;
}

export interface AlertOptions extends Settlement {
  readonly claim: ClaimKey;
  readonly outcome: string;
  readonly rendered: RenderedNotification;
}

export interface FailureOptions extends Settlement {
  readonly claim: ClaimKey;
  readonly outcome: string;
  readonly rendered: RenderedNotification;
  readonly previous: ClaimRecord | undefined;
}

/** A failure page is repeated after this long if the case is still failing (e.g. a permission that stays missing). */
const FAILURE_REPAGE_MS = 24 * 60 * 60 * 1000;

/**
 * Claims and alerts under at-least-once delivery: a case is claimed before anything is written or paged, and the
 * claim records how far the work got, so a retry finishes it instead of repeating it (see docs/architecture.md).
 */
export class Delivery {
  constructor(private readonly options: DeliveryOptions) {}

  claim(claim: ClaimKey): Promise<ClaimResult> {
    const { store, now, leaseMs } = this.options;
    return store.claim({
      key: claim.key,
      now: now(),
      leaseMs,
      ttlSeconds: claim.ttlSeconds,
      case: claim.case,
    });
  }

  /** The claim record under a key, read consistently. */
  read(claim: ClaimKey): Promise<ClaimRecord | undefined> {
    return this.options.store.readClaim(claim.key);
  }

  /**
   * For a delivery that finds everything compliant: if a previous attempt (of this trigger or another) still owes
   * an alert — a kept one, or the news that a remediation it recorded or could not confirm has worked — takes its
   * claim and returns what it left. Released claims and those of crashed attempts qualify; the claim's own condition
   * decides between concurrent deliveries. `known` is the record when the caller has read it already.
   */
  async claimOwed(claim: ClaimKey, known?: ClaimRecord): Promise<ClaimRecord | undefined> {
    if (!owesAlert(known ?? (await this.read(claim)))) return undefined;
    // A plain claim: it keeps the case's owner, drift and intent as the previous attempt left them.
    const result = await this.claim({ key: claim.key, ttlSeconds: claim.ttlSeconds });
    return result.claimed && owesAlert(result.previous) ? result.previous : undefined;
  }

  /** Publishes the alert and settles the claim; a failed Publish keeps the rendered alert for the retry. */
  async alert(alert: AlertOptions): Promise<string> {
    // The finding goes to Security Hub while the alert is published: neither waits for the other.
    const kase = this.withFinding(alert);
    const settle = {
      key: alert.claim.key,
      ttlSeconds: alert.claim.ttlSeconds,
      outcome: alert.outcome,
      remediation: alert.remediation,
    };
    let messageId: string;
    try {
      messageId = await this.options.alerts.publish(alert.rendered);
    } catch (error) {
      await this.settleQuietly({
        ...settle,
        case: await kase,
        status: 'RETRYABLE',
        pendingNotification: JSON.stringify(alert.rendered),
      });
      throw new ResponderError(`the ${alert.outcome} alert could not be published`, { cause: error });
    }
    await this.settleQuietly({ ...settle, case: await kase, status: 'COMPLETED' });
    return messageId;
  }

  /**
   * The case as it settles once its finding is sent: without the finding when Security Hub has it RESOLVED. Never
   * rejects (flow/finding.ts logs a Security Hub failure and keeps the finding).
   */
  private async withFinding(settlement: Settlement): Promise<CaseSettlement | undefined> {
    const kase = settlement.case;
    const { findings } = this.options;
    if (kase?.finding === undefined || settlement.finding === undefined || findings === undefined)
      return kase;
    const kept = kase.finding;
    // Belt and braces: whatever goes wrong with the finding, the case keeps it and the alert is settled.
    const finding = await findings(kept, settlement.finding).catch((error: unknown) => {
      this.options.logger.error('security-hub-failed', {
        eventId: this.options.eventId,
        error: describeError(error),
      });
      return kept;
    });
    return { ...kase, finding };
  }

  /** Settles a claim whose page is folded into an earlier one (a fight already paged this hour). */
  async fold(options: Omit<AlertOptions, 'rendered'>): Promise<void> {
    await this.settleQuietly({
      key: options.claim.key,
      ttlSeconds: options.claim.ttlSeconds,
      status: 'COMPLETED',
      outcome: options.outcome,
      remediation: options.remediation,
      case: await this.withFinding(options),
    });
  }

  /** A retry after a failed Publish: the remediation is done, only the alert is owed. */
  deliverPending(claim: ClaimKey, previous: ClaimRecord, settlement: Settlement = {}): Promise<string> {
    return this.alert({
      claim,
      outcome: previous.outcome ?? 'unknown',
      rendered: storedAlert(previous.pendingNotification),
      ...settlement,
    });
  }

  /**
   * Sends the alert an earlier attempt kept, before a new one of the same case; a failure is logged, not thrown (the
   * new alert follows, and is kept in turn if the topic still fails).
   */
  async publishKept(previous: ClaimRecord): Promise<string | undefined> {
    try {
      return await this.options.alerts.publish(storedAlert(previous.pendingNotification));
    } catch (error) {
      this.options.logger.error('kept-alert-failed', {
        eventId: this.options.eventId,
        error: describeError(error),
      });
      return undefined;
    }
  }

  /**
   * A failed remediation pages once per case (again after a day if it keeps failing); the retries Lambda makes stay
   * quiet unless they succeed. The claim is released for the retry either way.
   */
  async failure(failure: FailureOptions): Promise<string | undefined> {
    const kase = this.withFinding(failure);
    const now = this.options.now();
    const previous = failure.previous;
    const pagedAt = previous?.failureAlerted ? (previous.failureAlertedAt ?? now) : undefined;
    let failureAlertedAt =
      pagedAt && now.getTime() - pagedAt.getTime() < FAILURE_REPAGE_MS ? pagedAt : undefined;
    let messageId: string | undefined;
    if (failureAlertedAt === undefined) {
      try {
        messageId = await this.options.alerts.publish(failure.rendered);
        failureAlertedAt = now;
      } catch (error) {
        this.options.logger.error('alert-failed', {
          eventId: this.options.eventId,
          error: describeError(error),
        });
      }
    }
    await this.settleQuietly({
      key: failure.claim.key,
      ttlSeconds: failure.claim.ttlSeconds,
      status: 'RETRYABLE',
      outcome: failure.outcome,
      failureAlerted: failureAlertedAt !== undefined,
      failureAlertedAt,
      remediation: failure.remediation,
      case: await kase,
    });
    return messageId;
  }

  private async settleQuietly(options: Omit<SettleOptions, 'now'>): Promise<void> {
    try {
      await this.options.store.settle({ ...options, now: this.options.now() });
    } catch (error) {
      // The claim's lease runs out on its own; a redelivery after that re-reads the real state.
      this.options.logger.error('state-settle-failed', {
        eventId: this.options.eventId,
        key: options.key,
        error: describeError(error),
      });
    }
  }
}

/** An attempt that did not complete and left a kept alert, or a remediation it recorded or could not confirm. */
export function owesAlert(record: ClaimRecord | undefined): boolean {
  return (
    record !== undefined &&
    record.status !== 'COMPLETED' &&
    (record.pendingNotification !== undefined ||
      record.intent !== undefined ||
      record.outcome === 'remediate')
  );
}

/** The rendered alert a failed attempt kept in its claim; a corrupt one fails loudly rather than pages nonsense. */
function storedAlert(text: string | undefined): RenderedNotification {
  let value: unknown;
  try {
    value = JSON.parse(text ?? '');
  } catch (error) {
    throw new ResponderError('the alert kept by a previous attempt is not JSON', { cause: error });
  }
  const candidate = value as Partial<RenderedNotification> | null;
  if (
    typeof candidate?.subject !== 'string' ||
    typeof candidate.message !== 'string' ||
    typeof candidate.attributes !== 'object' ||
    candidate.attributes === null
  ) {
    throw new ResponderError('the alert kept by a previous attempt has no subject, message or attributes');
  }
  return candidate as RenderedNotification;
}
