/*
 * The evidence report's HTML: one self-contained file that a browser renders with its timeline. Rendered by headless
 * Chromium (Debian's `chromium`; CI installs it, see .ci/run): the screenshot must hold the timeline's colours.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildEvidence } from '../../cli/report-evidence.js';
import { renderEvidenceHtml, renderTimelineSvg, TIMELINE_COLOURS } from '../../cli/report-html.js';
import { type HourlyMinimum, watchOf } from '../../cli/report-watch.js';
import { countColour, decodePng } from '../support/png.js';

// CHROMIUM_PATH for a browser elsewhere (macOS: the Chrome or Chromium app's binary).
const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
  (path) => path !== undefined && existsSync(path),
);

const SINCE = new Date('2026-09-01T00:00:00Z');
const UNTIL = new Date('2026-12-01T00:00:00Z');

/** Hourly minimums of the compliance metric from `from` to UNTIL: 1, except 0 in the hours of `off`. */
function hourly(from: string, off?: { from: string; to: string }): HourlyMinimum[] {
  const points: HourlyMinimum[] = [];
  for (let at = Date.parse(from); at < UNTIL.getTime(); at += 3_600_000) {
    const down = off !== undefined && at >= Date.parse(off.from) && at < Date.parse(off.to);
    points.push({ at: new Date(at), minimum: down ? 0 : 1 });
  }
  return points;
}

const REPORT = buildEvidence({
  items: [
    {
      pk: 'detector#123456789012#eu-west-1#0ab12cd34ef56ab78cd90ef12ab34cd5',
      sk: 'remediation#2026-11-28T09:14:41.000Z#7d3f9a42-1b6c-4e0d-9a51-2f8e6c4b1a01',
      actor: 'arn:aws:sts::123456789012:assumed-role/PlatformAdmin/alice@example.com',
      generation: 'RUNTIME_MONITORING',
      eventId: '7d3f9a42-1b6c-4e0d-9a51-2f8e6c4b1a01',
    },
    {
      pk: 'exemption#123456789012#us-east-1#1ab12cd34ef56ab78cd90ef12ab34cd5',
      sk: 'first-seen',
      untilValue: '2026-12-20',
      firstSeenAt: String(Date.parse('2026-11-27T00:00:00Z')),
    },
    {
      pk: 'claim#event#<script>alert(1)</script>',
      sk: 'claim',
      outcome: 'disable-denied',
      settledAt: '2026-11-29T00:00:00.000Z',
    },
  ],
  current: [
    {
      accountId: '123456789012',
      region: 'eu-west-1',
      detectorId: '0ab12cd34ef56ab78cd90ef12ab34cd5',
      verdict: 'compliant',
      generationInUse: 'RUNTIME_MONITORING',
      exemption: null,
    },
    {
      accountId: '123456789012',
      region: 'us-east-1',
      detectorId: '1ab12cd34ef56ab78cd90ef12ab34cd5',
      verdict: 'exempt',
      generationInUse: null,
      exemption: 'active until 2026-12-20: CHG-1234',
    },
  ],
  since: SINCE,
  until: UNTIL,
  table: 'drift-state',
  generatedAt: UNTIL,
  // eu-west-1: deployed on 15 October (nobody watched before), two days left off in November; us-east-1: all along.
  watch: {
    metric: 'GuardDutyDriftResponder/EksRuntimeMonitoringCompliant',
    regions: [
      watchOf(
        'eu-west-1',
        hourly('2026-10-15T00:00:00Z', { from: '2026-11-10T00:00:00Z', to: '2026-11-12T00:00:00Z' }),
        SINCE,
        UNTIL,
      ),
      watchOf('us-east-1', hourly('2026-09-01T00:00:00Z'), SINCE, UNTIL),
    ],
    unavailable: [
      { region: 'ap-south-1', reason: 'access denied: the identity needs cloudwatch:GetMetricData' },
    ],
  },
});

describe('Evidence report: HTML', () => {
  it('is one self-contained file: no script, no external resource, event text escaped', () => {
    const html = renderEvidenceHtml(REPORT);

    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script|\bsrc=|<link|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('<svg xmlns="http://www.w3.org/2000/svg"');
    for (const colour of Object.values(TIMELINE_COLOURS)) expect(html).toContain(colour);
  });

  it('says per Region how many hours the compliance metric vouches for, and which Region it could not read', () => {
    const html = renderEvidenceHtml(REPORT);

    expect(html).toContain('<h2>Watched by the responder</h2>');
    // 15 Oct to 1 Dec is 47 days (1,128 hours), 48 of them left off; 44 days before nobody reported.
    expect(html).toContain(
      '<li>eu-west-1: compliant in 1080 of 2184 hours (49.5%), non-compliant evaluations in 48, no report in 1056</li>',
    );
    expect(html).toContain(
      '<li>us-east-1: compliant in 2184 of 2184 hours (100%), non-compliant evaluations in 0, no report in 0</li>',
    );
    expect(html).toContain(
      'ap-south-1: not read (access denied: the identity needs cloudwatch:GetMetricData)',
    );
  });

  it('renders in headless Chromium, the page whole and its timeline with every colour drawn', () => {
    expect(
      CHROMIUM,
      'headless Chromium is required: apt-get install -y chromium (.ci/run installs it)',
    ).toBeDefined();
    const dir = mkdtempSync(join(tmpdir(), 'evidence-html-'));

    const page = screenshot(dir, 'report', renderEvidenceHtml(REPORT));
    // The timeline alone (no legend swatches): each colour is there only if its bar was drawn.
    const bars = screenshot(
      dir,
      'timeline',
      `<!doctype html><html><body style="margin:0">${renderTimelineSvg(REPORT)}</body></html>`,
    );

    expect(page.width).toBe(1000);
    // Before eu-west-1's first compliance report the bar is grey: 44 of 91 days of a 900 px row, 16 px high.
    expect(countColour(page, TIMELINE_COLOURS.unknown)).toBeGreaterThan(16 * 400);
    expect(countColour(page, TIMELINE_COLOURS.protected)).toBeGreaterThan(16 * 40);
    expect(countColour(bars, TIMELINE_COLOURS.protected)).toBeGreaterThan(16 * (400 + 800));
    expect(countColour(bars, TIMELINE_COLOURS.exempt)).toBeGreaterThan(16 * 30);
    // The two days left off (about 20 px) and the restore's sliver.
    expect(countColour(bars, TIMELINE_COLOURS.unprotected)).toBeGreaterThan(16 * 15);
    expect(countColour(bars, TIMELINE_COLOURS.unknown)).toBeGreaterThan(16 * 400);
    expect(countColour(bars, TIMELINE_COLOURS.unknown)).toBeLessThan(16 * 480);
  });
});

/** Headless Chromium's screenshot of `html` (1000 x 700), decoded. */
function screenshot(dir: string, name: string, html: string) {
  const page = join(dir, `${name}.html`);
  const shot = join(dir, `${name}.png`);
  writeFileSync(page, html);
  execFileSync(
    CHROMIUM ?? 'chromium',
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--hide-scrollbars',
      `--user-data-dir=${join(dir, `profile-${name}`)}`,
      '--window-size=1000,700',
      `--screenshot=${shot}`,
      `file://${page}`,
    ],
    { stdio: 'pipe', timeout: 60_000 },
  );
  return decodePng(readFileSync(shot));
}
