// handlers/alerts/membership.ts: every string of a loss event is hostile; every rendering fits SNS.
import { describe, expect, it } from 'vitest';
import { publishBytes, SNS_PUBLISH_LIMIT_BYTES } from '../../handlers/alerts/fit.js';
import { type MembershipFacts, renderMembership } from '../../handlers/alerts/membership.js';
import { expectNoForgery, forged, SEPARATORS, stringLeaves, withStringAt } from './hostile-text.js';

const FACTS: MembershipFacts = {
  accountId: '123456789012',
  region: 'us-east-1',
  mode: 'remediate',
  trigger: 'api-call',
  eventId: '7d3f9a42-1b6c-4e0d-9a51-2f8e6c4b1201',
  eventTime: '2026-11-20T09:14:03Z',
  eventName: 'DisassociateMembers',
  actor: {
    type: 'AssumedRole',
    principalArn: 'arn:aws:sts::123456789012:assumed-role/PlatformAdmin/alice@example.com',
    sourceIp: '203.0.113.24',
    userAgent: 'aws-cli/2.22.4',
  },
  accountName: 'security-tooling',
  runbookUrl: undefined,
  outcome: 'membership-lost',
  severity: 'critical',
  kind: 'disassociated',
  adminDetectorId: '0ab12cd34ef56ab78cd90ef12ab34cd5',
  meaning: '2 member accounts left the organization.',
  accounts: [
    { accountId: '111111111111', result: 'restored' },
    { accountId: '222222222222', result: 'manual', detail: 'GuardDuty kept no e-mail for it' },
  ],
  action: 'CreateMembers, then GetMembers to read back: 1 restored and confirmed.',
  confirmed: false,
  fix: 'aws guardduty create-members --region us-east-1 ...',
  statistics: 'GuardDuty counts 10 member accounts',
};

describe('Alert: membership (loss paths)', () => {
  it('carries who, which accounts, what it means, what was done and the fix in every rendering', () => {
    const { email, chat, structured } = expectNoForgery(renderMembership(FACTS).message, 'plain');
    expect(email).toContain(
      'Who:       arn:aws:sts::123456789012:assumed-role/PlatformAdmin/alice@example.com',
    );
    expect(email).toContain('  - 222222222222 [manual: GuardDuty kept no e-mail for it]');
    expect(email).toContain('The fix:\n  aws guardduty create-members');
    expect(JSON.stringify(chat)).toContain('*Fix*');
    expect(structured).toMatchObject({ kind: 'disassociated', confirmed: false, severity: 'critical' });
  });

  it('sets the message attributes subscription filters use', () => {
    expect(renderMembership(FACTS).attributes).toEqual({
      severity: 'critical',
      outcome: 'membership-lost',
      accountId: '123456789012',
      region: 'us-east-1',
    });
  });

  // Every string of the facts, with every separator: no forged line, no hidden character, anywhere.
  const leaves = stringLeaves(FACTS).filter((leaf) => leaf.path[0] !== 'mode' && leaf.path[0] !== 'trigger');
  it.each(
    leaves.flatMap((leaf) =>
      SEPARATORS.map(([name, separator]) => [leaf.path.join('.'), name, separator] as const),
    ),
  )('%s with %s forges nothing', (path, name, separator) => {
    const hostile = withStringAt(FACTS, path.split('.'), (text) => forged(separator, text));
    expectNoForgery(renderMembership(hostile).message, `${path} ${name}`);
  });

  it('fits SNS with 5,000 accounts and huge free text', () => {
    const huge = 'x'.repeat(100_000);
    const rendered = renderMembership({
      ...FACTS,
      meaning: huge,
      action: huge,
      fix: huge,
      accounts: Array.from({ length: 5_000 }, (_, index) => ({
        accountId: String(300000000000 + index),
        result: 'failed' as const,
        detail: huge.slice(0, 5_000),
      })),
    });
    expect(publishBytes(rendered)).toBeLessThanOrEqual(SNS_PUBLISH_LIMIT_BYTES);
    expect(JSON.parse(JSON.parse(rendered.message).sqs)).toMatchObject({ accountsTruncated: true });
  });
});
