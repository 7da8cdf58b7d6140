/**
 * Makes the README's two pictures with headless Chromium (Debian's `chromium`): an alert as Slack shows AWS Chatbot's
 * rendering of it, and the evidence report's HTML. `npx tsx scripts/screenshots.ts` writes docs/images/alert.png and
 * docs/images/report.png from the real renderers (alerts/detector.ts, cli/report-html.ts) and sample facts.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildEvidence } from '../cli/report-evidence.js';
import { renderEvidenceHtml } from '../cli/report-html.js';
import { watchOf } from '../cli/report-watch.js';
import { type AlertFacts, renderNotification } from '../handlers/alerts/detector.js';

const OUT = fileURLToPath(new URL('../docs/images/', import.meta.url));
const CHROMIUM = process.env.CHROMIUM ?? 'chromium';

const FACTS: AlertFacts = {
  outcome: 'remediate',
  remediation: 'succeeded',
  accountId: '123456789012',
  accountName: 'prod-payments',
  region: 'eu-west-1',
  detectorId: '0ab12cd34ef56ab78cd90ef12ab34cd5',
  mode: 'remediate',
  trigger: 'api-call',
  eventId: '7d3f9a42-1b6c-4e0d-9a51-2f8e6c4b1a01',
  eventTime: '2026-11-20T09:14:03Z',
  eventName: 'UpdateDetector',
  actor: {
    type: 'AssumedRole',
    principalArn: 'arn:aws:sts::123456789012:assumed-role/PlatformAdmin/alice@example.com',
    sourceIp: '203.0.113.24',
    userAgent: 'aws-cli/2.22.4',
  },
  changes: ['RUNTIME_MONITORING → DISABLED'],
  problems: ['RUNTIME_MONITORING is DISABLED'],
  action:
    'UpdateDetector 0ab12cd34ef56ab78cd90ef12ab34cd5: RUNTIME_MONITORING → ENABLED (EKS_ADDON_MANAGEMENT=ENABLED); read back: compliant.',
  before: {
    status: 'ENABLED',
    compliant: false,
    generationInUse: null,
    agentManagement: null,
    runtimeFeatures: [],
  },
  after: {
    status: 'ENABLED',
    compliant: true,
    generationInUse: 'RUNTIME_MONITORING',
    agentManagement: 'ENABLED',
    runtimeFeatures: [],
  },
  exemption: { status: 'none' },
  timeOff: {
    since: '2026-11-20T09:14:03.000Z',
    until: '2026-11-20T09:14:41.000Z',
    seconds: 38,
    from: 'disabling-call',
  },
};

/** Slack draws these emoji; a headless browser without an emoji font gets a dot of the same colour. */
const EMOJI: Record<string, string> = {
  ':rotating_light:': '<span style="color:#d50000">&#9679;</span>',
  ':red_circle:': '<span style="color:#dd2e44">&#9679;</span>',
  ':large_orange_circle:': '<span style="color:#f4900c">&#9679;</span>',
  ':large_blue_circle:': '<span style="color:#55acee">&#9679;</span>',
};

function text(value: string): string {
  return value
    .replace(/&(?!amp;|lt;|gt;)/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/** Slack's client-markdown, as far as the alert uses it: *bold* and `code`. */
function markdown(value: string): string {
  return text(value)
    .replace(/`([^`]*)`/g, '<code>$1</code>')
    .replace(/\*([^*]+)\*/g, '<b>$1</b>')
    .replace(/\n/g, '<br>');
}

function alertPage(): string {
  const message = JSON.parse(renderNotification(FACTS).message) as Record<string, string>;
  const chat = JSON.parse(message.https ?? '{}') as {
    content: { title: string; description: string; nextSteps: string[] };
  };
  const title = Object.entries(EMOJI).reduce(
    (line, [code, glyph]) => line.replace(code, glyph),
    text(chat.content.title),
  );
  return `<!doctype html><html><head><meta charset="utf-8"><style>
body{margin:0;background:#fff;font-family:system-ui,sans-serif;color:#1d1c1d}
.msg{margin:18px;padding:12px 16px;border-left:4px solid #c62828;max-width:900px}
.app{font-weight:700}.time{color:#616061;font-size:12px;margin-left:6px}
h3{margin:8px 0;font-size:16px}p{font-size:14px;line-height:1.5;margin:6px 0}
code{background:#f6f6f6;border:1px solid #e0e0e0;border-radius:3px;padding:0 3px;font-size:12px;color:#c7254e}
ul{font-size:13px;margin:6px 0 0 0;padding-left:18px}
</style></head><body><div class="msg"><span class="app">AWS Chatbot</span><span class="time">APP 09:14</span>
<h3>${title}</h3><p>${markdown(chat.content.description)}</p>
<p><b>Next steps</b></p><ul>${chat.content.nextSteps.map((step) => `<li>${text(step)}</li>`).join('')}</ul>
</div></body></html>`;
}

function reportPage(): string {
  const detector = '0ab12cd34ef56ab78cd90ef12ab34cd5';
  const since = new Date('2026-11-24T00:00:00Z');
  const until = new Date('2026-12-01T00:00:00Z');
  // Deployed on 25 November at 10:00: every hour since has a compliance datapoint of 1 (the drift of the 28th was
  // restored within its hour, so the hour ends compliant; the restore shows as a red sliver).
  const hours = [];
  for (let at = Date.parse('2026-11-25T10:00:00Z'); at < until.getTime(); at += 3_600_000)
    hours.push({ at: new Date(at), minimum: 1 });
  return renderEvidenceHtml(
    buildEvidence({
      items: [
        {
          pk: `detector#123456789012#eu-west-1#${detector}`,
          sk: 'remediation#2026-11-28T09:14:41.000Z#7d3f9a42-1b6c-4e0d-9a51-2f8e6c4b1a01',
          actor: 'arn:aws:sts::123456789012:assumed-role/PlatformAdmin/alice@example.com',
          generation: 'RUNTIME_MONITORING',
          eventId: '7d3f9a42-1b6c-4e0d-9a51-2f8e6c4b1a01',
        },
        {
          pk: 'claim#event#9a1e2b3c-4d5e-4f60-8a71-b2c3d4e5f612',
          sk: 'claim',
          outcome: 'disable-denied',
          settledAt: '2026-11-29T16:02:11.000Z',
        },
      ],
      current: [
        {
          accountId: '123456789012',
          region: 'eu-west-1',
          detectorId: detector,
          verdict: 'compliant',
          generationInUse: 'RUNTIME_MONITORING',
          exemption: null,
        },
      ],
      since,
      until,
      table: 'GuardDutyDriftResponder-StateTable',
      generatedAt: until,
      watch: {
        metric: 'GuardDutyDriftResponder/EksRuntimeMonitoringCompliant',
        regions: [watchOf('eu-west-1', hours, since, until)],
        unavailable: [],
      },
    }),
  );
}

const dir = mkdtempSync(join(tmpdir(), 'screenshots-'));
for (const [name, page, height] of [
  ['alert', alertPage(), 420],
  ['report', reportPage(), 900],
] as const) {
  const file = join(dir, `${name}.html`);
  writeFileSync(file, page);
  execFileSync(CHROMIUM, [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--hide-scrollbars',
    `--user-data-dir=${join(dir, `profile-${name}`)}`,
    `--window-size=1000,${height}`,
    `--screenshot=${join(OUT, `${name}.png`)}`,
    `file://${file}`,
  ]);
  process.stdout.write(`wrote docs/images/${name}.png\n`);
}
