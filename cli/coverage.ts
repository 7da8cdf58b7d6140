/**
 * `check --coverage`: the runtime coverage of each EKS cluster, read the way the responder's sweep reads it
 * (ListCoverage, every page, EKS only; GetCoverageStatistics to check the listing) and judged with the same core
 * (handlers/core/coverage.ts): covered, unhealthy or excluded, with the documented next step. `--coverage` counts an
 * unhealthy cluster as not compliant (exit 1); `--coverage=report` only shows it.
 */
import {
  type ClusterCoverage,
  type CoverageCounts,
  CoverageUnavailableError,
  type CoverageVerdict,
  classify,
  countCoverage,
  listingShortfall,
  type NextStep,
  nextStep,
  nodesText,
} from '../handlers/core/coverage.js';
import type { CoveragePort } from '../handlers/ports.js';
import { AwsCallError, EXIT, type ExitCode } from './errors.js';

export const COVERAGE_MODES = ['enforce', 'report'] as const;
/** `enforce` (`--coverage`): unhealthy clusters fail the check. `report` (`--coverage=report`): they are shown only. */
export type CoverageMode = (typeof COVERAGE_MODES)[number];

export interface ClusterResult {
  readonly cluster: ClusterCoverage;
  readonly verdict: CoverageVerdict;
  readonly step: NextStep;
}

export type RegionCoverage =
  | {
      readonly region: string;
      readonly status: 'ok';
      readonly detectorIds: readonly string[];
      readonly clusters: readonly ClusterResult[];
      /** What ListCoverage missed according to GetCoverageStatistics; undefined when nothing. */
      readonly shortfall: string | undefined;
    }
  | { readonly region: string; readonly status: 'no-detector' }
  /** The endpoint does not serve the coverage API (an emulator): coverage unknown, not unhealthy. */
  | { readonly region: string; readonly status: 'unavailable'; readonly reason: string }
  | { readonly region: string; readonly status: 'error'; readonly error: string; readonly errorKind: string };

export interface CoverageSection {
  readonly mode: CoverageMode;
  readonly regions: readonly RegionCoverage[];
}

/** The error (or cause) that says the coverage API is not there; undefined for any other failure. */
function unavailable(error: unknown): CoverageUnavailableError | undefined {
  for (let current = error; current instanceof Error; current = current.cause) {
    if (current instanceof CoverageUnavailableError) return current;
  }
  return undefined;
}

/**
 * One Region's coverage through its detector(s): an administrator's detector lists every member's clusters too. A
 * failed read is the Region's error (the command exits 3), never an empty, healthy-looking list.
 */
export async function readRegionCoverage(
  region: string,
  coverage: CoveragePort,
  detectorIds: readonly string[],
): Promise<RegionCoverage> {
  if (detectorIds.length === 0) return { region, status: 'no-detector' };
  try {
    const clusters: ClusterResult[] = [];
    const shortfalls: string[] = [];
    for (const detectorId of detectorIds) {
      const [listed, statistics] = await Promise.all([
        coverage.listClusters(detectorId),
        coverage.statistics(detectorId),
      ]);
      const shortfall = listingShortfall(listed, statistics);
      if (shortfall) shortfalls.push(shortfall);
      // The detector's own clusters carry its id; any other account's are members' (the administrator's view).
      const own = listed.find((cluster) => cluster.detectorId === detectorId)?.accountId;
      for (const cluster of listed) {
        const step = nextStep(cluster, { region, responderAccountId: own ?? cluster.accountId, detectorId });
        clusters.push({ cluster, verdict: classify(cluster), step });
      }
    }
    return {
      region,
      status: 'ok',
      detectorIds,
      clusters,
      shortfall: shortfalls.length ? shortfalls.join('; ') : undefined,
    };
  } catch (error) {
    const missing = unavailable(error);
    if (missing) return { region, status: 'unavailable', reason: missing.message };
    if (error instanceof AwsCallError && error.kind !== 'credentials') {
      return { region, status: 'error', error: error.message, errorKind: error.kind };
    }
    throw error;
  }
}

export function coverageCounts(section: CoverageSection): CoverageCounts & { readonly regionErrors: number } {
  const clusters = section.regions.flatMap((region) => (region.status === 'ok' ? region.clusters : []));
  return {
    ...countCoverage(clusters.map((result) => result.verdict.state)),
    regionErrors: section.regions.filter((region) => region.status === 'error').length,
  };
}

/** 3 when a Region's coverage could not be read; 1 when a cluster is unhealthy and the mode enforces; else 0. */
export function coverageExitCode(section: CoverageSection): ExitCode {
  const counts = coverageCounts(section);
  if (counts.regionErrors > 0) return EXIT.aws;
  if (section.mode === 'enforce' && counts.unhealthy > 0) return EXIT.nonCompliant;
  return EXIT.ok;
}

/** The more serious of two exit codes: an incomplete result (3) over a failure (1) over success (0). */
export function worstExitCode(a: ExitCode, b: ExitCode): ExitCode {
  const rank = (code: ExitCode) =>
    code === EXIT.aws ? 3 : code === EXIT.usage ? 2 : code === EXIT.nonCompliant ? 1 : 0;
  return rank(a) >= rank(b) ? a : b;
}

export const COVERAGE_HEADERS = [
  'Region',
  'Account',
  'Cluster',
  'Status',
  'Issue',
  'Nodes covered/compatible',
  'Add-on version',
  'Management',
] as const;

const STATE_LABEL = { covered: 'HEALTHY', unhealthy: 'UNHEALTHY', excluded: 'EXCLUDED' } as const;

