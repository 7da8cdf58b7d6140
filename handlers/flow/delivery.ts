/**
 * Claims and alerts under at-least-once delivery, for every target (account, organization, tamper, coverage): one
 * file because it is one state machine (claim → alert or fold or failure → settle, and the retries that finish what
 * an attempt left), whose transitions only make sense read together. How kept alerts are stored is kept-alerts.ts.
 */
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
import { AlertsStillOwed, keptAlerts, keptText } from './kept-alerts.js';
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

/** Alerts an earlier attempt of the case kept and this one could not publish either: kept again, never dropped. */
interface Earlier {
  readonly earlier?: readonly RenderedNotification[] | undefined;
}

export interface AlertOptions extends Settlement, Earlier {
  readonly claim: ClaimKey;
  readonly outcome: string;
  readonly rendered: RenderedNotification;
  /**
   * The case as it settles when this alert cannot be published (default: `case`): a fight page that did not go out
   * must not count as sent, or the next restore would fold into it and on-call would never hear of the fight.
   */
  readonly unsentCase?: CaseSettlement | undefined;
}

export interface FailureOptions extends Settlement, Earlier {
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

  /**
   * Publishes the alert and settles the claim; a failed Publish keeps the rendered alert for the retry, after the
   * earlier ones still owed. Earlier ones still owed after a successful Publish are kept, and the invocation fails so
   * Lambda's retry sends them.
   */
  async alert(alert: AlertOptions): Promise<string> {
    // The finding goes to Security Hub while the alert is published: neither waits for the other.
    const kase = this.withFinding(alert);
    const earlier = alert.earlier ?? [];
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
      const settled = await kase;
      await this.settleQuietly({
        ...settle,
        case: alert.unsentCase ? { ...alert.unsentCase, finding: settled?.finding } : settled,
        status: 'RETRYABLE',
        pendingNotification: this.keep([...earlier, alert.rendered]),
      });
      throw new ResponderError(`the ${alert.outcome} alert could not be published`, { cause: error });
    }
    if (earlier.length > 0) {
      await this.settleQuietly({
        ...settle,
        case: await kase,
        status: 'RETRYABLE',
        pendingNotification: this.keep(earlier),
      });
      throw new AlertsStillOwed(earlier.length, messageId);
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

  /**
   * Settles a claim whose page is folded into an earlier one (a fight already paged this hour). Earlier alerts still
   * owed are kept, and the invocation fails so Lambda's retry sends them: a fold never drops a page.
   */
  async fold(options: Omit<AlertOptions, 'rendered'>): Promise<void> {
    const earlier = options.earlier ?? [];
    await this.settleQuietly({
      key: options.claim.key,
      ttlSeconds: options.claim.ttlSeconds,
      status: earlier.length > 0 ? 'RETRYABLE' : 'COMPLETED',
      outcome: options.outcome,
      remediation: options.remediation,
      case: await this.withFinding(options),
      ...(earlier.length > 0 ? { pendingNotification: this.keep(earlier) } : {}),
    });
    if (earlier.length > 0) throw new AlertsStillOwed(earlier.length, undefined);
  }

  /** A retry after a failed Publish: the remediation is done, only the alerts it kept are owed, oldest first. */
  async deliverPending(claim: ClaimKey, previous: ClaimRecord, settlement: Settlement = {}): Promise<string> {
    const kept = keptAlerts(previous.pendingNotification);
    const last = kept.at(-1);
    if (last === undefined) throw new ResponderError('the claim keeps no alert to send');
    const earlier = await this.publishEach(kept.slice(0, -1));
    // A kept fight page that goes out now is the fight's page: restores within the hour fold into it.
    const fightPage = kept.some((alert) => alert.attributes.outcome === 'circuit-open');
    const kase =
      settlement.case && fightPage
        ? { ...settlement.case, fightPagedAt: this.options.now() }
        : settlement.case;
    return this.alert({
      claim,
      outcome: previous.outcome ?? 'unknown',
      rendered: last,
      earlier,
      ...settlement,
      case: kase,
      unsentCase: settlement.case,
    });
  }

  /**
   * Sends the alerts an earlier attempt kept, before a new one of the same case; returns those that still could not be
   * published (logged, not thrown: the new alert follows, and keeps them with it).
   */
  publishKept(previous: ClaimRecord): Promise<RenderedNotification[]> {
    let kept: RenderedNotification[];
    try {
      kept = keptAlerts(previous.pendingNotification);
    } catch (error) {
      // Damaged beyond sending: logged, never published as nonsense (this attempt's own alert follows).
      this.options.logger.error('kept-alert-failed', {
        eventId: this.options.eventId,
        error: describeError(error),
      });
      return Promise.resolve([]);
    }
    return this.publishEach(kept);
  }

  private async publishEach(alerts: readonly RenderedNotification[]): Promise<RenderedNotification[]> {
    const unsent: RenderedNotification[] = [];
    for (const alert of alerts) {
      try {
        await this.options.alerts.publish(alert);
      } catch (error) {
        unsent.push(alert);
        this.options.logger.error('kept-alert-failed', {
          eventId: this.options.eventId,
          subject: alert.subject,
          error: describeError(error),
        });
      }
    }
    return unsent;
  }

  /** The unsent alerts as a claim keeps them (kept-alerts.ts): none dropped; a merge is logged. */
  private keep(alerts: readonly RenderedNotification[]): string {
    const { text, merged } = keptText(alerts);
    if (merged) {
      this.options.logger.error('kept-alerts-merged', {
        eventId: this.options.eventId,
        alerts: alerts.length,
      });
    }
    return text;
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
    const earlier = failure.earlier ?? [];
    await this.settleQuietly({
      key: failure.claim.key,
      ttlSeconds: failure.claim.ttlSeconds,
      status: 'RETRYABLE',
      outcome: failure.outcome,
      // The retry must act again, not only send what is kept: the earlier alerts wait beside a failed remediation.
      actFailed: true,
      ...(earlier.length > 0 ? { pendingNotification: this.keep(earlier) } : {}),
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
