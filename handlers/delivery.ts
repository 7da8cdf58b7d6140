import type { MetricsPort } from './adapters/cloudwatch.js';
import type { NotifierPort } from './adapters/sns.js';
import type {
  ClaimRecord,
  ClaimResult,
  RemediationRecord,
  SettleOptions,
  StateStorePort,
} from './adapters/state-store.js';
import type { MetricPoint } from './core/metrics.js';
import type { RenderedNotification } from './core/notification.js';

/** The logging the responder needs: a constant message and structured fields (see logger.ts). */
export interface LogPort {
  info(message: string, fields: Record<string, unknown>): void;
  warn(message: string, fields: Record<string, unknown>): void;
  error(message: string, fields: Record<string, unknown>): void;
}

/** A standing drift (notify mode, exemption, open circuit, no detector) pages again after a day, not before. */
export const STANDING_DRIFT_TTL_SECONDS = 24 * 60 * 60;
/** Claims of events and sweep runs outlive EventBridge's (24 h) and Lambda's (6 h) retry windows. */
export const EVENT_CLAIM_TTL_SECONDS = 2 * 24 * 60 * 60;

/** The remediation, an alert, or the state store failed: the invocation must fail so Lambda retries it. */
export class ResponderError extends Error {
  override readonly name = 'ResponderError';
}

export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Claims and alerts under at-least-once delivery: a drift is claimed before anything is written or paged, and the
 * claim records how far the work got, so a retry finishes it instead of repeating it (see docs/architecture.md).
 */
export class Delivery {
  constructor(
    private readonly store: StateStorePort,
    private readonly notifier: NotifierPort,
    private readonly logger: LogPort,
    private readonly now: () => Date,
    private readonly leaseMs: number,
    private readonly eventId: string,
  ) {}

  claim(key: string, ttlSeconds: number): Promise<ClaimResult> {
    return this.store.claim(key, this.now(), this.leaseMs, ttlSeconds);
  }

  /**
   * For a delivery that finds everything compliant: if a previous attempt of it still owes an alert (a kept one, or
   * the news that a remediation it could not confirm has worked), takes its claim and returns what it left. Released
   * claims and those of crashed attempts qualify; the claim's own condition decides between concurrent deliveries.
   */
  async claimOwed(key: string, ttlSeconds: number): Promise<ClaimRecord | undefined> {
    const owes = (claim: ClaimRecord | undefined): claim is ClaimRecord =>
      claim !== undefined &&
      claim.status !== 'COMPLETED' &&
      (claim.pendingNotification !== undefined || claim.outcome === 'remediate');
    if (!owes(await this.store.readClaim(key))) return undefined;
    const claim = await this.claim(key, ttlSeconds);
    return claim.claimed && owes(claim.previous) ? claim.previous : undefined;
  }

  /** Publishes the alert and settles the claim; a failed Publish keeps the rendered alert for the retry. */
  async alert(
    key: string,
    ttlSeconds: number,
    outcome: string,
    rendered: RenderedNotification,
    remediation?: RemediationRecord,
    alsoComplete?: SettleOptions['alsoComplete'],
  ): Promise<string> {
    let messageId: string;
    try {
      messageId = await this.notifier.publish(rendered);
    } catch (error) {
      await this.settleQuietly({
        key,
        status: 'RETRYABLE',
        ttlSeconds,
        outcome,
        pendingNotification: JSON.stringify(rendered),
        remediation,
        alsoComplete,
      });
      throw new ResponderError(`the ${outcome} alert could not be published`, { cause: error });
    }
    await this.settleQuietly({ key, status: 'COMPLETED', ttlSeconds, outcome, remediation, alsoComplete });
    return messageId;
  }

  /** A retry after a failed Publish: the remediation is done, only the alert is owed. */
  deliverPending(key: string, ttlSeconds: number, previous: ClaimRecord): Promise<string> {
    const alsoComplete = previous.alsoCompleteKey
      ? { key: previous.alsoCompleteKey, ttlSeconds: STANDING_DRIFT_TTL_SECONDS }
      : undefined;
    return this.alert(
      key,
      ttlSeconds,
      previous.outcome ?? 'unknown',
      storedAlert(previous.pendingNotification),
      undefined,
      alsoComplete,
    );
  }

  /**
   * A failed remediation pages once per drift; the retries Lambda makes stay quiet unless they succeed. The claim is
   * released for the retry either way.
   */
  async failure(
    key: string,
    ttlSeconds: number,
    outcome: string,
    rendered: RenderedNotification,
    previous: ClaimRecord | undefined,
    remediation: RemediationRecord | undefined,
  ): Promise<string | undefined> {
    let failureAlerted = previous?.failureAlerted === true;
    let messageId: string | undefined;
    if (!failureAlerted) {
      try {
        messageId = await this.notifier.publish(rendered);
        failureAlerted = true;
      } catch (error) {
        this.logger.error('alert-failed', { eventId: this.eventId, error: describeError(error) });
      }
    }
    await this.settleQuietly({ key, status: 'RETRYABLE', ttlSeconds, outcome, failureAlerted, remediation });
    return messageId;
  }

  private async settleQuietly(options: Omit<SettleOptions, 'now'>): Promise<void> {
    try {
      await this.store.settle({ ...options, now: this.now() });
    } catch (error) {
      // The claim's lease runs out on its own; a redelivery after that re-reads the real state.
      this.logger.error('state-settle-failed', {
        eventId: this.eventId,
        key: options.key,
        error: describeError(error),
      });
    }
  }
}

/** Sends an invocation's datapoints; a failure is logged and never fails an invocation whose work is done. */
export async function flushMetrics(
  points: readonly MetricPoint[],
  metrics: MetricsPort,
  logger: LogPort,
  eventId: string,
): Promise<void> {
  if (points.length === 0) return;
  try {
    await metrics.put(points);
  } catch (error) {
    logger.error('metrics-failed', { eventId, error: describeError(error) });
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

/** Runs `task` over `items` with at most `limit` in flight; never rejects, reports each result in order. */
export async function settleWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < items.length; index = next++) {
      try {
        results[index] = { status: 'fulfilled', value: await task(items[index] as T) };
      } catch (reason) {
        results[index] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
