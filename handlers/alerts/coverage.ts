/**
 * The coverage alert: which EKS clusters lost (or regained) runtime protection, with the issue, node counts, add-on
 * version, management type and the documented next step of each. One page per transition of one cluster (a coverage
 * event), or one digest per sweep for every cluster whose coverage changed (members included, in organization
 * scope). Plain facts in, one rendering per SNS protocol out; every string from GuardDuty is scrubbed first.
 *
 * Over 300 lines on purpose: the three renderings of the coverage alert stay side by side, as in detector.ts.
 */
import {
  type ClusterCoverage,
  type CoverageCounts,
  GUARDDUTY_AGENT_ADDON,
  type NextStep,
  nodesText,
} from '../core/coverage.js';
import type { ResponderMode, ResponderScope } from '../core/types.js';
import type { RenderedNotification } from '../ports.js';
import { invalidIdentifiers } from './detector.js';
import { type Budget, Cuts } from './fit.js';
import { chatbotNotification } from './protocols.js';
import { type AlertRenderer, alertSubject, chatTokens, renderAlert, structuredAlertOf } from './render.js';
import {
  accountIdText,
  clean,
  codeSpan,
  consoleUrl,
  cut,
  detectorIdText,
  quoteInvalid,
  regionText,
  severityTag,
  validAccountId,
  validDetectorId,
  validRegion,
} from './text.js';

/** What happened to one cluster's coverage. */
export type ClusterChange = 'unhealthy' | 'still-unhealthy' | 'excluded' | 'recovered';
export type CoverageOutcome = 'coverage-unhealthy' | 'coverage-recovered' | 'coverage-excluded';

/** A cluster as an alert shows it: plain data (its update time as ISO text), scrubbed before rendering. */
export type ClusterView = Omit<ClusterCoverage, 'updatedAt'> & { readonly updatedAt: string | undefined };

export function clusterView(cluster: ClusterCoverage): ClusterView {
  return { ...cluster, updatedAt: cluster.updatedAt?.toISOString() };
}

/** One cluster in an alert. */
export interface CoverageLine {
  readonly cluster: ClusterView;
  readonly change: ClusterChange;
  /** Why it is excluded or unhealthy, when the issue does not say (classify's reason). */
  readonly reason: string | undefined;
  readonly step: NextStep;
  /** Recovered: the state it was reported in before. */
  readonly previous: string | undefined;
}

export interface CoverageAlertFacts {
  /** The account the responder runs in (the delegated administrator's, in organization scope). */
  readonly accountId: string;
  readonly region: string;
  readonly mode: ResponderMode;
  readonly scope: ResponderScope;
  readonly trigger: 'coverage' | 'sweep';
  readonly eventId: string;
  readonly eventTime: string;
  /** The event's detail-type; null for the sweep. */
  readonly eventName: string | null;
  /** The detector the sweep read coverage through; null for an event. */
  readonly detectorId: string | null;
  readonly lines: readonly CoverageLine[];
  /** Sweep: the Region's clusters by state (members included); undefined for an event. */
  readonly counts: CoverageCounts | undefined;
  /** Sweep: what ListCoverage missed according to GetCoverageStatistics; undefined when nothing. */
  readonly shortfall: string | undefined;
}

const NOT_PROTECTED: readonly ClusterChange[] = ['unhealthy', 'still-unhealthy'];

export function coverageOutcome(facts: Pick<CoverageAlertFacts, 'lines'>): CoverageOutcome {
  if (facts.lines.some((line) => NOT_PROTECTED.includes(line.change))) return 'coverage-unhealthy';
  if (facts.lines.some((line) => line.change === 'recovered')) return 'coverage-recovered';
  return 'coverage-excluded';
}

/** High when someone has something to fix; a recovery, an exclusion or a cluster still provisioning is medium. */
export function coverageSeverity(facts: Pick<CoverageAlertFacts, 'lines'>): 'high' | 'medium' {
  return facts.lines.some((line) => NOT_PROTECTED.includes(line.change) && line.step.actionable)
    ? 'high'
    : 'medium';
}

const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;

