/**
 * Every port the flow depends on, and the records that cross it. Adapters (handlers/adapters) implement these with
 * the AWS SDK; tests and the benchmark swap them for fakes. Nothing here imports an SDK.
 */
import type { ClusterCoverage, CoverageStatistics } from './core/coverage.js';
import type { RemediationPlan } from './core/decide.js';
import type { MemberState, OrganizationConfiguration, OrganizationPlan } from './core/organization.js';
import type { OrganizationStatistics } from './core/organization-loss.js';
import type { DetectorState } from './core/types.js';

/** GuardDuty as the responder needs it, in domain types. */
export interface GuardDutyPort {
  /** The detector's state, or undefined when it does not exist (deleted). */
  getDetector(detectorId: string): Promise<DetectorState | undefined>;
  listDetectorIds(): Promise<string[]>;
  /** One UpdateDetector call carrying the plan. */
  updateDetector(plan: RemediationPlan): Promise<void>;
}

/** GuardDuty's per-cluster runtime coverage of EKS, in domain types (handlers/core/coverage.ts). */
export interface CoveragePort {
  /**
   * Every EKS cluster ListCoverage returns for the detector, all pages. An administrator's detector returns the
   * clusters of every active member as well.
   */
  listClusters(detectorId: string): Promise<ClusterCoverage[]>;
  /** GetCoverageStatistics `COUNT_BY_COVERAGE_STATUS` of the EKS clusters, GuardDuty's own count. */
  statistics(detectorId: string): Promise<CoverageStatistics>;
}

export interface UnprocessedAccount {
  readonly accountId: string;
  readonly reason: string;
}

export interface MemberSummary {
  readonly accountId: string;
  readonly relationshipStatus: string;
  /** The member's own detector, as ListMembers names it (a Security Hub finding's resource). */
  readonly detectorId?: string | undefined;
}

/** A member as GetMembers describes it: the relationship, and the e-mail CreateMembers needs to associate it again. */
export interface MemberRecord {
  readonly accountId: string;
  readonly relationshipStatus: string;
  readonly email: string | undefined;
}

/** The delegated administrator's view of the organization, in domain types. Callers keep batches to 50 accounts. */
export interface OrganizationPort {
  describeConfiguration(adminDetectorId: string): Promise<OrganizationConfiguration>;
  updateConfiguration(adminDetectorId: string, plan: OrganizationPlan): Promise<void>;
  listMembers(adminDetectorId: string): Promise<MemberSummary[]>;
  /** The same, page by page as ListMembers returns them, so the reads can start before the last page. */
  memberPages(adminDetectorId: string): AsyncIterable<MemberSummary[]>;
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
  /** GetMembers: the relationship (and e-mail) of each named account, disassociated ones included. */
  getMembers(
    adminDetectorId: string,
    accountIds: readonly string[],
  ): Promise<{ members: MemberRecord[]; unprocessed: UnprocessedAccount[] }>;
  /** StartMonitoringMembers; resolves with the accounts GuardDuty did not process. */
  startMonitoringMembers(
    adminDetectorId: string,
    accountIds: readonly string[],
  ): Promise<UnprocessedAccount[]>;
  /** CreateMembers (AccountDetails): associates accounts again; resolves with the accounts not processed. */
  createMembers(
    adminDetectorId: string,
    accounts: readonly { readonly accountId: string; readonly email: string }[],
  ): Promise<UnprocessedAccount[]>;
  /** GetOrganizationStatistics: GuardDuty's own per-feature counts of the whole organization (one call, no detector). */
  statistics(): Promise<OrganizationStatistics>;
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
  readonly unit: 'None' | 'Count' | 'Seconds';
  readonly timestamp: Date;
  readonly dimensions: Readonly<Record<string, string>>;
}

/** The account's name as IAM knows it (its alias), for alerts. */
export interface AccountNamePort {
  /** The alias, undefined when the account has none. */
  alias(): Promise<string | undefined>;
}

export interface MetricsPort {
  put(points: readonly MetricPoint[]): Promise<void>;
}

export type ClaimStatus = 'IN_PROGRESS' | 'COMPLETED' | 'RETRYABLE';

/**
 * A case: one drift of one target (a detector, a Region without one, the organization), whichever trigger sees it
 * first. Its claim carries who claims it and what they saw, so a second trigger of the same drift joins the case
 * instead of paging again, while a new drift after the case closed opens a new one.
 */
