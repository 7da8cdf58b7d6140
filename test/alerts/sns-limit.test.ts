import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { type AlertFacts, renderNotification } from '../../handlers/alerts/detector.js';
import { type AccountLine, type DigestFacts, renderDigest } from '../../handlers/alerts/digest.js';
import type { RenderedNotification } from '../../handlers/ports.js';
import { renderingsOf } from './hostile-text.js';

/** SNS Publish: the whole request (Message, Subject, message attributes) must stay within 256 KiB. */
const SNS_LIMIT = 262_144;

const DETECTOR = '0ab12cd34ef56ab78cd90ef12ab34cd5';
const PRINCIPAL = 'arn:aws:sts::123456789012:assumed-role/PlatformAdmin/alice@example.com';

/** The bytes SNS counts for one Publish: the message, the subject, each attribute's name, type and value. */
function publishBytes(rendered: RenderedNotification): number {
  const attributes = Object.entries(rendered.attributes).reduce(
    (sum, [name, value]) =>
      sum + Buffer.byteLength(name) + Buffer.byteLength('String') + Buffer.byteLength(value),
    0,
  );
  return Buffer.byteLength(rendered.message) + Buffer.byteLength(rendered.subject) + attributes;
}

function expectWithinSns(rendered: RenderedNotification): void {
  expect(publishBytes(rendered)).toBeLessThanOrEqual(SNS_LIMIT);
  // A safety margin below the limit for what SNS adds and counts itself.
  expect(Buffer.byteLength(rendered.message)).toBeLessThanOrEqual(240 * 1024);
  expect(rendered.subject).toMatch(/^[\x20-\x7e]{1,99}$/);
}

const DENIED: AlertFacts = {
  outcome: 'disable-denied',
  accountId: '123456789012',
  region: 'eu-west-1',
  detectorId: DETECTOR,
  mode: 'remediate',
  trigger: 'api-call',
  eventId: '7d3f9a42-1b6c-4e0d-9a51-2f8e6c4b1a01',
  eventTime: '2026-11-20T09:14:03Z',
  eventName: 'UpdateDetector',
  actor: {
    type: 'AssumedRole',
    principalArn: PRINCIPAL,
    sourceIp: '203.0.113.24',
    userAgent: 'aws-cli/2.22.4',
  },
  changes: ['RUNTIME_MONITORING → DISABLED'],
  problems: [],
  action: 'Nothing: the call failed with AccessDenied, so nothing changed.',
  before: null,
  after: null,
  exemption: { status: 'none' },
};

/** The facts on-call needs, whatever was cut. */
function expectEssentials(rendered: RenderedNotification): void {
  const { email, structured, chat } = renderingsOf(rendered.message);
  expect(email).toMatch(/^Outcome: {3}disable-denied, severity high$/m);
  expect(email).toContain('Account:   123456789012');
  expect(email).toContain('Region:    eu-west-1');
  expect(email).toContain(`Detector:  ${DETECTOR}`);
  expect(email).toContain(`Who:       ${PRINCIPAL}`);
  expect(email).toContain('When:      2026-11-20T09:14:03Z');
  expect(email).toMatch(/^ {2}Nothing: the call failed with AccessDenied/m);
  expect(email).toContain('https://eu-west-1.console.aws.amazon.com/guardduty/home?region=eu-west-1');
  expect(email).toContain("cut to fit SNS's 256 KB limit");
  expect(structured).toMatchObject({
    outcome: 'disable-denied',
    severity: 'high',
    accountId: '123456789012',
    region: 'eu-west-1',
    detectorId: DETECTOR,
    actor: PRINCIPAL,
    eventTime: '2026-11-20T09:14:03Z',
    consoleUrl: expect.stringContaining('eu-west-1.console.aws.amazon.com'),
    cut: expect.stringContaining("cut to fit SNS's 256 KB limit"),
  });
  expect(chat).toMatchObject({ version: '1.0', source: 'custom' });
}

