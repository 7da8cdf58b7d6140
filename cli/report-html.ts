/**
 * The evidence report as one self-contained HTML file (no script, no external resource): the summary, a timeline per
 * detector drawn in SVG and the tables of the Markdown report. The timeline's ground is the Region's compliance metric
 * hour by hour (compliant, non-compliant, unreported: nobody watched) when it was read, else the table's history
 * (protected where no drift was recorded, unknown before it); drifts restored, exemptions and the verdict now on top.
 */
import { type EvidenceReport, RETENTION, type TargetEvidence } from './report-evidence.js';
import { describeWatch, type WatchState } from './report-watch.js';

/** The timeline's colours; the screenshot test looks for these pixels. */
export const TIMELINE_COLOURS = {
  protected: '#2e7d32',
  unprotected: '#c62828',
  exempt: '#f9a825',
  unknown: '#bdbdbd',
} as const;

const WIDTH = 900;
const ROW = 34;
const LEFT = 0;

function html(value: string | null | undefined): string {
  return (value ?? '—')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

interface Segment {
  readonly from: number;
  readonly to: number;
  readonly kind: keyof typeof TIMELINE_COLOURS;
  readonly title: string;
}

const WATCH_KINDS = {
  compliant: 'protected',
  'non-compliant': 'unprotected',
  unreported: 'unknown',
} as const satisfies Record<WatchState, keyof typeof TIMELINE_COLOURS>;

const WATCH_TITLES: Record<WatchState, string> = {
  compliant: 'compliant after every evaluation (Region compliance metric)',
  'non-compliant': 'left non-compliant by an evaluation (Region compliance metric)',
  unreported: 'no compliance report: the responder did not watch',
};

/** What the metric and the table tell of one detector over the period, as segments of [0, 1]. */
export function segmentsOf(target: TargetEvidence, report: EvidenceReport): Segment[] {
  const since = Date.parse(report.period.since);
  const until = Date.parse(report.period.until);
  const span = Math.max(1, until - since);
  const at = (iso: string) => Math.min(1, Math.max(0, (Date.parse(iso) - since) / span));
  const segments: Segment[] = [];
  const watched = report.watch?.regions.find((region) => region.region === target.region);
  if (watched !== undefined) {
    segments.push({
      from: 0,
      to: 1,
      kind: 'unknown',
      title: 'outside the hours the compliance metric covers',
    });
    for (const run of watched.runs)
      segments.push({
        from: at(run.from),
        to: at(run.to),
        kind: WATCH_KINDS[run.state],
        title: `${run.from} to ${run.to}: ${WATCH_TITLES[run.state]}`,
      });
  } else {
    const known = Math.max(since, until - RETENTION.remediationHistoryDays * 86_400_000);
    const knownFrom = (known - since) / span;
    if (knownFrom > 0)
      segments.push({ from: 0, to: knownFrom, kind: 'unknown', title: "before the state table's history" });
    segments.push({ from: knownFrom, to: 1, kind: 'protected', title: 'protected (no drift recorded)' });
  }
  const exemptFrom = target.exemptionSeen?.firstSeen;
  if (exemptFrom) {
    const end = target.exemptionSeen?.until ? Date.parse(target.exemptionSeen.until) : Number.NaN;
    segments.push({
      from: at(exemptFrom),
      to: Number.isFinite(end) ? at(new Date(end).toISOString()) : 1,
      kind: 'exempt',
      title: `exempt from ${exemptFrom}`,
    });
  }
  // A restore is a drift that ended: at least a visible sliver, ending when it was restored.
  for (const restore of target.restores) {
    const end = at(restore.at);
    segments.push({
      from: Math.max(0, end - 0.006),
      to: end,
      kind: 'unprotected',
      title: `turned off by ${restore.actor}, restored ${restore.at}`,
    });
  }
  if (target.current?.verdict === 'non-compliant')
    segments.push({ from: 0.985, to: 1, kind: 'unprotected', title: 'not compliant now' });
  if (target.current?.verdict === 'exempt')
    segments.push({ from: 0.985, to: 1, kind: 'exempt', title: 'exempt now' });
  return segments;
}

/** The timeline alone: one row per detector over the period. */
export function renderTimelineSvg(report: EvidenceReport): string {
  const rows = report.targets.map((target, index) => {
    const y = index * ROW;
    const bars = segmentsOf(target, report)
      .map(
        (segment) =>
          `<rect x="${(LEFT + segment.from * WIDTH).toFixed(1)}" y="${y + 14}" width="${Math.max(2, (segment.to - segment.from) * WIDTH).toFixed(1)}" height="16" fill="${TIMELINE_COLOURS[segment.kind]}"><title>${html(segment.title)}</title></rect>`,
      )
      .join('');
    return `<text x="0" y="${y + 11}" font-size="11">${html(`${target.accountId} ${target.region} ${target.detectorId}`)}</text>${bars}`;
  });
  const height = Math.max(1, report.targets.length) * ROW + 4;
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Protection timeline" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}">${rows.join('')}</svg>`;
}

function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return '<p>None recorded.</p>';
  return `<table><thead><tr>${headers.map((h) => `<th>${html(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((row) => `<tr>${row.map((value) => `<td>${html(value)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

function watchSection(report: EvidenceReport): string {
  if (report.watch === null) return '';
  const items = [
    ...report.watch.regions.map((region) => describeWatch(region)),
    ...report.watch.unavailable.map((region) => `${region.region}: not read (${region.reason})`),
  ];
  return `<h2>Watched by the responder</h2>
<p>Hourly minimum of <code>${html(report.watch.metric)}</code>: 1 when protection was on after every evaluation in the hour, 0 when an evaluation left it off, no datapoint when the responder did not report.</p>
<ul>${items.map((item) => `<li>${html(item)}</li>`).join('')}</ul>`;
}

export function renderEvidenceHtml(report: EvidenceReport): string {
  const legend = (Object.keys(TIMELINE_COLOURS) as (keyof typeof TIMELINE_COLOURS)[])
    .map(
      (kind) =>
        `<span class="key"><span class="swatch" style="background:${TIMELINE_COLOURS[kind]}"></span>${html(kind)}</span>`,
    )
    .join(' ');
  const restores = report.targets
    .flatMap((target) => target.restores.map((restore) => ({ target, restore })))
    .sort((a, b) => a.restore.at.localeCompare(b.restore.at))
    .map(({ target, restore }) => [
      restore.at,
      target.accountId,
      target.region,
      target.detectorId,
      restore.actor,
      restore.generation,
      restore.eventId,
    ]);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>GuardDuty EKS Runtime Monitoring evidence report</title>
<style>
body{font-family:system-ui,sans-serif;margin:24px;color:#212121}
table{border-collapse:collapse;margin:8px 0 20px;max-width:100%}td,th{border:1px solid #ccc;padding:4px 8px;font-size:13px;text-align:left;overflow-wrap:anywhere}
.key{margin-right:14px;font-size:13px}.swatch{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle}
.note{background:#fff8e1;padding:8px;border-left:4px solid ${TIMELINE_COLOURS.exempt}}
</style></head><body>
<h1>GuardDuty EKS Runtime Monitoring: evidence report</h1>
<p>Period ${html(report.period.since)} to ${html(report.period.until)} · generated ${html(report.generatedAt)} · state table <code>${html(report.table)}</code></p>
<p><strong>${report.summary.compliantNow} of ${report.summary.detectors}</strong> detectors compliant now · <strong>${report.summary.restores}</strong> restores · <strong>${report.summary.deniedAttempts}</strong> denied attempts in the period.</p>
<p class="note">${html(report.coverage.note)}</p>
${watchSection(report)}
<h2>Timeline</h2>
<p>${legend}</p>
${renderTimelineSvg(report)}
<h2>Detectors now</h2>
${table(
  ['Account', 'Region', 'Detector', 'Verdict now', 'Generation', 'Exemption', 'Last case'],
  report.targets.map((target) => [
    target.accountId,
    target.region,
    target.detectorId,
    target.current?.verdict ?? 'not read',
    target.current?.generationInUse ?? '—',
    target.current?.exemption ?? (target.exemptionSeen ? `until ${target.exemptionSeen.until}` : '—'),
    target.lastCase ? `${target.lastCase.outcome ?? '?'} (${target.lastCase.actor ?? 'unknown'})` : '—',
  ]),
)}
<h2>Restores in the period</h2>
${table(['When', 'Account', 'Region', 'Detector', 'Turned off by', 'Restored', 'Event'], restores)}
<h2>Denied attempts</h2>
${table(
  ['When', 'CloudTrail event'],
  report.deniedAttempts.map((attempt) => [attempt.at ?? '—', attempt.eventId]),
)}
</body></html>
`;
}
