import { describe, expect, it } from 'vitest';
import {
  type AlertFacts,
  renderNotification,
  severityOf,
  subjectOf,
} from '../../handlers/alerts/detector.js';
import { codeSpan } from '../../handlers/alerts/text.js';

const BASE: AlertFacts = {
  outcome: 'remediate',
  remediation: 'succeeded',
  accountId: '123456789012',
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
};

function renderings(facts: AlertFacts) {
  const rendered = renderNotification(facts);
  const message = JSON.parse(rendered.message) as Record<string, string>;
  return {
    rendered,
    message,
    structured: JSON.parse(message.sqs ?? '{}') as Record<string, unknown>,
    chat: JSON.parse(message.https ?? '{}') as Record<string, Record<string, unknown>>,
  };
}

describe('Function: renderNotification', () => {
  it('renders one document per protocol, with the default SNS requires', () => {
    const { message } = renderings(BASE);

    expect(Object.keys(message).sort()).toEqual(['default', 'email', 'email-json', 'https', 'lambda', 'sqs']);
    expect(message.lambda).toBe(message.sqs);
    expect(message.default).toBe(message.email);
  });

  it('gives SQS and Lambda subscribers every contract field', () => {
    const { structured } = renderings(BASE);

    expect(structured).toMatchObject({
      outcome: 'remediate',
      severity: 'high',
      accountId: '123456789012',
      region: 'eu-west-1',
      detectorId: BASE.detectorId,
      mode: 'remediate',
      actor: BASE.actor?.principalArn,
      eventId: BASE.eventId,
      eventTime: BASE.eventTime,
      before: { compliant: false },
      after: { compliant: true },
    });
  });

  it('names the sweep as the actor when no one made a call', () => {
    const { structured } = renderings({ ...BASE, trigger: 'sweep', actor: undefined, eventName: null });

    expect(structured).toMatchObject({ actor: 'scheduled sweep', actorDetails: null });
  });

  it('writes an email an on-call engineer can read at a glance', () => {
    const { message } = renderings(BASE);

    expect(message.email).toContain('EKS Runtime Monitoring was turned off and has been re-enabled');
    expect(message.email).toContain(
      'Who:       arn:aws:sts::123456789012:assumed-role/PlatformAdmin/alice@example.com (AssumedRole)',
    );
    expect(message.email).toContain('From:      203.0.113.24 using aws-cli/2.22.4');
    expect(message.email).toContain('  - RUNTIME_MONITORING → DISABLED');
    expect(message.email).toContain('billed per monitored vCPU');
    expect(message.email).toContain(
      'https://eu-west-1.console.aws.amazon.com/guardduty/home?region=eu-west-1#/runtime-monitoring',
    );
  });

  it('follows the AWS Chatbot custom notification schema for Slack', () => {
    const { chat } = renderings(BASE);

    expect(chat).toMatchObject({
      version: '1.0',
      source: 'custom',
      content: {
        textType: 'client-markdown',
        title: expect.stringContaining('re-enabled'),
        description: expect.any(String),
      },
      metadata: { threadId: `guardduty-drift/123456789012/eu-west-1/${BASE.detectorId}` },
    });
  });

  it('sets the message attributes that subscription filter policies use', () => {
    expect(
      renderNotification({ ...BASE, outcome: 'circuit-open', remediation: undefined }).attributes,
    ).toEqual({
      severity: 'critical',
      outcome: 'circuit-open',
      accountId: '123456789012',
      region: 'eu-west-1',
    });
  });

  it('keeps hostile text from the event inside its code span and cuts it short', () => {
    const hostile = `evil\`*bold*\` <!channel> [link](http://x)\n${'A'.repeat(5000)}`;
    const { chat, message } = renderings({ ...BASE, actor: { ...BASE.actor, userAgent: hostile } });

    const description = String(chat.content?.description);
    expect(description).not.toContain('<!channel>');
    expect(description).toContain('&lt;!channel&gt;');
    const agentSpan = /using (`[^`]*`)/.exec(description)?.[1] ?? '';
    // Cut to 200 characters of text (entities may add a few), marked with an ellipsis.
    expect(agentSpan).toMatch(/…`$/);
    expect(agentSpan.length).toBeLessThan(230);
    const email = message.email ?? '';
    expect(email).not.toContain(`\n${'A'.repeat(10)}`);
    expect(email.length).toBeLessThan(4000);
  });
});

describe('Function: subjectOf', () => {
  it('stays under 100 printable ASCII characters on one line', () => {
    const subject = subjectOf({ ...BASE, outcome: 'circuit-open', region: 'ap-southeast-5' });

    expect(subject.length).toBeLessThanOrEqual(99);
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
    expect(subject).toMatch(/^\[CRITICAL\] 123456789012 ap-southeast-5: /);
  });
});

describe('Function: severityOf', () => {
  it.each([
    ['remediate', 'succeeded', 'high'],
    ['remediate', 'failed', 'critical'],
    ['would-remediate', undefined, 'high'],
    ['exempt', undefined, 'medium'],
    ['circuit-open', undefined, 'critical'],
    ['detector-deleted', undefined, 'critical'],
    ['disable-denied', undefined, 'high'],
  ] as const)('%s (%s) → %s', (outcome, remediation, expected) => {
    expect(severityOf({ outcome, remediation })).toBe(expected);
  });
});

describe('Function: codeSpan', () => {
  it('cannot be broken out of', () => {
    expect(codeSpan('a`b<c>&d\u0007e')).toBe("`a'b&lt;c&gt;&amp;d e`");
  });
});
