import { describe, expect, it } from 'vitest';
import { type AlertFacts, renderNotification } from '../../handlers/alerts/detector.js';
import { type DigestFacts, renderDigest } from '../../handlers/alerts/digest.js';
import { expectNoForgery, forged, SEPARATORS, stringLeaves, withStringAt } from './hostile-text.js';

const DETECTOR = '0ab12cd34ef56ab78cd90ef12ab34cd5';

/** An alert with every optional string present, so that every field the e-mail can show is attacked. */
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
  actor: {
    type: 'AssumedRole',
    principalArn: 'arn:aws:sts::123456789012:assumed-role/PlatformAdmin/alice@example.com',
    sessionIssuerArn: 'arn:aws:iam::123456789012:role/PlatformAdmin',
    sourceIp: '203.0.113.24',
    userAgent: 'aws-cli/2.22.4',
  },
  changes: ['RUNTIME_MONITORING → DISABLED'],
  problems: ['RUNTIME_MONITORING is DISABLED'],
  action: 'Nothing: the call failed with AccessDenied (explicit deny in an SCP), so nothing changed.',
  before: {
    status: 'ENABLED',
    compliant: false,
    generationInUse: 'RUNTIME_MONITORING',
    agentManagement: 'DISABLED',
    runtimeFeatures: [{ name: 'RUNTIME_MONITORING', status: 'DISABLED', agentManagement: 'DISABLED' }],
  },
  after: null,
  exemption: { status: 'active', until: '2026-12-01', reason: 'cluster migration' },
};

/** The same alert as the e-mail shows problems (no changes) and a malformed exemption. */
const ALERT_PROBLEMS: AlertFacts = {
  ...ALERT,
  changes: [],
  exemption: { status: 'malformed', problem: 'exempt-until is not a date' },
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
  changes: ['RUNTIME_MONITORING → DISABLED'],
  evaluatedAccounts: 2,
  accounts: [
    { accountId: '111111111111', problems: ['RUNTIME_MONITORING → DISABLED'] },
    {
      accountId: '222222222222',
      problems: ['RUNTIME_MONITORING is DISABLED'],
      result: 'failed',
      detail: 'read back: still not compliant',
    },
  ],
  organizationProblems: ['auto-enable of RUNTIME_MONITORING is NONE'],
  action: 'Nothing: the call failed with AccessDenied, so nothing changed.',
};

/** Fields that are enumerations the responder sets itself, never text from an event. */
const ENUMS = new Set([
  'outcome',
  'remediation',
  'mode',
  'trigger',
  'exemption.status',
  'organizationResult',
]);
const isEnum = (path: readonly string[]) => ENUMS.has(path.join('.')) || path[path.length - 1] === 'result';

function attackedFields<T>(facts: T): string[][] {
  return stringLeaves(facts)
    .map((leaf) => leaf.path)
    .filter((path) => !isEnum(path));
}

describe('Function: renderNotification, against forged lines', () => {
  for (const base of [ALERT, ALERT_PROBLEMS]) {
    const variant = base === ALERT ? 'with changes' : 'with problems';
    it.each(attackedFields(base).map((path) => [path.join('.'), path] as const))(
      `%s (${variant}) cannot add a line or hide text in any protocol`,
      (_name, path) => {
        for (const [separator, text] of SEPARATORS) {
          for (const lead of ['x', '']) {
            const facts = withStringAt(base, path, (value) => `${value}${forged(text, lead)}`);
            const { email } = expectNoForgery(
              renderNotification(facts).message,
              `${separator} (lead "${lead}")`,
            );
            expect(email.split('\n').filter((line) => line.startsWith('Outcome:'))).toEqual([
              expect.stringMatching(/^Outcome: {3}disable-denied, severity high$/),
            ]);
          }
        }
      },
    );
  }
});

describe('Function: renderDigest, against forged lines', () => {
  it.each(attackedFields(DIGEST).map((path) => [path.join('.'), path] as const))(
    '%s cannot add a line or hide text in any protocol',
    (_name, path) => {
      for (const [separator, text] of SEPARATORS) {
        const facts = withStringAt(DIGEST, path, (value) => `${value}${forged(text)}`);
        const { email } = expectNoForgery(renderDigest(facts).message, separator);
        expect(email.split('\n').filter((line) => line.startsWith('Outcome:'))).toEqual([
          expect.stringMatching(/^Outcome: {3}disable-denied, severity high$/),
        ]);
      }
    },
  );
});
