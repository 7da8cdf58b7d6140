import { describe, expect, it } from 'vitest';
import { type AlertFacts, renderNotification, subjectOf } from '../../handlers/alerts/detector.js';
import { type DigestFacts, renderDigest } from '../../handlers/alerts/digest.js';
import { renderingsOf } from './hostile-text.js';

const DETECTOR = '0ab12cd34ef56ab78cd90ef12ab34cd5';

const ALERT: AlertFacts = {
  outcome: 'disable-denied',
  accountId: '123456789012',
  region: 'eu-west-1',
  detectorId: DETECTOR,
  mode: 'remediate',
  trigger: 'api-call',
  eventId: '7d3f9a42-1b6c-4e0d-9a51-2f8e6c4b1a01',
  eventTime: '2026-11-20T09:14:03Z',
  eventName: 'UpdateDetector',
  actor: { type: 'AssumedRole', principalArn: 'arn:aws:sts::123456789012:assumed-role/PlatformAdmin/alice' },
  changes: ['RUNTIME_MONITORING → DISABLED'],
  problems: [],
  action: 'Nothing: the call failed with AccessDenied, so nothing changed.',
  before: null,
  after: null,
  exemption: { status: 'none' },
};

const DIGEST: DigestFacts = {
  outcome: 'disable-denied',
  accountId: '123456789012',
  region: 'eu-west-1',
  adminDetectorId: DETECTOR,
  mode: 'remediate',
  trigger: 'api-call',
  eventId: '7d3f9a42-1b6c-4e0d-9a51-2f8e6c4b1b01',
  eventTime: '2026-11-20T09:14:03Z',
  eventName: 'UpdateMemberDetectors',
  actor: ALERT.actor,
  changes: [],
  evaluatedAccounts: 2,
  accounts: [
    { accountId: '111111111111', problems: ['RUNTIME_MONITORING → DISABLED'] },
    { accountId: '2222', problems: ['RUNTIME_MONITORING → DISABLED'] },
  ],
  organizationProblems: [],
  action: 'Nothing: the call failed with AccessDenied, so nothing changed.',
};

describe('Function: renderNotification, identifiers', () => {
  it('never shows an invalid detector id as a real one, in any protocol', () => {
    // Prepare: a denied call names whatever detector id the caller typed
    const facts: AlertFacts = { ...ALERT, detectorId: 'not-a-detector' };

    // Act
    const { email, chat, structured } = renderingsOf(renderNotification(facts).message);

    // Assess
    expect(email).toContain('Detector:  invalid detector id "not-a-detector"');
    expect(String((chat.content as Record<string, unknown>).description)).toContain(
      '*Detector* `invalid detector id "not-a-detector"`',
    );
    expect((chat.metadata as Record<string, unknown>).threadId).toBe(
      'guardduty-drift/123456789012/eu-west-1/invalid',
    );
    expect(structured).toMatchObject({
      detectorId: null,
      invalidIdentifiers: { detectorId: 'not-a-detector' },
    });
  });

  it('never shows an invalid account id as a real one: e-mail, subject, attributes, structured', () => {
    // Prepare: the placeholder account id of a published CloudTrail sample (11 digits)
    const facts: AlertFacts = { ...ALERT, accountId: '00000000000' };

    // Act
    const rendered = renderNotification(facts);
    const { email, structured } = renderingsOf(rendered.message);

    // Assess
    expect(email).toContain('Account:   invalid account id "00000000000"');
    expect(subjectOf(facts)).toMatch(/^\[HIGH\] invalid-account eu-west-1: /);
    expect(rendered.attributes.accountId).toBe('invalid');
    expect(structured).toMatchObject({ accountId: null, invalidIdentifiers: { accountId: '00000000000' } });
  });

  it('keeps valid identifiers exactly as they were, with no invalidIdentifiers field', () => {
    const rendered = renderNotification(ALERT);
    const { email, structured } = renderingsOf(rendered.message);

    expect(email).toContain(`Detector:  ${DETECTOR}`);
    expect(email).toContain('Account:   123456789012');
    expect(structured).toMatchObject({
      accountId: '123456789012',
      detectorId: DETECTOR,
      region: 'eu-west-1',
    });
    expect(structured).not.toHaveProperty('invalidIdentifiers');
    expect(rendered.attributes).toEqual({
      severity: 'high',
      outcome: 'disable-denied',
      accountId: '123456789012',
      region: 'eu-west-1',
    });
  });
});

describe('Function: renderDigest, identifiers', () => {
  it('shows a member account id that is not 12 digits as invalid, in the e-mail, the chat and the structured digest', () => {
    const { email, chat, structured } = renderingsOf(renderDigest(DIGEST).message);

    expect(email).toContain('  - 111111111111: RUNTIME_MONITORING → DISABLED');
    expect(email).toContain('  - invalid account id "2222": RUNTIME_MONITORING → DISABLED');
    expect(String((chat.content as Record<string, unknown>).description)).toContain('invalid account id');
    expect(structured.accounts).toEqual([
      { accountId: '111111111111', problems: ['RUNTIME_MONITORING → DISABLED'] },
      { accountId: null, invalidAccountId: '2222', problems: ['RUNTIME_MONITORING → DISABLED'] },
    ]);
  });

  it('shows an invalid administrator detector id as invalid', () => {
    const { email, structured } = renderingsOf(renderDigest({ ...DIGEST, adminDetectorId: 'admin' }).message);

    expect(email).toContain('detector invalid detector id "admin"');
    expect(structured).toMatchObject({ detectorId: null, invalidIdentifiers: { detectorId: 'admin' } });
  });
});
