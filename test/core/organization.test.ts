import { describe, expect, it } from 'vitest';
import { type AccountLine, type DigestFacts, renderDigest } from '../../handlers/alerts/digest.js';
import { loweredFeature } from '../../handlers/core/auto-enable.js';
import {
  batchRemediations,
  evaluateMember,
  evaluateOrganization,
  type MemberState,
  type OrganizationConfiguration,
  planOrganization,
} from '../../handlers/core/organization.js';

function orgConfig(
  features: [name: string, autoEnable: string, agent?: string][],
  members: string | undefined = 'ALL',
): OrganizationConfiguration {
  return {
    autoEnableOrganizationMembers: members,
    autoEnable: undefined,
    features: features.map(([name, autoEnable, agent]) => ({
      name,
      autoEnable,
      additionalConfiguration: agent ? [{ name: 'EKS_ADDON_MANAGEMENT', autoEnable: agent }] : [],
    })),
  };
}

describe('Function: evaluateOrganization', () => {
  it.each([
    ['RUNTIME_MONITORING ALL with agent ALL', [['RUNTIME_MONITORING', 'ALL', 'ALL']], 'ALL', true],
    [
      'legacy EKS_RUNTIME_MONITORING ALL with agent ALL',
      [['EKS_RUNTIME_MONITORING', 'ALL', 'ALL']],
      'ALL',
      true,
    ],
    ['NEW when the target is ALL', [['RUNTIME_MONITORING', 'NEW', 'NEW']], 'ALL', false],
    ['NEW when the target is NEW', [['RUNTIME_MONITORING', 'NEW', 'NEW']], 'NEW', true],
    ['ALL when the target is NEW', [['RUNTIME_MONITORING', 'ALL', 'ALL']], 'NEW', true],
    ['NONE', [['RUNTIME_MONITORING', 'NONE', 'NONE']], 'ALL', false],
    ['agent management NONE', [['RUNTIME_MONITORING', 'ALL', 'NONE']], 'ALL', false],
    ['agent management not listed', [['RUNTIME_MONITORING', 'ALL']], 'ALL', false],
    ['no runtime feature', [['S3_DATA_EVENTS', 'ALL']], 'ALL', false],
    ['an unknown auto-enable value', [['RUNTIME_MONITORING', 'SOMETIMES', 'ALL']], 'NEW', false],
  ] as const)('%s → compliant %s', (_name, features, target, expected) => {
    const evaluation = evaluateOrganization(
      orgConfig(features.map((entry) => [...entry] as [string, string, string?])),
      target,
      true,
    );

    expect(evaluation.compliant).toBe(expected);
    expect(evaluation.problems.length === 0).toBe(expected);
  });

  it.each([
    ['NONE', 'ALL', false, /accounts that join the organization do not become GuardDuty members/],
    ['NONE', 'NEW', false, /do not become GuardDuty members/],
    ['NEW', 'ALL', false, /autoEnableOrganizationMembers is NEW; target ALL/],
    ['NEW', 'NEW', true, undefined],
    ['ALL', 'ALL', true, undefined],
    // Neither field listed: unknown, never read as lowered.
    [undefined, 'ALL', true, undefined],
  ] as const)(
    'members auto-enable %s under target %s → compliant %s',
    (members, target, expected, problem) => {
      // Spread, not the helper's parameter: its default would turn an undefined into ALL.
      const configuration = {
        ...orgConfig([['RUNTIME_MONITORING', 'ALL', 'ALL']]),
        autoEnableOrganizationMembers: members,
      };
      const evaluation = evaluateOrganization(configuration, target, true);

      expect(evaluation.compliant).toBe(expected);
      expect(evaluation.membersMeet).toBe(expected);
      if (problem) expect(evaluation.problems).toEqual([expect.stringMatching(problem)]);
      else expect(evaluation.problems).toEqual([]);
    },
  );

  it('ignores agent management when it is not required', () => {
    expect(
      evaluateOrganization(orgConfig([['RUNTIME_MONITORING', 'ALL', 'NONE']]), 'ALL', false).compliant,
    ).toBe(true);
  });
});