function headline(facts: CoverageAlertFacts): string {
  const [only] = facts.lines;
  if (facts.lines.length === 1 && only) {
    const name = clean(only.cluster.clusterName, 100);
    switch (only.change) {
      case 'unhealthy':
        return `EKS cluster ${name} not protected (coverage UNHEALTHY)`;
      case 'still-unhealthy':
        return `EKS cluster ${name} still not protected (coverage UNHEALTHY)`;
      case 'excluded':
        return `EKS cluster ${name} excluded from runtime monitoring`;
      case 'recovered':
        return `EKS cluster ${name} protected again (coverage HEALTHY)`;
    }
  }
  const count = (changes: readonly ClusterChange[]) =>
    facts.lines.filter((line) => changes.includes(line.change)).length;
  return [
    [count(NOT_PROTECTED), 'not protected'] as const,
    [count(['recovered']), 'protected again'] as const,
    [count(['excluded']), 'newly excluded'] as const,
  ]
    .filter(([n]) => n > 0)
    .map(([n, what], index) => (index === 0 ? `${plural(n, 'EKS cluster')} ${what}` : `${n} ${what}`))
    .join('; ');
}

const STATUS_TEXT: Record<ClusterChange, string> = {
  unhealthy: 'UNHEALTHY (newly)',
  'still-unhealthy': 'UNHEALTHY, still (reported again after a day)',
  excluded: 'EXCLUDED',
  recovered: 'HEALTHY again',
};

function addonText(cluster: ClusterView): string {
  if (cluster.addonVersion === undefined && cluster.addonStatus === undefined) return 'unknown';
  return `${GUARDDUTY_AGENT_ADDON} ${clean(cluster.addonVersion, 64)}${cluster.addonStatus ? ` (${clean(cluster.addonStatus, 64)})` : ''}`;
}

function issueText(line: CoverageLine, max: number, cuts: Cuts): string {
  const issue = line.cluster.issue ?? line.reason;
  return issue === undefined ? 'none given' : cuts.text('issue', clean(issue, Number.MAX_SAFE_INTEGER), max);
}

function clusterTitle(cluster: ClusterView): string {
  return `${clean(cluster.clusterName, 100)} (account ${accountIdText(cluster.accountId)})`;
}

function emailLines(line: CoverageLine, budget: Budget, cuts: Cuts): string[] {
  const { cluster } = line;
  if (line.change === 'recovered') {
    return [
      `Cluster:   ${clusterTitle(cluster)}`,
      `  Status:     HEALTHY again (was ${clean(line.previous, 32)}), nodes ${nodesText(cluster)}`,
    ];
  }
  return [
    `Cluster:   ${clusterTitle(cluster)}`,
    `  Status:     ${STATUS_TEXT[line.change]}`,
    `  Issue:      ${issueText(line, budget.entry, cuts)}`,
    `  Nodes:      ${nodesText(cluster)}`,
    `  Add-on:     ${addonText(cluster)}`,
    `  Management: ${clean(cluster.managementType ?? 'unknown (events do not say)', 64)}`,
    `  Next step:  ${line.step.advice}`,
    ...line.step.commands.map((command) => `      $ ${command}`),
    `  Docs:       ${line.step.docs}`,
  ];
}

function countsText(counts: CoverageCounts): string {
  return `${counts.covered} covered, ${counts.unhealthy} unhealthy, ${counts.excluded} excluded`;
}

function triggerText(facts: CoverageAlertFacts): string {
  return facts.trigger === 'sweep'
    ? `scheduled sweep (${clean(facts.eventId, 128)}), ListCoverage through detector ${detectorIdText(facts.detectorId)}`
    : `${clean(facts.eventName ?? 'coverage event', 64)} event (${clean(facts.eventId, 128)})`;
}

/** What the responder did: nothing to EKS, ever; a recovery needs nothing at all. */
function actionOf(facts: CoverageAlertFacts): string {
  return coverageOutcome(facts) === 'coverage-recovered'
    ? 'Nothing to do: GuardDuty receives the runtime events of these clusters again.'
    : 'Nothing: coverage is reported, not repaired (the responder writes nothing to EKS). The next step of each ' +
        'cluster is the documented fix.';
}

