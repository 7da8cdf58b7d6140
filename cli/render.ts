import { clean } from '../handlers/alerts/text.js';
import type { Exemption } from '../handlers/core/exemption.js';
import { coverageJson, renderCoverage } from './coverage.js';
import type { ExitCode } from './errors.js';
import type { DetectorView, Verdict } from './inspect.js';
import {
  bothEnabled,
  type CommandReport,
  type DetectorResult,
  exitCodeOf,
  finalVerdict,
  summarize,
} from './report.js';

/** Version of the `--json` document; bumped only when a field is removed or changes meaning. */
export const JSON_SCHEMA_VERSION = 1;

/** A plain text table: columns padded to their widest cell, two spaces apart, no trailing spaces. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

export function exemptionCell(exemption: Exemption): string {
  switch (exemption.status) {
    case 'none':
      return '-';
    case 'active':
      return `until ${exemption.until}`;
    case 'expired':
      return `expired ${exemption.until}`;
    case 'malformed':
      return 'malformed (ignored)';
    case 'refused':
      return `refused (ends ${exemption.until}, beyond ${exemption.maxDays} days)`;
  }
}

const VERDICT_LABEL: Record<Verdict, string> = {
  compliant: 'COMPLIANT',
  'non-compliant': 'NON-COMPLIANT',
  exempt: 'EXEMPT',
};

export const CHECK_HEADERS = [
  'Region',
  'Detector',
  'Status',
  'Generation in use',
  'Agent management',
  'GuardDuty.7',
  'GuardDuty.11',
  'Exemption',
  'Verdict',
] as const;

/** Security Hub's verdict of one control for a detector, as the check table shows it. */
function controlCell(view: DetectorView, control: 'GuardDuty.7' | 'GuardDuty.11'): string {
  return view.controls?.[control] ?? '-';
}

/** The rows of the check table: one per detector, one per Region without a detector, failed or skipped. */
export function checkRows(report: CommandReport): string[][] {
  const rows: string[][] = [];
  for (const region of report.regions) {
    if (region.status === 'skipped') {
      rows.push([region.region, '-', '-', '-', '-', '-', '-', '-', 'SKIPPED']);
      continue;
    }
    if (region.status === 'error' && region.detectors.length === 0) {
      rows.push([region.region, '-', '-', '-', '-', '-', '-', '-', 'ERROR']);
      continue;
    }
    if (region.detectors.length === 0) {
      rows.push([region.region, '(none)', '-', '-', '-', 'FAILED', 'FAILED', '-', 'NO DETECTOR']);
      continue;
    }
    for (const result of region.detectors) {
      const view = result.after ?? result.before;
      rows.push([
        region.region,
        result.detectorId,
        view.status,
        view.generationInUse ?? 'none',
        view.agentManagement ?? '-',
        controlCell(view, 'GuardDuty.7'),
        controlCell(view, 'GuardDuty.11'),
        exemptionCell(view.exemption),
        VERDICT_LABEL[finalVerdict(result)],
      ]);
    }
  }
  return rows;
}

function describeExemption(exemption: Exemption): string | undefined {
  switch (exemption.status) {
    case 'none':
      return undefined;
    case 'active':
      return `exemption active until ${exemption.until}: ${clean(exemption.reason)}`;
    case 'expired':
      return `exemption expired on ${exemption.until} (was: ${clean(exemption.reason)})`;
    case 'malformed':
      return `exemption tags ignored: ${exemption.problem}`;
  }
}

const RESPONDER_SAYS: Record<Exclude<DetectorView['responderOutcome'], 'cost-warning'>, string> = {
  compliant: 'nothing to do',
  remediate: 're-enables protection at the next change event or sweep (notify mode: only reports it)',
  'would-remediate': 'reports it',
  exempt: 'reports the drift as exempt and leaves the detector alone until the exemption expires',
  'circuit-open': 'stops remediating and pages',
  'detector-deleted': 'reports the missing detector',
  'disable-denied': 'reports the denied attempt',
  ignored: 'ignores it',
};

/** What the responder (remediate mode, the same RUNTIME_TARGET) does with this detector at its next event or sweep. */
export function responderSays(view: DetectorView): string {
  if (view.responderOutcome === 'cost-warning') {
    return view.target === 'unified'
      ? 'disables EKS_RUNTIME_MONITORING (RUNTIME_MONITORING protects) and reports it, low severity'
      : 'reports that both generations bill, low severity, once a day';
  }
  if (view.responderOutcome === 'remediate' && view.target === 'unified' && view.protectedByEither) {
    return 'migrates it: RUNTIME_MONITORING first, a read-back, then EKS_RUNTIME_MONITORING off (notify mode: only reports it)';
  }
  return RESPONDER_SAYS[view.responderOutcome];
}