describe('Function: planOrganization', () => {
  it('restores one generation at the target and raises the members setting to it', () => {
    const configuration = orgConfig([['RUNTIME_MONITORING', 'NONE', 'NONE']], 'NEW');
    const plan = planOrganization(
      configuration,
      evaluateOrganization(configuration, 'ALL', true),
      'ALL',
      true,
      undefined,
    );

    expect(plan).toEqual({
      feature: {
        name: 'RUNTIME_MONITORING',
        autoEnable: 'ALL',
        additionalConfiguration: [{ name: 'EKS_ADDON_MANAGEMENT', autoEnable: 'ALL' }],
      },
      members: { autoEnableOrganizationMembers: 'ALL' },
    });
  });

  it('sends the members setting back unchanged when it meets the target', () => {
    const configuration = orgConfig([['RUNTIME_MONITORING', 'NONE', 'NONE']], 'ALL');
    const plan = planOrganization(
      configuration,
      evaluateOrganization(configuration, 'NEW', true),
      'NEW',
      true,
      undefined,
    );

    expect(plan.members).toEqual({ autoEnableOrganizationMembers: 'ALL' });
  });

  it('falls back to the deprecated boolean when only it is set (the API needs exactly one of the two)', () => {
    const configuration = {
      ...orgConfig([['RUNTIME_MONITORING', 'NONE', 'NONE']]),
      autoEnableOrganizationMembers: undefined,
      autoEnable: true,
    };
    const plan = planOrganization(
      configuration,
      evaluateOrganization(configuration, 'NEW', true),
      'NEW',
      true,
      undefined,
    );

    expect(plan.members).toEqual({ autoEnable: true });
  });

  it('raises the deprecated boolean to the members setting at the target when it falls short', () => {
    const configuration = {
      ...orgConfig([['RUNTIME_MONITORING', 'ALL', 'ALL']]),
      autoEnableOrganizationMembers: undefined,
      autoEnable: false,
    };
    const evaluation = evaluateOrganization(configuration, 'NEW', true);
    const plan = planOrganization(configuration, evaluation, 'NEW', true, undefined);

    expect(evaluation.compliant).toBe(false);
    expect(plan.members).toEqual({ autoEnableOrganizationMembers: 'NEW' });
  });

  it('restores the generation the change lowered and keeps other additional configuration', () => {
    const configuration: OrganizationConfiguration = {
      autoEnableOrganizationMembers: 'ALL',
      autoEnable: undefined,
      features: [
        {
          name: 'EKS_RUNTIME_MONITORING',
          autoEnable: 'NONE',
          additionalConfiguration: [
            { name: 'EKS_ADDON_MANAGEMENT', autoEnable: 'NONE' },
            { name: 'FUTURE_AGENT', autoEnable: 'NEW' },
          ],
        },
        { name: 'RUNTIME_MONITORING', autoEnable: 'NONE', additionalConfiguration: [] },
      ],
    };
    const plan = planOrganization(
      configuration,
      evaluateOrganization(configuration, 'ALL', true),
      'ALL',
      true,
      'EKS_RUNTIME_MONITORING',
    );

    expect(plan.feature).toEqual({
      name: 'EKS_RUNTIME_MONITORING',
      autoEnable: 'ALL',
      additionalConfiguration: [
        { name: 'EKS_ADDON_MANAGEMENT', autoEnable: 'ALL' },
        { name: 'FUTURE_AGENT', autoEnable: 'NEW' },
      ],
    });
  });

  it('never lowers agent management that is already above the target', () => {
    const configuration = orgConfig([['RUNTIME_MONITORING', 'NONE', 'ALL']]);
    const plan = planOrganization(
      configuration,
      evaluateOrganization(configuration, 'NEW', false),
      'NEW',
      false,
      undefined,
    );

    expect(plan.feature.additionalConfiguration).toEqual([
      { name: 'EKS_ADDON_MANAGEMENT', autoEnable: 'ALL' },
    ]);
  });
});

describe('Function: loweredFeature', () => {
  it.each([
    [[{ name: 'RUNTIME_MONITORING', autoEnable: 'NONE' }], 'RUNTIME_MONITORING'],
    [[{ name: 'EKS_RUNTIME_MONITORING', autoEnable: 'NEW' }], 'EKS_RUNTIME_MONITORING'],
    [
      [
        {
          name: 'RUNTIME_MONITORING',
          autoEnable: 'ALL',
          additionalConfiguration: [{ name: 'EKS_ADDON_MANAGEMENT', autoEnable: 'NONE' }],
        },
      ],
      'RUNTIME_MONITORING',
    ],
    [[{ name: 'RUNTIME_MONITORING', autoEnable: 'ALL' }], undefined],
    [[{ name: 'S3_DATA_EVENTS', autoEnable: 'NONE' }], undefined],
    [undefined, undefined],
  ])('%j → %s', (features, expected) => {
    expect(loweredFeature(features, 'ALL', true)).toBe(expected);
  });
});

const member = (accountId: string, status: string, agent = 'ENABLED'): MemberState => ({
  accountId,
  features: [
    {
      name: 'RUNTIME_MONITORING',
      status,
      additionalConfiguration: [{ name: 'EKS_ADDON_MANAGEMENT', status: agent }],
    },
  ],
});

