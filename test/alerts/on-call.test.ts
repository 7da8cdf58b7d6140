/*
 * Alerts for 3 a.m., per protocol: the severity first (and its emoji in chat), a critical alert never threaded under
 * an older one, the next step (command, runbook section, console, CloudTrail event), the account's name, and how long
 * protection was off in a restore.
 */
import { describe, expect, it } from 'vitest';
import { type AlertFacts, renderNotification } from '../../handlers/alerts/detector.js';
import { type DigestFacts, renderDigest } from '../../handlers/alerts/digest.js';
import { formatDuration, SEVERITY_EMOJI } from '../../handlers/alerts/text.js';

const EVENT_ID = '7d3f9a42-1b6c-4e0d-9a51-2f8e6c4b1a01';
const CLOUDTRAIL = `https://eu-west-1.console.aws.amazon.com/cloudtrailv2/home?region=eu-west-1#/events/${EVENT_ID}`;
const CONSOLE =
  'https://eu-west-1.console.aws.amazon.com/guardduty/home?region=eu-west-1#/runtime-monitoring';

const RESTORED: AlertFacts = {
  outcome: 'remediate',
  remediation: 'succeeded',
  accountId: '123456789012',
  accountName: 'prod-payments',
  region: 'eu-west-1',
  detectorId: '0ab12cd34ef56ab78cd90ef12ab34cd5',
  mode: 'remediate',
  trigger: 'api-call',
  eventId: EVENT_ID,
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
    'UpdateDetector d: RUNTIME_MONITORING → ENABLED (EKS_ADDON_MANAGEMENT=ENABLED); read back: compliant.',
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

const FAILED: AlertFacts = { ...RESTORED, remediation: 'failed', after: RESTORED.before };

function renderings(rendered: { subject: string; message: string }) {
  const message = JSON.parse(rendered.message) as Record<string, string>;
  const chat = JSON.parse(message.https ?? '{}') as {
    content: { title: string; description: string; nextSteps: string[] };
    metadata: Record<string, unknown>;
  };
  return {
    subject: rendered.subject,
    email: message.email ?? '',
    structured: JSON.parse(message.sqs ?? '{}') as Record<string, unknown>,
    chat,
  };
}

describe('Alerts for 3 a.m.: severity first', () => {
  it.each([
    ['high', RESTORED],
    ['critical', FAILED],
    ['medium', { ...RESTORED, outcome: 'exempt', remediation: undefined, timeOff: undefined } as AlertFacts],
  ] as const)(
    'a %s alert says so first in the subject and the chat title, with its emoji',
    (severity, facts) => {
      const { subject, chat, email } = renderings(renderNotification(facts));

      expect(subject.startsWith(`[${severity.toUpperCase()}] `)).toBe(true);
      expect(chat.content.title.startsWith(`${SEVERITY_EMOJI[severity]} ${severity.toUpperCase()} · `)).toBe(
        true,
      );
      expect(email).toContain(`severity ${severity}`);
    },
  );

  it('every severity has its own emoji', () => {
    expect(new Set(Object.values(SEVERITY_EMOJI)).size).toBe(4);
  });

  it('threads a non-critical alert per detector, and never a critical one', () => {
    expect(renderings(renderNotification(RESTORED)).chat.metadata.threadId).toBe(
      'guardduty-drift/123456789012/eu-west-1/0ab12cd34ef56ab78cd90ef12ab34cd5',
    );
    expect(renderings(renderNotification(FAILED)).chat.metadata).not.toHaveProperty('threadId');
  });
});

describe('Alerts for 3 a.m.: the next step, the account, the time off', () => {
  it('e-mail: next step, runbook section, console, CloudTrail event, the account name and the time off', () => {
    const { email } = renderings(renderNotification(RESTORED));

    expect(email).toContain('Account:   123456789012 (prod-payments)');
    expect(email).toContain(
      'Time off:  protection was off for 38s (from the disabling call at 2026-11-20T09:14:03.000Z to the read-back at 2026-11-20T09:14:41.000Z)',
    );
    expect(email).toContain('Next step: guardduty-drift check --region eu-west-1');
    expect(email).toContain('Runbook:   docs/runbook.md#4-verification (4. Verification)');
    expect(email).toContain(`Console:   ${CONSOLE}`);
    expect(email).toContain(`CloudTrail: ${CLOUDTRAIL}`);
  });

  it('chat: the same next step as its buttons-to-be, the account name and the time off in the description', () => {
    const { chat } = renderings(renderNotification(RESTORED));

    expect(chat.content.nextSteps).toEqual([
      'Run: guardduty-drift check --region eu-west-1',
      'Runbook: docs/runbook.md#4-verification (4. Verification)',
      `Open GuardDuty Runtime Monitoring: ${CONSOLE}`,
      `CloudTrail event: ${CLOUDTRAIL}`,
    ]);
    expect(chat.content.description).toContain('`123456789012 (prod-payments)`');
    expect(chat.content.description).toContain('*Time off* protection was off for 38s');
    expect(chat.content.description).toContain('*Next step* `guardduty-drift check --region eu-west-1`');
  });

  it('structured: nextStep, accountName and timeOff as fields', () => {
    const { structured } = renderings(renderNotification(RESTORED));

    expect(structured).toMatchObject({
      accountName: 'prod-payments',
      timeOff: RESTORED.timeOff,
      nextStep: {
        command: 'guardduty-drift check --region eu-west-1',
        runbook: 'docs/runbook.md#4-verification (4. Verification)',
        console: CONSOLE,
        cloudTrail: CLOUDTRAIL,
      },
    });
  });

  it('a failed restore says to enable (dry run first) and that protection is still off', () => {
    const { email, structured } = renderings(renderNotification(FAILED));

    expect(email).toContain('Next step: guardduty-drift enable --region eu-west-1 --dry-run');
    expect(email).toContain('docs/runbook.md#2-implementation-turn-it-on (2. Implementation)');
    expect(email).toContain('Time off:  protection has been off for 38s (since the disabling call at');
    expect(email).toContain('and is still off');
    expect(structured.nextStep).toMatchObject({
      command: 'guardduty-drift enable --region eu-west-1 --dry-run',
    });
  });

  it("a deployment's runbook URL replaces the repository path, anchors kept", () => {
    const { email } = renderings(
      renderNotification({ ...RESTORED, runbookUrl: 'https://wiki.example.com/guardduty-runbook' }),
    );

    expect(email).toContain(
      'Runbook:   https://wiki.example.com/guardduty-runbook#4-verification (4. Verification)',
    );
  });

  it('a sweep-found restore is measured from the sweep and has no CloudTrail event; no name, no parentheses', () => {
    const sweep: AlertFacts = {
      ...RESTORED,
      accountName: undefined,
      trigger: 'sweep',
      eventName: null,
      actor: undefined,
      eventId: 'sweep-1',
      timeOff: { ...(RESTORED.timeOff as NonNullable<AlertFacts['timeOff']>), from: 'sweep-detection' },
    };
    const { email, chat, structured } = renderings(renderNotification(sweep));

    expect(email).toContain('Account:   123456789012\n');
    expect(email).toContain('protection was off for at least 38s (from when the sweep found it at');
    expect(email).toContain('measured from the sweep');
    expect(email).toContain('CloudTrail: no event: the scheduled sweep found it');
    expect(chat.content.nextSteps.some((step) => step.startsWith('CloudTrail'))).toBe(false);
    expect(structured.nextStep).toMatchObject({ cloudTrail: null });
  });

  it('links to no CloudTrail event whose id is not a CloudTrail id, and scrubs a hostile account name', () => {
    const { email, chat } = renderings(
      renderNotification({ ...RESTORED, eventId: 'x#/../evil', accountName: 'prod\n[CRITICAL] fake' }),
    );

    expect(email).toContain('CloudTrail: no link: the event id is not a CloudTrail id');
    expect(email).toContain('Account:   123456789012 (prod [CRITICAL] fake)');
    expect(chat.content.nextSteps.join(' ')).not.toContain('evil');
  });

  it('formats durations a person reads at a glance', () => {
    expect([formatDuration(0), formatDuration(59), formatDuration(61), formatDuration(3725)]).toEqual([
      '0s',
      '59s',
      '1m 01s',
      '1h 02m 05s',
    ]);
  });
});

describe('Organization digest for 3 a.m.', () => {
  const DIGEST: DigestFacts = {
    outcome: 'remediate',
    accountId: '123456789012',
    accountName: 'security-admin',
    region: 'eu-west-1',
    adminDetectorId: '0ab12cd34ef56ab78cd90ef12ab34cd5',
    mode: 'remediate',
    trigger: 'api-call',
    eventId: EVENT_ID,
    eventTime: '2026-11-20T09:14:03Z',
    eventName: 'UpdateMemberDetectors',
    actor: RESTORED.actor,
    changes: ['RUNTIME_MONITORING → DISABLED'],
    evaluatedAccounts: 10,
    accounts: [
      { accountId: '111111111111', problems: ['RUNTIME_MONITORING → DISABLED'], result: 'remediated' },
    ],
    organizationProblems: [],
    action: 'Re-enabled 1 member account.',
    timeOff: RESTORED.timeOff,
  };

  it('severity first, emoji, next step, admin name and time off in every protocol', () => {
    const { subject, email, chat, structured } = renderings(renderDigest(DIGEST));
    const severity = structured.severity as 'high' | 'critical';

    expect(subject.startsWith(`[${severity.toUpperCase()}] `)).toBe(true);
    expect(chat.content.title.startsWith(`${SEVERITY_EMOJI[severity]} ${severity.toUpperCase()} · `)).toBe(
      true,
    );
    expect(email).toContain('Admin:     123456789012 (security-admin) (delegated administrator)');
    expect(email).toContain('Time off:  protection was off for 38s');
    expect(email).toContain('Next step: guardduty-drift check --region eu-west-1');
    expect(email).toContain(`CloudTrail: ${CLOUDTRAIL}`);
    expect(chat.content.nextSteps).toContain(`CloudTrail event: ${CLOUDTRAIL}`);
    expect(structured.nextStep).toMatchObject({ command: 'guardduty-drift check --region eu-west-1' });
  });

  it('a critical digest (a fight) is not threaded', () => {
    const fight: DigestFacts = { ...DIGEST, outcome: 'circuit-open' };
    const { chat, subject } = renderings(renderDigest(fight));

    expect(subject.startsWith('[CRITICAL] ')).toBe(true);
    expect(chat.metadata).not.toHaveProperty('threadId');
    const denied = renderings(renderDigest({ ...DIGEST, outcome: 'disable-denied' }));
    expect(denied.subject.startsWith('[HIGH] ')).toBe(true);
    expect(denied.chat.metadata.threadId).toBe('guardduty-drift/123456789012/eu-west-1/organization');
  });
});
