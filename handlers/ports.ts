/**
 * Every port the flow depends on, and the records that cross it. Adapters (handlers/adapters) implement these with
 * the AWS SDK; tests and the benchmark swap them for fakes. Nothing here imports an SDK.
 */
import type { RemediationPlan } from './core/decide.js';
import type { MemberState, OrganizationConfiguration, OrganizationPlan } from './core/organization.js';
import type { DetectorState } from './core/types.js';

/** GuardDuty as the responder needs it, in domain types. */
export interface GuardDutyPort {
  /** The detector's state, or undefined when it does not exist (deleted). */
  getDetector(detectorId: string): Promise<DetectorState | undefined>;
  listDetectorIds(): Promise<string[]>;
  /** One UpdateDetector call carrying the plan. */
  updateDetector(plan: RemediationPlan): Promise<void>;
}

export interface UnprocessedAccount {
  readonly accountId: string;
  readonly reason: string;
}

export interface MemberSummary {
  readonly accountId: string;
  readonly relationshipStatus: string;
}

/** The delegated administrator's view of the organization, in domain types. Callers keep batches to 50 accounts. */
export interface OrganizationPort {
  describeConfiguration(adminDetectorId: string): Promise<OrganizationConfiguration>;
  updateConfiguration(adminDetectorId: string, plan: OrganizationPlan): Promise<void>;
  listMembers(adminDetectorId: string): Promise<MemberSummary[]>;
  getMemberDetectors(
    adminDetectorId: string,
    accountIds: readonly string[],
  ): Promise<{ members: MemberState[]; unprocessed: UnprocessedAccount[] }>;
  /** Resolves with the accounts GuardDuty did not process: the call succeeds while some accounts fail. */
  updateMemberDetectors(
    adminDetectorId: string,
    accountIds: readonly string[],
    feature: NonNullable<RemediationPlan['feature']>,
  ): Promise<UnprocessedAccount[]>;
}

/** One alert rendered for every protocol the SNS topic may deliver to. */
export interface RenderedNotification {
  readonly subject: string;
  /** The SNS `MessageStructure: json` document: one rendering per protocol. */
  readonly message: string;
  readonly attributes: Readonly<Record<'severity' | 'outcome' | 'accountId' | 'region', string>>;
}

/**
 * The alert topic. Every channel (e-mail, Slack through AWS Chatbot, SQS, Lambda) is a subscription of this one
 * topic, so the at-least-once bookkeeping of a page is done once, here, not per channel.
 */
export interface AlertTopicPort {
  /** Publishes one alert; resolves with the SNS message id. */
  publish(notification: RenderedNotification): Promise<string>;
}

export interface MetricPoint {
  readonly name: string;
  readonly value: number;
  readonly unit: 'None' | 'Count';
  readonly timestamp: Date;
  readonly dimensions: Readonly<Record<string, string>>;
}

export interface MetricsPort {
  put(points: readonly MetricPoint[]): Promise<void>;
}

export type ClaimStatus = 'IN_PROGRESS' | 'COMPLETED' | 'RETRYABLE';

export interface ClaimRecord {
  readonly status: ClaimStatus;
  readonly outcome?: string | undefined;
  /** A rendered alert whose remediation succeeded but whose Publish failed: the retry sends it. */
  readonly pendingNotification?: string | undefined;
  /** A failure alert already went out for this drift: retries stay quiet until they succeed. */
  readonly failureAlerted?: boolean | undefined;
  /** The standing-drift key the kept alert must mark when it is finally delivered (see SettleOptions). */
  readonly alsoCompleteKey?: string | undefined;
}

export type ClaimResult =
  | { readonly claimed: true; readonly previous: ClaimRecord | undefined }
  | { readonly claimed: false; readonly existing: ClaimRecord | undefined };

export interface RemediationRecord {
  readonly detectorKey: string;
  readonly at: Date;
  readonly eventId: string;
  readonly generation: string;
  readonly actor: string;
  /** Organization scope: the member accounts (and `organization-configuration`) this run changed. */
  readonly accounts?: readonly string[] | undefined;
}

export interface SettleOptions {
  readonly key: string;
  readonly status: Exclude<ClaimStatus, 'IN_PROGRESS'>;
  readonly now: Date;
  readonly ttlSeconds: number;
  readonly outcome?: string | undefined;
  readonly pendingNotification?: string | undefined;
  readonly failureAlerted?: boolean | undefined;
  /** Written in the same request, so the history never misses a remediation that was settled. */
  readonly remediation?: RemediationRecord | undefined;
  /**
   * Another key to mark as handled in the same request: the standing drift an event reported, so the next sweep
   * does not page for it again.
   */
  readonly alsoComplete?: { readonly key: string; readonly ttlSeconds: number } | undefined;
}

/** The state table (contract: `pk`/`sk` strings, TTL attribute `expiresAt`). */
export interface StateStorePort {
  /** Takes the claim unless another delivery holds it (in progress within its lease) or has completed it. */
  claim(key: string, now: Date, leaseMs: number, ttlSeconds: number): Promise<ClaimResult>;
  settle(options: SettleOptions): Promise<void>;
  /** The claim record under a key, read consistently; undefined when there is none. */
  readClaim(key: string): Promise<ClaimRecord | undefined>;
  countRemediationsSince(detectorKey: string, since: Date): Promise<number>;
  /** Organization scope: how often each account was remediated since then (one Query for the organization). */
  remediationsPerAccountSince(historyKey: string, since: Date): Promise<Map<string, number>>;
}

/** The logging the responder needs: a constant message and structured fields (see edge logger). */
export interface LogPort {
  info(message: string, fields: Record<string, unknown>): void;
  warn(message: string, fields: Record<string, unknown>): void;
  error(message: string, fields: Record<string, unknown>): void;
}