describe('Function: batchRemediations', () => {
  const accounts = (count: number, start = 0) =>
    Array.from({ length: count }, (_, index) => String(100000000000 + start + index));

  it.each([
    [1, [1]],
    [50, [50]],
    [51, [50, 1]],
    [100, [50, 50]],
    [101, [50, 50, 1]],
  ])('puts %i drifted accounts in batches of %j', (count, sizes) => {
    const verdicts = accounts(count).map((id) => evaluateMember(member(id, 'DISABLED'), true, undefined));

    expect(batchRemediations(verdicts).map((batch) => batch.accountIds.length)).toEqual(sizes);
  });

  it('groups by the exact feature entry, so one call never mixes generations or settings', () => {
    const verdicts = [
      ...accounts(3).map((id) => evaluateMember(member(id, 'DISABLED'), true, undefined)),
      ...accounts(2, 10).map((id) =>
        evaluateMember(
          {
            accountId: id,
            features: [{ name: 'EKS_RUNTIME_MONITORING', status: 'DISABLED', additionalConfiguration: [] }],
          },
          true,
          undefined,
        ),
      ),
      evaluateMember(member('999999999999', 'ENABLED'), true, undefined),
    ];

    const batches = batchRemediations(verdicts);

    expect(batches.map((batch) => [batch.feature.name, batch.accountIds.length])).toEqual([
      ['RUNTIME_MONITORING', 3],
      ['EKS_RUNTIME_MONITORING', 2],
    ]);
    for (const batch of batches) expect(batch.accountIds).not.toContain('999999999999');
  });
});

function digest(accounts: AccountLine[], overrides: Partial<DigestFacts> = {}): DigestFacts {
  return {
    outcome: 'remediate',
    accountId: '123456789012',
    region: 'us-east-1',
    adminDetectorId: '0ab12cd34ef56ab78cd90ef12ab34cd5',
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
    action: 'UpdateMemberDetectors in 1 call(s)',
    ...overrides,
  };
}

describe('Function: renderDigest', () => {
  it('renders one account in full', () => {
    const rendered = renderDigest(
      digest(
        [{ accountId: '111111111111', problems: ['RUNTIME_MONITORING is DISABLED'], result: 'remediated' }],
        {
          evaluatedAccounts: 5_000,
        },
      ),
    );
    const messages = JSON.parse(rendered.message) as Record<string, string>;

    expect(rendered.subject).toBe(
      '[HIGH] 123456789012 us-east-1: EKS Runtime Monitoring lost in 1 member account; re-enabled',
    );
    expect(messages.email).toContain('  - 111111111111: RUNTIME_MONITORING is DISABLED [remediated]');
    expect(JSON.parse(messages.sqs ?? '{}')).toMatchObject({
      scope: 'organization',
      outcome: 'remediate',
      severity: 'high',
      accountId: '123456789012',
      detectorId: '0ab12cd34ef56ab78cd90ef12ab34cd5',
      actor: 'scheduled sweep',
      before: { evaluatedAccounts: 5_000, accountsWithoutProtection: 1 },
      after: { remediatedAccounts: 1, failedAccounts: 0 },
      accounts: [{ accountId: '111111111111', result: 'remediated' }],
      accountsTruncated: false,
    });
  });

  it('caps 5,000 accounts to one message under the SNS limit, with the count', () => {
    const accounts = Array.from({ length: 5_000 }, (_, index) => ({
      accountId: String(200000000000 + index),
      problems: ['RUNTIME_MONITORING is DISABLED; EKS_RUNTIME_MONITORING is DISABLED'],
      result: 'failed' as const,
      detail: 'UnprocessedAccounts: The request is rejected because the account is suspended.',
    }));

    const rendered = renderDigest(digest(accounts));
    const messages = JSON.parse(rendered.message) as Record<string, string>;
    const structured = JSON.parse(messages.sqs ?? '{}') as {
      accounts: unknown[];
      accountsTruncated: boolean;
      severity: string;
    };

    expect(Buffer.byteLength(rendered.message)).toBeLessThan(256 * 1024);
    expect(rendered.subject.length).toBeLessThanOrEqual(99);
    expect(structured.accounts).toHaveLength(200);
    expect(structured.accountsTruncated).toBe(true);
    expect(structured.severity).toBe('critical');
    expect(messages.email).toContain('… and 4950 more');
    expect(JSON.parse(messages.https ?? '{}')).toMatchObject({
      version: '1.0',
      source: 'custom',
      content: { description: expect.stringContaining('…and 4990 more') },
    });
  });

  it('grows severity with the share of accounts affected', () => {
    const one = [{ accountId: '1', problems: ['x'] }];
    const ten = Array.from({ length: 10 }, (_, index) => ({ accountId: String(index), problems: ['x'] }));

    expect(renderDigest(digest(one, { outcome: 'would-remediate' })).attributes.severity).toBe('high');
    expect(renderDigest(digest(ten, { outcome: 'would-remediate' })).attributes.severity).toBe('critical');
    expect(
      renderDigest(digest(one, { outcome: 'would-remediate', evaluatedAccounts: 5 })).attributes.severity,
    ).toBe('critical');
  });
});