/** One line of free text for a table cell: no line breaks, cut short (the details below carry the rest). */
function cell(text: string | undefined, max = 60): string {
  if (text === undefined || text.trim() === '') return '-';
  const flat = text.replace(/[\p{Cc}\p{Zl}\p{Zp}]+/gu, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function nodes(cluster: ClusterCoverage): string {
  return `${cluster.coveredNodes ?? '?'}/${cluster.compatibleNodes ?? '?'}`;
}

/** The per-cluster table rows: unhealthy first, then excluded, then covered; a row per Region that has none. */
export function coverageRows(section: CoverageSection): string[][] {
  const order = { unhealthy: 0, excluded: 1, covered: 2 } as const;
  const rows: string[][] = [];
  for (const region of section.regions) {
    if (region.status !== 'ok') {
      const label =
        region.status === 'no-detector'
          ? 'NO DETECTOR'
          : region.status === 'unavailable'
            ? 'UNKNOWN'
            : 'ERROR';
      rows.push([region.region, '-', '-', label, '-', '-', '-', '-']);
      continue;
    }
    if (region.clusters.length === 0) {
      rows.push([region.region, '-', '(no EKS cluster)', '-', '-', '-', '-', '-']);
      continue;
    }
    const sorted = [...region.clusters].sort(
      (a, b) =>
        order[a.verdict.state] - order[b.verdict.state] ||
        a.cluster.clusterName.localeCompare(b.cluster.clusterName),
    );
    for (const { cluster, verdict } of sorted) {
      rows.push([
        region.region,
        cell(cluster.accountId, 12),
        cell(cluster.clusterName, 100),
        STATE_LABEL[verdict.state],
        verdict.state === 'covered' ? '-' : cell(cluster.issue ?? verdict.reason),
        nodes(cluster),
        cell(cluster.addonVersion, 32),
        cell(cluster.managementType, 16),
      ]);
    }
  }
  return rows;
}

/** Under the table: each cluster that is not covered, with its issue and the next step, and how each Region went. */
function coverageDetails(section: CoverageSection): string[] {
  const lines: string[] = [];
  for (const region of section.regions) {
    if (region.status === 'unavailable') lines.push(`${region.region}: coverage unknown, ${region.reason}`);
    if (region.status === 'error') lines.push(`${region.region}: coverage not read (the error is on stderr)`);
    if (region.status !== 'ok') continue;
    if (region.shortfall) lines.push(`${region.region}: the listing may be incomplete: ${region.shortfall}`);
    for (const { cluster, verdict, step } of region.clusters) {
      if (verdict.state === 'covered') continue;
      lines.push(
        `${region.region} ${cell(cluster.clusterName, 100)} (account ${cell(cluster.accountId, 12)}): ${STATE_LABEL[verdict.state]}`,
      );
      lines.push(`  issue:     ${cell(cluster.issue ?? verdict.reason, 400)}`);
      lines.push(`  nodes:     ${nodesText(cluster)}`);
      lines.push(`  next step: ${step.advice}`);
      for (const command of step.commands) lines.push(`    $ ${command}`);
      lines.push(`  docs:      ${step.docs}`);
    }
  }
  return lines;
}

function summaryLine(section: CoverageSection): string {
  const counts = coverageCounts(section);
  const clusters = counts.covered + counts.unhealthy + counts.excluded;
  return [
    `${clusters} EKS cluster(s): ${counts.covered} covered, ${counts.unhealthy} unhealthy, ${counts.excluded} excluded`,
    ...(counts.unhealthy > 0
      ? [
          section.mode === 'enforce'
            ? 'unhealthy clusters count as not compliant'
            : 'reported only (--coverage=report)',
        ]
      : []),
    ...(counts.regionErrors > 0 ? [`${counts.regionErrors} Region(s) failed`] : []),
  ].join('; ');
}

/** A text table of headers and rows (render.ts's `table`, passed in so the two modules do not import each other). */
export type TableRenderer = (headers: readonly string[], rows: readonly (readonly string[])[]) => string;

/** The coverage part of `check`'s text output. */
export function renderCoverage(section: CoverageSection, table: TableRenderer): string {
  const details = coverageDetails(section);
  return [
    'EKS runtime coverage (ListCoverage):',
    table(COVERAGE_HEADERS, coverageRows(section)),
    '',
    ...(details.length ? [...details, ''] : []),
    summaryLine(section),
  ].join('\n');
}

/** The coverage part of `check`'s `--json` document (stable field names, like the rest of it). */
export function coverageJson(section: CoverageSection): object {
  const counts = coverageCounts(section);
  return {
    mode: section.mode,
    summary: counts,
    exitCode: coverageExitCode(section),
    regions: section.regions.map((region) => ({
      region: region.region,
      status: region.status,
      error: region.status === 'error' ? region.error : null,
      errorKind: region.status === 'error' ? region.errorKind : null,
      reason: region.status === 'unavailable' ? region.reason : null,
      detectorIds: region.status === 'ok' ? region.detectorIds : [],
      listingShortfall: region.status === 'ok' ? (region.shortfall ?? null) : null,
      clusters:
        region.status === 'ok'
          ? region.clusters.map(({ cluster, verdict, step }) => ({
              accountId: cluster.accountId,
              clusterName: cluster.clusterName,
              state: verdict.state,
              coverageStatus: cluster.coverageStatus ?? null,
              issue: cluster.issue ?? null,
              reason: verdict.reason ?? null,
              coveredNodes: cluster.coveredNodes ?? null,
              compatibleNodes: cluster.compatibleNodes ?? null,
              addonVersion: cluster.addonVersion ?? null,
              addonStatus: cluster.addonStatus ?? null,
              managementType: cluster.managementType ?? null,
              updatedAt: cluster.updatedAt?.toISOString() ?? null,
              nextStep: verdict.state === 'covered' ? null : step,
            }))
          : [],
    })),
  };
}