/** One line describing a detector's state, as alerts describe it. */
export function describeView(view: DetectorView): string {
  const features = view.runtimeFeatures.map(
    (feature) => `${feature.name} ${feature.status} (agent management ${feature.agentManagement})`,
  );
  return [`detector ${view.status}`, ...(features.length ? features : ['no runtime feature listed'])].join(
    '; ',
  );
}

/** How to create the missing detector, once for every Region without one. */
function createDetectorHint(regions: readonly string[]): string[] {
  if (regions.length === 0) return [];
  const region = regions.length === 1 ? regions[0] : 'REGION';
  return [
    `no GuardDuty detector in ${regions.length === 1 ? region : `${regions.length} Regions: ${regions.join(', ')}`}`,
    `  create one with runtime monitoring${regions.length === 1 ? '' : ' in each'}: aws guardduty create-detector --enable --region ${region} --features 'Name=RUNTIME_MONITORING,Status=ENABLED,AdditionalConfiguration=[{Name=EKS_ADDON_MANAGEMENT,Status=ENABLED}]'`,
  ];
}

/**
 * The explanation under the check table: why each detector is not compliant, and what happens next. Region errors
 * are not repeated here: they went to stderr as they happened.
 */
function checkDetails(report: CommandReport): string[] {
  const lines: string[] = [];
  const withoutDetector: string[] = [];
  for (const region of report.regions) {
    if (region.status === 'skipped') lines.push(`${region.region}: skipped, ${region.reason}`);
    if (region.status === 'ok' && region.detectors.length === 0) withoutDetector.push(region.region);
    for (const result of region.detectors) {
      const view = result.after ?? result.before;
      const exemption = describeExemption(view.exemption);
      const notes = generationNotes(view, region.region);
      if (view.verdict === 'compliant' && exemption === undefined && notes.length === 0) continue;
      lines.push(`${region.region} ${result.detectorId}: ${view.verdict.toUpperCase()}`);
      for (const problem of view.problems) lines.push(`  problem:   ${clean(problem)}`);
      for (const note of notes) lines.push(`  note:      ${note}`);
      if (exemption) lines.push(`  ${exemption}`);
      lines.push(`  responder: ${responderSays(view)}`);
      if (view.verdict === 'non-compliant')
        lines.push(
          `  fix now:   guardduty-drift ${view.target === 'unified' && view.protectedByEither ? 'migrate' : `enable${view.target === 'unified' ? ' --target unified' : ''}`} --region ${region.region}`,
        );
    }
  }
  return [...lines, ...createDetectorHint(withoutDetector)];
}

/** What the two generations mean for a detector beyond its verdict: the cost of both, GuardDuty.11 on legacy only. */
function generationNotes(view: DetectorView, region: string): string[] {
  const notes: string[] = [];
  if (bothEnabled(view)) {
    notes.push(
      'both generations are enabled: EKS_RUNTIME_MONITORING bills next to RUNTIME_MONITORING until it is disabled; ' +
        `\`guardduty-drift migrate --region ${region}\` disables it once RUNTIME_MONITORING protects`,
    );
  } else if (view.verdict === 'compliant' && view.controls?.['GuardDuty.11'] === 'FAILED') {
    notes.push(
      'Security Hub GuardDuty.11 fails: only the legacy EKS_RUNTIME_MONITORING is enabled; ' +
        `\`guardduty-drift migrate --region ${region}\` moves it to RUNTIME_MONITORING (or check with --target unified)`,
    );
  }
  return notes;
}

function summaryLine(report: CommandReport): string {
  const s = summarize(report);
  const parts = [
    `${s.detectors} detector(s) in ${s.regions} Region(s), target ${report.runtimeTarget ?? 'any'}: ${s.compliant} compliant, ${s.nonCompliant} non-compliant, ${s.exempt} exempt`,
  ];
  if (s.bothGenerations)
    parts.push(`${s.bothGenerations} with both generations enabled (EKS_RUNTIME_MONITORING billed twice)`);
  if (s.regionsWithoutDetector) parts.push(`${s.regionsWithoutDetector} Region(s) without a detector`);
  if (s.regionErrors) parts.push(`${s.regionErrors} Region(s) failed (the errors are on stderr)`);
  if (s.regionsSkipped) parts.push(`${s.regionsSkipped} Region(s) skipped`);
  return parts.join('; ');
}