describe('Function: renderNotification, within the SNS limit', () => {
  it('fits a 121 KB denied event (errorMessage and request that large) and says what was cut', () => {
    // Prepare: the incident: the errorMessage is in the action, the request parameters in the changes
    const facts: AlertFacts = {
      ...DENIED,
      action: `Nothing: the call failed with AccessDenied (${'User is not authorized. '.repeat(2_500)}), so nothing changed.`,
      changes: Array.from(
        { length: 60 },
        (_, index) => `RUNTIME_MONITORING → ${String(index).repeat(1_000)}`,
      ),
    };

    // Act
    const rendered = renderNotification(facts);

    // Assess
    expectWithinSns(rendered);
    expectEssentials(rendered);
  });

  it('fits when every event string is as large as an EventBridge event allows', () => {
    const huge = 'A'.repeat(250_000);
    const facts: AlertFacts = {
      ...DENIED,
      eventId: `${DENIED.eventId}${huge}`,
      eventName: `UpdateDetector${huge}`,
      actor: { ...DENIED.actor, userAgent: huge, sourceIp: huge, sessionIssuerArn: huge, type: huge },
      action: `Nothing: the call failed with AccessDenied (${huge}), so nothing changed.`,
      changes: Array.from({ length: 5_000 }, () => huge.slice(0, 2_000)),
      problems: Array.from({ length: 5_000 }, () => huge.slice(0, 2_000)),
      before: {
        status: 'ENABLED',
        compliant: false,
        generationInUse: null,
        agentManagement: null,
        runtimeFeatures: Array.from({ length: 2_000 }, () => ({
          name: 'RUNTIME_MONITORING' as const,
          status: huge.slice(0, 1_000),
          agentManagement: 'DISABLED' as const,
        })),
      },
      exemption: { status: 'malformed', problem: huge },
    };

    const rendered = renderNotification({ ...facts, after: facts.before });

    expectWithinSns(rendered);
    const { email } = renderingsOf(rendered.message);
    expect(email).toMatch(/^Outcome: {3}disable-denied, severity high$/m);
    expect(email).toContain(`Who:       ${PRINCIPAL}`);
    expect(email).toContain("cut to fit SNS's 256 KB limit");
  });

  it('counts bytes, not characters: 200,000 three-byte characters fit too', () => {
    const facts: AlertFacts = {
      ...DENIED,
      action: `Nothing: the call failed with AccessDenied (${'€'.repeat(200_000)}), so nothing changed.`,
    };

    const rendered = renderNotification(facts);

    expectWithinSns(rendered);
    expectEssentials(rendered);
  });

  it('cuts nothing and says nothing about cuts when the alert is small', () => {
    const rendered = renderNotification(DENIED);
    const { email, structured } = renderingsOf(rendered.message);

    expect(email).not.toContain('cut');
    expect(structured.cut).toBeNull();
    expect(structured.action).toBe(DENIED.action);
  });
});

function digest(accounts: readonly AccountLine[], overrides: Partial<DigestFacts> = {}): DigestFacts {
  return {
    outcome: 'remediate',
    accountId: '123456789012',
    region: 'eu-west-1',
    adminDetectorId: DETECTOR,
    mode: 'remediate',
    trigger: 'sweep',
    eventId: 'sweep-1',
    eventTime: '2026-11-20T09:30:00Z',
    eventName: null,
    actor: undefined,
    changes: [],
    evaluatedAccounts: 10_000,
    accounts,
    organizationProblems: [],
    organizationResult: 'failed',
    action: 'UpdateMemberDetectors in 100 call(s): 0 account(s) re-enabled, 5000 failed.',
    ...overrides,
  };
}

describe('Function: renderDigest, within the SNS limit', () => {
  it('fits 5,000 failed accounts with long problems and long failure details, with the counts and what was cut', () => {
    // Prepare
    const long = 'GetMemberDetectors could not read it: '.padEnd(2_000, 'x');
    const accounts = Array.from({ length: 5_000 }, (_, index) => ({
      accountId: String(200000000000 + index),
      problems: Array.from({ length: 20 }, () => long),
      result: 'failed' as const,
      detail: long,
    }));

    // Act
    const rendered = renderDigest(
      digest(accounts, { organizationProblems: Array.from({ length: 500 }, () => long) }),
    );

    // Assess
    expectWithinSns(rendered);
    const { email, structured } = renderingsOf(rendered.message);
    expect(email).toMatch(/^Outcome: {3}remediate, severity critical$/m);
    expect(email).toContain('Accounts:  10000 evaluated, 5000 without protection, 0 re-enabled, 5001 failed');
    expect(email).toContain('  - 200000000000: GetMemberDetectors could not read it');
    expect(email).toMatch(/… and \d+ more/);
    expect(email).toContain("cut to fit SNS's 256 KB limit");
    expect(structured).toMatchObject({
      outcome: 'remediate',
      severity: 'critical',
      accountsTruncated: true,
      before: { evaluatedAccounts: 10_000, accountsWithoutProtection: 5_000 },
      after: { failedAccounts: 5_001 },
      cut: expect.stringContaining("cut to fit SNS's 256 KB limit"),
    });
    expect((structured.accounts as unknown[]).length).toBeGreaterThan(0);
  });

  it('fits 20,000 member account ids from a denied UpdateMemberDetectors, each as long as an event allows', () => {
    const accounts = Array.from({ length: 20_000 }, (_, index) => ({
      accountId: `${index}`.padEnd(1_000, '9'),
      problems: ['RUNTIME_MONITORING → DISABLED'],
    }));

    const rendered = renderDigest(
      digest(accounts, {
        outcome: 'disable-denied',
        organizationResult: undefined,
        trigger: 'api-call',
        eventName: 'UpdateMemberDetectors',
        actor: { principalArn: PRINCIPAL },
        action: `Nothing: the call failed with AccessDenied (${'no '.repeat(80_000)}), so nothing changed.`,
      }),
    );

    expectWithinSns(rendered);
    const { email } = renderingsOf(rendered.message);
    expect(email).toMatch(/^Outcome: {3}disable-denied, severity high$/m);
    expect(email).toContain(`Who:       ${PRINCIPAL}`);
  });
});
