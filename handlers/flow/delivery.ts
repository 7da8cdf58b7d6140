import { describeError, ResponderError } from '../errors.js';
import type {
  AlertTopicPort,
  ClaimRecord,
  ClaimResult,
  LogPort,
  RemediationRecord,
  RenderedNotification,
  SettleOptions,
  StateStorePort,
} from '../ports.js';
import { type ClaimKey, STANDING_DRIFT_TTL_SECONDS } from './keys.js';

export interface DeliveryOptions {
  readonly store: StateStorePort;
  readonly alerts: AlertTopicPort;
  readonly logger: LogPort;
  readonly now: () => Date;
  /** How long a claim is held before another delivery may take it over: the invocation's remaining time. */
  readonly leaseMs: number;
  readonly eventId: string;
}

export interface AlertOptions {
  readonly claim: ClaimKey;
  readonly outcome: string;
  readonly rendered: RenderedNotification;
  /** Written with the settled claim, so the history never misses a remediation that was settled. */
  readonly remediation?: RemediationRecord | undefined;
  /** A standing drift this alert also reports: marked handled with the claim, so the next sweep stays quiet. */
  readonly standing?: ClaimKey | undefined;
}

export interface FailureOptions {
  readonly claim: ClaimKey;
  readonly outcome: string;
  readonly rendered: RenderedNotification;
  readonly previous: ClaimRecord | undefined;
  readonly remediation: RemediationRecord | undefined;
}

/**
 * Claims and alerts under at-least-once delivery: a case is claimed before anything is written or paged, and the
 * claim records how far the work got, so a retry finishes it instead of repeating it (see docs/architecture.md).
 */
export class Delivery {
  constructor(private readonly options: DeliveryOptions) {}

  claim(claim: ClaimKey): Promise<ClaimResult> {
    const { store, now, leaseMs } = this.options;
    return store.claim(claim.key, now(), leaseMs, claim.ttlSeconds);
  }

  /**
   * For a delivery that finds everything compliant: if a previous attempt of it still owes an alert (a kept one, or
   * the news that a remediation it could not confirm has worked), takes its claim and returns what it left. Released
   * claims and those of crashed attempts qualify; the claim's own condition decides between concurrent deliveries.
   */
  async claimOwed(claim: ClaimKey): Promise<ClaimRecord | undefined> {
    const owes = (record: ClaimRecord | undefined): record is ClaimRecord =>
      record !== undefined &&
      record.status !== 'COMPLETED' &&
      (record.pendingNotification !== undefined || record.outcome === 'remediate');
    if (!owes(await this.options.store.readClaim(claim.key))) return undefined;
    const result = await this.claim(claim);
    return result.claimed && owes(result.previous) ? result.previous : undefined;
  }

  /** Publishes the alert and settles the claim; a failed Publish keeps the rendered alert for the retry. */
  async alert(alert: AlertOptions): Promise<string> {
    const settle = {
      key: alert.claim.key,
      ttlSeconds: alert.claim.ttlSeconds,
      outcome: alert.outcome,
      remediation: alert.remediation,
      alsoComplete: alert.standing,
    };
    let messageId: string;
    try {
      messageId = await this.options.alerts.publish(alert.rendered);
    } catch (error) {
      await this.settleQuietly({
        ...settle,
        status: 'RETRYABLE',
        pendingNotification: JSON.stringify(alert.rendered),
      });
      throw new ResponderError(`the ${alert.outcome} alert could not be published`, { cause: error });
    }
    await this.settleQuietly({ ...settle, status: 'COMPLETED' });
    return messageId;
  }

  /** A retry after a failed Publish: the remediation is done, only the alert is owed. */
  deliverPending(claim: ClaimKey, previous: ClaimRecord): Promise<string> {
    return this.alert({
      claim,
      outcome: previous.outcome ?? 'unknown',
      rendered: storedAlert(previous.pendingNotification),
      standing: previous.alsoCompleteKey
        ? { key: previous.alsoCompleteKey, ttlSeconds: STANDING_DRIFT_TTL_SECONDS }
        : undefined,
    });
  }

  /**
   * A failed remediation pages once per case; the retries Lambda makes stay quiet unless they succeed. The claim is
   * released for the retry either way.
   */
  async failure(failure: FailureOptions): Promise<string | undefined> {
    let failureAlerted = failure.previous?.failureAlerted === true;
    let messageId: string | undefined;
    if (!failureAlerted) {
      try {
        messageId = await this.options.alerts.publish(failure.rendered);
        failureAlerted = true;
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
      failureAlerted,
      remediation: failure.remediation,
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