export interface CaseClaim {
  /** The trigger that claims it: `event#<id>` or `sweep#<id>`. A case is never claimed twice by the same trigger. */
  readonly owner: string;
  /** What the drift looks like, and the decision taken: a different drift is a different case. */
  readonly fingerprint: string;
  readonly outcome: string;
  /** When the claimer's read of the target began: a case closed after that may have fixed what it read. */
  readonly observedAt: Date;
  /** What will be written (JSON), recorded with the claim, before the write: a retry that finds it done owes the alert. */
  readonly intent?: string | undefined;
  /** Who made the change the case is about, when known (the sweep knows nobody). */
  readonly actor?: string | undefined;
  /**
   * SECURITY_HUB=true, a drift: the Security Hub finding this claim would open (flow/finding.ts). Kept when the case
   * already has one still open (a retry, a takeover, a standing drift's daily page): one finding per drift.
   */
  readonly finding?: string | undefined;
}

export interface ClaimOptions {
  readonly key: string;
  readonly now: Date;
  readonly leaseMs: number;
  readonly ttlSeconds: number;
  readonly case?: CaseClaim | undefined;
}

export interface ClaimRecord {
  readonly status: ClaimStatus;
  readonly outcome?: string | undefined;
  /**
   * Rendered alerts whose Publish failed (one, or a JSON list, oldest first): the retry sends them. Unless
   * `actFailed`, the work they report is done and the retry of the same trigger only sends them.
   */
  readonly pendingNotification?: string | undefined;
  /** The attempt's remediation failed: its retry acts again (and sends what is kept on the way). */
  readonly actFailed?: boolean | undefined;
  /** A failure alert already went out for this case: retries stay quiet until they succeed (or a day has passed). */
  readonly failureAlerted?: boolean | undefined;
  readonly failureAlertedAt?: Date | undefined;
  /** Cases: the trigger that holds or held it, and who made the change it is about (undefined: nobody known). */
  readonly owner?: string | undefined;
  readonly actor?: string | undefined;
  readonly fingerprint?: string | undefined;
  /** Cases: the intent recorded before the write (see CaseClaim.intent). */
  readonly intent?: string | undefined;
  /** Claims held by an invocation: until when (a live one still works on it). */
  readonly leaseUntil?: Date | undefined;
  /** Cases: when the case was closed (settled COMPLETED), and from when another trigger may claim it again. */
  readonly closedAt?: Date | undefined;
  readonly claimableAt?: Date | undefined;
  /** Cases: when the last "keeps being turned off" page went out; further ones within the hour are folded. */
  readonly fightPagedAt?: Date | undefined;
  /** Cases: the Security Hub finding of the drift, until Security Hub has it RESOLVED (flow/finding.ts). */
  readonly finding?: string | undefined;
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

/** What a settled case remembers beside its status. */
export interface CaseSettlement {
  readonly owner: string;
  readonly actor: string | undefined;
  readonly fingerprint: string;
  /** A closed case can be claimed again by a trigger whose read began after this (a remediated drift: now; a standing one: in a day). */
  readonly claimableAt: Date;
  readonly intent?: string | undefined;
  readonly fightPagedAt?: Date | undefined;
  /** The Security Hub finding of the drift while Security Hub may still show it open; undefined once RESOLVED. */
  readonly finding?: string | undefined;
}

export interface SettleOptions {
  readonly key: string;
  readonly status: Exclude<ClaimStatus, 'IN_PROGRESS'>;
  readonly now: Date;
  readonly ttlSeconds: number;
  readonly outcome?: string | undefined;
  readonly pendingNotification?: string | undefined;
  readonly actFailed?: boolean | undefined;
  readonly failureAlerted?: boolean | undefined;
  readonly failureAlertedAt?: Date | undefined;
  /** Written in the same request, so the history never misses a remediation that was settled. */
  readonly remediation?: RemediationRecord | undefined;
  readonly case?: CaseSettlement | undefined;
}

/** The state table (contract: `pk`/`sk` strings, TTL attribute `expiresAt`). */
export interface StateStorePort {
  /**
   * Takes the claim unless another delivery holds it (in progress within its lease) or has completed it. A completed
   * case is taken again by another trigger when its drift is a different one, or when it closed before that
   * trigger's read began; an expired item counts as gone even before DynamoDB deletes it.
   */
  claim(options: ClaimOptions): Promise<ClaimResult>;
  settle(options: SettleOptions): Promise<void>;
  /** The claim record under a key, read consistently; undefined when there is none. */
  readClaim(key: string): Promise<ClaimRecord | undefined>;
  /**
   * When the responder first saw an exemption ending at `until` under this key; records `now` when it never did (or
   * saw another end), so an exemption is bounded from when it appeared.
   */
  exemptionFirstSeen(key: string, until: string, now: Date): Promise<Date>;
  /** History entries of a key between `since` and `until`: an entry dated in the future is not counted. */
  countRemediationsSince(detectorKey: string, since: Date, until: Date): Promise<number>;
  /** Organization scope: how often each account was remediated in that window (one Query for the organization). */
  remediationsPerAccountSince(historyKey: string, since: Date, until: Date): Promise<Map<string, number>>;
  /** Organization scope: the member count the last sweep recorded under `key`; undefined before the first. */
  memberCount(key: string): Promise<MemberCountRecord | undefined>;
  recordMemberCount(key: string, record: MemberCountRecord): Promise<void>;
  /** Records a loss event's accounts under `key` (one item per event: a redelivery writes the same item). */
  recordMembershipLoss(key: string, loss: MembershipLoss): Promise<void>;
  /** The accounts the loss events made after `since` and up to `until` named, once each. */
  membershipLossesSince(key: string, since: Date, until: Date): Promise<Set<string>>;
  /**
   * Forgets a case's Security Hub finding once Security Hub has it RESOLVED, unless the case holds another one by
   * now (a conditional write: a new drift's claim in between keeps its own). With `replacement`, writes that instead
   * (an organization case whose other members' findings are still open).
   */
  forgetFinding(key: string, finding: string, replacement?: string): Promise<void>;
}

/** Organization scope: how many members a sweep saw, and when its read began. */
export interface MemberCountRecord {
  readonly count: number;
  readonly observedAt: Date;
  /** The sweep that saw it. */
  readonly eventId: string;
}

/** A loss event's record of the accounts it took out of the member list, so the next sweep's drop is explained. */
export interface MembershipLoss {
  /** When the call was made (its CloudTrail eventTime). */
  readonly at: Date;
  readonly eventId: string;
  readonly accounts: readonly string[];
}

/** One finding in the AWS Security Finding Format, as handlers/core/finding.ts builds it (plain data, no SDK type). */
export type AsffFinding = Readonly<Record<string, unknown>> & {
  readonly Id: string;
  readonly ProductArn: string;
};

/** Security Hub, for the findings of drifts (SECURITY_HUB=true). Both calls throw when any finding is refused. */
export interface FindingsPort {
  /** BatchImportFindings: creates the findings, or updates the provider's fields of those it created. */
  import(findings: readonly AsffFinding[]): Promise<void>;
  /** BatchUpdateFindings `Workflow.Status RESOLVED` with a note: the workflow BatchImportFindings cannot change. */
  resolve(findings: readonly Pick<AsffFinding, 'Id' | 'ProductArn'>[], note: string): Promise<void>;
}

/** The logging the responder needs: a constant message and structured fields (see edge logger). */
export interface LogPort {
  info(message: string, fields: Record<string, unknown>): void;
  warn(message: string, fields: Record<string, unknown>): void;
  error(message: string, fields: Record<string, unknown>): void;
}

/** One target of an EventBridge rule, as the tamper watch restores it (contract.ts OwnRule). */
export interface RuleTarget {
  readonly id: string;
  readonly arn: string;
  readonly deadLetterQueueArn?: string | undefined;
  readonly retryAttempts?: number | undefined;
  readonly maxEventAgeSeconds?: number | undefined;
}

/** The responder's own EventBridge rules on the default bus (the tamper watch: read, re-enable, restore the target). */
export interface EventRulesPort {
  /** The rule's state (`ENABLED`, `DISABLED`, ...); undefined when the rule does not exist. */
  ruleState(name: string): Promise<string | undefined>;
  enableRule(name: string): Promise<void>;
  /** The rule's targets (every page); undefined when the rule does not exist. */
  targets(name: string): Promise<{ id: string; arn: string }[] | undefined>;
  /** PutTargets of one target; rejects when EventBridge reports it as a failed entry. */
  putTarget(name: string, target: RuleTarget): Promise<void>;
}

/** CloudTrail trails (the tamper watch: the trail the app created). */
export interface TrailsPort {
  /** Whether the trail is logging; undefined when it does not exist. */
  isLogging(nameOrArn: string): Promise<boolean | undefined>;
  startLogging(nameOrArn: string): Promise<void>;
}

/** The alert topic's subscriptions: `PendingConfirmation` ones deliver nothing. */
export interface TopicSubscriptionsPort {
  count(topicArn: string): Promise<{ confirmed: number; pending: number }>;
}