function emailText(facts: CoverageAlertFacts, budget: Budget, cuts: Cuts): string[] {
  const listed = cuts.list('clusters', facts.lines, budget.emailAccounts);
  const hidden = facts.lines.length - listed.length;
  return [
    headline(facts),
    '',
    `Outcome:   ${coverageOutcome(facts)}, severity ${coverageSeverity(facts)}`,
    `Account:   ${accountIdText(facts.accountId)}${facts.scope === 'organization' ? ' (delegated administrator: member clusters included)' : ''}`,
    `Region:    ${regionText(facts.region)}`,
    `Trigger:   ${triggerText(facts)}`,
    `When:      ${clean(facts.eventTime, 40)}`,
    ...(facts.counts ? [`Clusters:  ${countsText(facts.counts)} (EKS, this Region)`] : []),
    ...(facts.shortfall ? [`Listing:   ${clean(facts.shortfall)}`] : []),
    '',
    ...listed.flatMap((line) => [...emailLines(line, budget, cuts), '']),
    ...(hidden > 0
      ? [
          `… and ${hidden} more cluster(s): see the structured alert or run \`guardduty-drift check --coverage\``,
          '',
        ]
      : []),
    'What the responder did:',
    `  ${actionOf(facts)}`,
    '',
    `Console:   ${consoleUrl(facts.region)}`,
  ];
}

function chatbotPayload(facts: CoverageAlertFacts, subject: string, budget: Budget): object {
  const tokens = chatTokens(facts.accountId, facts.region, facts.detectorId);
  const listed = facts.lines.slice(0, budget.chatAccounts);
  const quiet = new Cuts();
  const lines = [
    `*Account* ${codeSpan(accountIdText(facts.accountId), 80)} · *Region* ${codeSpan(regionText(facts.region), 80)}${facts.counts ? ` · *Clusters* ${countsText(facts.counts)}` : ''}`,
    ...listed.map((line) => {
      const { cluster } = line;
      const head = `• *${codeSpan(cluster.clusterName, 100)}* (${codeSpan(accountIdText(cluster.accountId), 80)}) ${STATUS_TEXT[line.change]}`;
      if (line.change === 'recovered') return `${head} · *Nodes* ${nodesText(cluster)}`;
      return (
        `${head} · *Nodes* ${nodesText(cluster)} · *Add-on* ${codeSpan(addonText(cluster), 100)} · ` +
        `*Management* ${codeSpan(cluster.managementType ?? 'unknown', 32)}\n` +
        `  *Issue* ${codeSpan(issueText(line, Math.min(300, budget.entry), quiet), 320)}\n` +
        `  *Next step* ${line.step.advice}`
      );
    }),
    ...(facts.lines.length > listed.length ? [`…and ${facts.lines.length - listed.length} more`] : []),
  ];
  const commands = listed
    .flatMap((line) =>
      line.step.commands.slice(0, 1).map((command) => `${clean(line.cluster.clusterName, 100)}: ${command}`),
    )
    .slice(0, 5);
  return chatbotNotification({
    id: cut(facts.eventId, 128),
    // Severity first, with its colour, as every alert's title (alerts/text.ts severityTag).
    title: `${severityTag(coverageSeverity(facts))} · ${headline(facts)}`,
    description: lines.join('\n'),
    nextSteps: [
      ...commands,
      `Open GuardDuty Runtime Monitoring (EKS clusters runtime coverage): ${consoleUrl(facts.region)}`,
    ],
    keywords: [coverageOutcome(facts), coverageSeverity(facts), tokens.region, 'coverage'],
    threadId: `guardduty-drift/${tokens.accountId}/${tokens.region}/coverage`,
    summary: subject,
    eventType: coverageOutcome(facts),
    accountId: tokens.accountId,
    region: tokens.region,
  });
}

function optional(text: string | undefined, max: number): string | null {
  return text === undefined ? null : clean(text, max);
}

