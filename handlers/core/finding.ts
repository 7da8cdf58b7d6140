/**
 * A drift as a Security Hub finding (AWS Security Finding Format, product `default`): pure mapping, no SDK. One drift
 * of one target is one case (flow/case.ts) and one finding: its id is made once, when the case opens, and kept while
 * the drift lasts (retries, takeovers, a standing drift's daily page), so each of them updates the same finding; a new
 * drift after a confirmed restore opens a new case and a new finding. Every string that may come from an event is
 * scrubbed and cut here to ASFF's limits, whatever the caller passed (it uses the alerts' own scrub).
 */

import { createHash } from 'node:crypto';
import { cut, scrub } from '../alerts/text.js';
import { AWS_REGION_NAME } from '../contract.js';
import type { AsffFinding } from '../ports.js';
import * as z from '../schema.js';

/** ASFF's lengths (BatchImportFindings refuses a finding beyond them) and the batch limits. */
export const ASFF_LIMITS = {
  title: 256,
  description: 1024,
  recommendationText: 512,
  url: 512,
  id: 512,
  /** Findings per BatchImportFindings / BatchUpdateFindings request. */
  batch: 100,
  /** Bytes of one finding. */
  findingBytes: 240 * 1024,
} as const;

export const FINDING_SCHEMA_VERSION = '2018-10-08';
export const FINDING_GENERATOR = 'guardduty-drift-responder';
/** Where a drift sits in the ASFF types taxonomy (namespace/category/classifier). */
export const FINDING_TYPES = [
  'Software and Configuration Checks/AWS Security Best Practices/GuardDuty EKS Runtime Monitoring',
] as const;

export type FindingSeverity = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'INFORMATIONAL';
/** The alert severities, as Security Hub labels them. */
const SEVERITY_LABELS = {
  critical: 'CRITICAL',
  high: 'HIGH',
  medium: 'MEDIUM',
  low: 'LOW',
} as const satisfies Record<string, FindingSeverity>;
export type AlertSeverity = keyof typeof SEVERITY_LABELS;

export function severityLabel(severity: AlertSeverity): FindingSeverity {
  return SEVERITY_LABELS[severity];
}

/** What a case keeps of its finding (JSON in the case record): enough to update or resolve it later. */
const findingRefSchema = z.object({
  id: z.string().check(z.regex(/^guardduty-drift-responder\/[0-9a-f]{40}$/)),
  /** When the drift was first seen: the finding's CreatedAt and FirstObservedAt, the same on every update. */
  firstObservedAt: z.iso.datetime(),
});
export type FindingRef = z.infer<typeof findingRefSchema>;

export function encodeFindingRef(ref: FindingRef): string {
  return JSON.stringify(ref);
}

/** The finding a case record keeps; undefined when there is none or it does not parse (a forged value is ignored). */
export function decodeFindingRef(text: string | undefined): FindingRef | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed = findingRefSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The finding id of the drift a trigger opens as a case: a digest of the case's key and its opener (`event#<id>` or
 * `sweep#<id>`), so nothing an event carries reaches the id, and two drifts of a target never share one.
 */
export function findingIdOf(caseKey: string, owner: string): string {
  const digest = createHash('sha256').update(`${caseKey}\n${owner}`).digest('hex').slice(0, 40);
  return `${FINDING_GENERATOR}/${digest}`;
}

/** The drift the finding is about, in plain data (handlers/flow/finding.ts builds it from the alert's facts). */
export interface DriftFinding {
  readonly ref: FindingRef;
  /** The responder's own partition, account and Region: the product's, and the finding's AwsAccountId. */
  readonly partition: string;
  readonly accountId: string;
  readonly region: string;
  /** The detector the drift is about (a member's, in organization scope); null when there is none (deleted). */
  readonly resource: {
    readonly accountId: string;
    readonly region: string;
    readonly detectorId: string | null;
  };
  /** `open`: protection is off (or was left off); `resolved`: the responder read it back protected. */
  readonly state: 'open' | 'resolved';
  readonly severity: AlertSeverity;
  readonly title: string;
  /** Paragraphs of the description, most important first: what the responder did and why, then who, then details. */
  readonly description: readonly string[];
  /** The next step: the CLI command that fixes or checks it, and the runbook section (its URL when RUNBOOK_URL is set). */
  readonly recommendation: string;
  readonly runbookUrl?: string | undefined;
  readonly updatedAt: string;
  /** Short facts for filters (outcome, mode, actor), scrubbed like the rest. */
  readonly productFields?: Readonly<Record<string, string>> | undefined;
}

const ACCOUNT = /^\d{12}$/;
const DETECTOR = /^[0-9a-z]{1,300}$/;
const PARTITION = /^aws(-[a-z]+)*$/;

/** The product the responder imports into: the account's own `default` product. */
export function productArn(partition: string, region: string, accountId: string): string {
  return `arn:${partition}:securityhub:${region}:${accountId}:product/${accountId}/default`;
}

/** The ASFF resource of the drift: the detector's ARN, or the account when there is no detector. */
function resourceOf(finding: DriftFinding): Record<string, unknown> {
  const { partition, resource } = finding;
  const account = ACCOUNT.test(resource.accountId) ? resource.accountId : finding.accountId;
  const region = AWS_REGION_NAME.test(resource.region) ? resource.region : finding.region;
  if (resource.detectorId !== null && DETECTOR.test(resource.detectorId)) {
    return {
      Type: 'AwsGuardDutyDetector',
      Id: `arn:${partition}:guardduty:${region}:${account}:detector/${resource.detectorId}`,
      Region: region,
      Partition: partition,
    };
  }
  return { Type: 'AwsAccount', Id: `AWS::::Account:${account}`, Region: region, Partition: partition };
}