export function renderCheck(report: CommandReport): string {
  const details = checkDetails(report);
  return [
    table(CHECK_HEADERS, checkRows(report)),
    '',
    ...(details.length ? [...details, ''] : []),
    summaryLine(report),
    ...(report.coverage ? ['', renderCoverage(report.coverage, table)] : []),
  ].join('\n');
}

function renderDetector(region: string, result: DetectorResult, dryRun: boolean): string[] {
  const lines = [`${region} ${result.detectorId}`];
  lines.push(`  before:    ${describeView(result.before)} -> ${VERDICT_LABEL[result.before.verdict]}`);
  const exemption = describeExemption(result.before.exemption);
  if (exemption) lines.push(`             ${exemption}`);
  for (const action of result.actions) {
    lines.push(`  ${action.done ? 'did:      ' : dryRun ? 'would do: ' : 'not done: '} ${action.summary}`);
    lines.push(`             ${action.awsCli}`);
  }
  if (result.after) {
    lines.push(`  after:     ${describeView(result.after)} -> ${VERDICT_LABEL[result.after.verdict]}`);
    const afterExemption = describeExemption(result.after.exemption);
    if (afterExemption) lines.push(`             ${afterExemption}`);
  }
  const final = result.after ?? result.before;
  lines.push(`  responder: ${responderSays(final)}`);
  for (const note of result.notes) lines.push(`  note:      ${note}`);
  if (!result.ok) lines.push('  RESULT:    did not end as intended (see above)');
  return lines;
}

/** Before/after blocks for enable, backout, exempt and unexempt. */
export function renderChange(report: CommandReport): string {
  const lines: string[] = [];
  if (report.dryRun) lines.push('DRY RUN: nothing was written to AWS.', '');
  for (const region of report.regions) {
    if (region.status === 'error') lines.push(`${region.region}: FAILED (the error is on stderr)`);
    if (region.status === 'skipped') lines.push(`${region.region}: skipped, ${region.reason}`);
    if (region.status === 'ok' && region.detectors.length === 0) {
      lines.push(`${region.region}: no GuardDuty detector in this Region; nothing to ${report.command}`);
    }
    for (const result of region.detectors)
      lines.push(...renderDetector(region.region, result, report.dryRun), '');
  }
  lines.push(summaryLine(report));
  return lines.join('\n');
}

/** A failure that ended the command before it had a report: bad arguments, no credentials, an unknown profile. */
export interface FatalError {
  readonly exitCode: ExitCode;
  /** `usage`, or an AWS error kind such as `credentials`. */
  readonly kind: string;
  readonly message: string;
}

/** The stable `--json` document of every command; `error` is null unless the command failed as a whole. */
export function toJsonDocument(report: CommandReport): object {
  return {
    schemaVersion: JSON_SCHEMA_VERSION,
    command: report.command,
    dryRun: report.dryRun,
    runtimeTarget: report.runtimeTarget ?? 'any',
    generatedAt: report.generatedAt,
    exitCode: exitCodeOf(report),
    error: null,
    summary: summarize(report),
    regions: report.regions.map((region) => ({
      region: region.region,
      status: region.status,
      error: region.status === 'error' ? region.error : null,
      errorKind: region.status === 'error' ? region.errorKind : null,
      skippedReason: region.status === 'skipped' ? region.reason : null,
      detectors: region.detectors.map((result) => ({
        detectorId: result.detectorId,
        verdict: finalVerdict(result),
        securityHub: (result.after ?? result.before).controls ?? null,
        ok: result.ok,
        before: result.before,
        after: result.after ?? null,
        actions: result.actions,
        notes: result.notes,
      })),
    })),
    // check --coverage only: the key is absent otherwise, so the document of every other command is unchanged.
    ...(report.coverage ? { coverage: coverageJson(report.coverage) } : {}),
  };
}

/**
 * The `--json` document of a command that failed as a whole, so a script reading stdout still parses one document:
 * the same fields, `error` set, no summary and no Regions.
 */
export function fatalJsonDocument(
  command: string | null,
  dryRun: boolean,
  generatedAt: string,
  error: FatalError,
): object {
  return {
    schemaVersion: JSON_SCHEMA_VERSION,
    command,
    dryRun,
    generatedAt,
    exitCode: error.exitCode,
    error: { kind: error.kind, message: error.message },
    summary: null,
    regions: [],
  };
}