function structuredCluster(line: CoverageLine, budget: Budget, cuts: Cuts): object {
  const { cluster } = line;
  const accountId = validAccountId(cluster.accountId);
  return {
    accountId: accountId ?? null,
    ...(accountId === undefined ? { invalidAccountId: quoteInvalid(cluster.accountId) } : {}),
    clusterName: clean(cluster.clusterName, 100),
    change: line.change,
    coverageStatus: optional(cluster.coverageStatus, 32),
    previous: optional(line.previous, 32),
    issue: cluster.issue === undefined ? null : issueText(line, budget.entry, cuts),
    reason: optional(line.reason, 200),
    coveredNodes: cluster.coveredNodes ?? null,
    compatibleNodes: cluster.compatibleNodes ?? null,
    addonVersion: optional(cluster.addonVersion, 64),
    addonStatus: optional(cluster.addonStatus, 64),
    managementType: optional(cluster.managementType, 32),
    updatedAt: optional(cluster.updatedAt, 40),
    nextStep: {
      kind: line.step.kind,
      advice: line.step.advice,
      commands: line.step.commands,
      actionable: line.step.actionable,
      docs: line.step.docs,
    },
  };
}

/** One cluster's status before and after, for the contract's `before`/`after` (null in a digest of several). */
function singleStatus(facts: CoverageAlertFacts): { before: object | null; after: object | null } {
  const [only] = facts.lines;
  if (facts.lines.length !== 1 || only === undefined) return { before: null, after: null };
  const after = { coverageStatus: optional(only.cluster.coverageStatus, 32), nodes: nodesText(only.cluster) };
  return {
    before: only.previous === undefined ? null : { coverageStatus: clean(only.previous, 32) },
    after,
  };
}

function structuredWithin(facts: CoverageAlertFacts, budget: Budget, cuts: Cuts): Record<string, unknown> {
  const invalid = invalidIdentifiers(facts);
  const clusters = cuts.list('clusters', facts.lines, budget.structuredAccounts);
  return {
    schemaVersion: 1,
    kind: 'coverage',
    scope: facts.scope,
    outcome: coverageOutcome(facts),
    severity: coverageSeverity(facts),
    accountId: validAccountId(facts.accountId) ?? null,
    region: validRegion(facts.region) ?? null,
    detectorId: validDetectorId(facts.detectorId) ?? null,
    ...(invalid ? { invalidIdentifiers: invalid } : {}),
    mode: facts.mode,
    trigger: facts.trigger,
    actor: facts.trigger === 'sweep' ? 'scheduled sweep' : 'GuardDuty coverage event',
    eventId: clean(facts.eventId, 128),
    eventTime: clean(facts.eventTime, 40),
    eventName: facts.eventName === null ? null : clean(facts.eventName, 64),
    ...singleStatus(facts),
    counts: facts.counts ?? null,
    listingShortfall: optional(facts.shortfall, 400),
    clusters: clusters.map((line) => structuredCluster(line, budget, cuts)),
    clustersTruncated: facts.lines.length > clusters.length,
    action: actionOf(facts),
    consoleUrl: consoleUrl(facts.region),
  };
}

/** The coverage alert's renderings, for {@link renderAlert}. */
const COVERAGE_ALERT: AlertRenderer<CoverageAlertFacts> = {
  subject: (facts) => alertSubject(coverageSeverity(facts), facts.accountId, facts.region, headline(facts)),
  severity: coverageSeverity,
  outcome: coverageOutcome,
  ids: (facts) => facts,
  // The cut note points to the CLI's check: coverage events carry no CloudTrail record to look up.
  origin: (facts) => ({ trigger: 'sweep', eventId: facts.eventId }),
  structured: structuredWithin,
  email: emailText,
  chat: chatbotPayload,
};

/** The machine-readable coverage alert (SQS, Lambda): the contract fields, the counts and each cluster's next step. */
export function structuredCoverageAlert(facts: CoverageAlertFacts, budget?: Budget): object {
  return structuredAlertOf(facts, COVERAGE_ALERT, budget);
}

/** The coverage alert for every protocol: facts scrubbed first (GuardDuty's issue text is free text), fitted to SNS. */
export function renderCoverageAlert(facts: CoverageAlertFacts): RenderedNotification {
  return renderAlert(facts, COVERAGE_ALERT);
}