/** One line, no control or invisible characters, at most `max` characters; never empty. */
function text(value: string, max: number): string {
  const flat = scrub(value);
  return cut(flat === '' ? 'unknown' : flat, max);
}

/** The description: whole paragraphs while they fit, the last one cut, within ASFF's 1024 characters. */
function description(paragraphs: readonly string[]): string {
  const parts = paragraphs.map((paragraph) => scrub(paragraph)).filter((paragraph) => paragraph !== '');
  return text(parts.join(' '), ASFF_LIMITS.description);
}

/**
 * The finding as BatchImportFindings takes it. Every required field is set on every import (an update is a full
 * finding with a later UpdatedAt); Severity and Types also go in FindingProviderFields, the provider's own copy that
 * customers' BatchUpdateFindings changes leave alone.
 */
export function toAsff(finding: DriftFinding): AsffFinding {
  const partition = PARTITION.test(finding.partition) ? finding.partition : 'aws';
  const severity = severityLabel(finding.severity);
  const resolved = finding.state === 'resolved';
  const runbook =
    finding.runbookUrl && /^https:\/\/\S+$/.test(finding.runbookUrl) && finding.runbookUrl.length <= 512
      ? finding.runbookUrl
      : undefined;
  const fields = Object.fromEntries(
    Object.entries(finding.productFields ?? {}).map(([key, value]) => [text(key, 128), text(value, 1024)]),
  );
  return {
    SchemaVersion: FINDING_SCHEMA_VERSION,
    Id: finding.ref.id,
    ProductArn: productArn(partition, finding.region, finding.accountId),
    GeneratorId: FINDING_GENERATOR,
    AwsAccountId: finding.accountId,
    Types: [...FINDING_TYPES],
    CreatedAt: finding.ref.firstObservedAt,
    FirstObservedAt: finding.ref.firstObservedAt,
    UpdatedAt: finding.updatedAt,
    LastObservedAt: finding.updatedAt,
    Severity: { Label: severity, Original: finding.severity },
    FindingProviderFields: {
      Severity: { Label: severity, Original: finding.severity },
      Types: [...FINDING_TYPES],
    },
    Title: text(finding.title, ASFF_LIMITS.title),
    Description: description(finding.description),
    Remediation: {
      Recommendation: {
        Text: text(finding.recommendation, ASFF_LIMITS.recommendationText),
        ...(runbook ? { Url: runbook } : {}),
      },
    },
    ProductFields: { ...fields, 'guardduty-drift-responder/state': finding.state },
    Resources: [resourceOf({ ...finding, partition })],
    Compliance: { Status: resolved ? 'PASSED' : 'FAILED' },
    RecordState: 'ACTIVE',
    // Honoured on creation only (a drift restored before its first import is created RESOLVED); afterwards the
    // resolve is BatchUpdateFindings' job.
    Workflow: { Status: resolved ? 'RESOLVED' : 'NEW' },
  };
}

/** Findings in requests of at most ASFF_LIMITS.batch. */
export function batches<T>(findings: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < findings.length; start += ASFF_LIMITS.batch) {
    out.push(findings.slice(start, start + ASFF_LIMITS.batch));
  }
  return out;
}

/**
 * Organization scope: one case for the organization, one finding per drifted member. The case keeps the seed (the
 * id findingIdOf gives the case's opener, never used as a finding itself) and the members whose finding may still be
 * open, each as `<account>` or `<account>:<detector id>` (so a finding keeps the resource it was created with); a
 * member's finding id is a digest of the seed and its account id. The list is bounded: 1,000 entries are at most
 * about 50 KB of the case item (DynamoDB's limit is 400 KB, shared with a kept digest of up to 256 KB), and 1,000 findings are 10
 * BatchImportFindings and 10 BatchUpdateFindings calls of 100 per invocation. Members beyond it get no finding of
 * their own (the digest still lists them); docs/limits.md says so.
 */
export const MAX_MEMBER_FINDINGS = 1000;

const memberFindingsSchema = z.object({
  seed: findingRefSchema.shape.id,
  firstObservedAt: z.iso.datetime(),
  open: z
    .array(z.string().check(z.regex(/^\d{12}(:[0-9a-z]{1,64})?$/)))
    .check(z.maxLength(MAX_MEMBER_FINDINGS)),
});
export type MemberFindings = z.infer<typeof memberFindingsSchema>;

export function encodeMemberFindings(value: MemberFindings): string {
  return JSON.stringify(value);
}

/** The organization case's member findings; undefined when there are none or they do not parse. */
export function decodeMemberFindings(text: string | undefined): MemberFindings | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed = memberFindingsSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The finding id of one member's drift: stable for the case's seed and the member, free of event text. */
export function memberFindingIdOf(seed: string, accountId: string): string {
  const digest = createHash('sha256').update(`${seed}\nmember#${accountId}`).digest('hex').slice(0, 40);
  return `${FINDING_GENERATOR}/${digest}`;
}

/** A member of the open list: its account, and its detector when the finding was made with one. */
export function openMember(entry: string): {
  readonly accountId: string;
  readonly detectorId: string | null;
} {
  const [accountId = entry, detectorId] = entry.split(':');
  return { accountId, detectorId: detectorId ?? null };
}
