import { describe, expect, it } from 'vitest';
import { describeChange } from '../../handlers/core/change.js';
import {
  applyCircuitBreaker,
  type Decision,
  decide,
  driftFingerprint,
  isOwnChange,
  planRemediation,
  type ResponderIdentity,
  triage,
} from '../../handlers/core/decide.js';
import { evaluate } from '../../handlers/core/evaluate.js';
import { parseExemption } from '../../handlers/core/exemption.js';
import type {
  ApiCallInput,
  DetectorFeature,
  DetectorState,
  ResponderMode,
} from '../../handlers/core/types.js';

const NOW = new Date('2026-11-20T10:00:00Z');

function feature(
  name: string,
  status: string,
  agent?: string,
  extra: Record<string, string> = {},
): DetectorFeature {
  const additionalConfiguration = [
    ...(agent ? [{ name: 'EKS_ADDON_MANAGEMENT', status: agent }] : []),
    ...Object.entries(extra).map(([configName, configStatus]) => ({
      name: configName,
      status: configStatus,
    })),
  ];
  return { name, status, additionalConfiguration };
}

function detector(
  features: DetectorFeature[],
  status = 'ENABLED',
  tags: Record<string, string> = {},
): DetectorState {
  return { detectorId: 'd-1', status, features, tags };
}

const ACTIVE_EXEMPTION = {
  'drift-responder:exempt-until': '2026-12-01',
  'drift-responder:exempt-reason': 'CHG-1',
};
const EXPIRED_EXEMPTION = {
  'drift-responder:exempt-until': '2026-11-19',
  'drift-responder:exempt-reason': 'CHG-0',
};
const MALFORMED_EXEMPTION = {
  'drift-responder:exempt-until': 'next tuesday',
  'drift-responder:exempt-reason': 'x',
};

interface Row {
  name: string;
  state: DetectorState | undefined;
  mode?: ResponderMode;
  requireAgent?: boolean;
  request?: Parameters<typeof describeChange>[1];
  expected: Decision['outcome'];
  generation?: string;
}

const ROWS: Row[] = [
  {
    name: 'RUNTIME_MONITORING with agent management',
    state: detector([feature('RUNTIME_MONITORING', 'ENABLED', 'ENABLED')]),
    expected: 'compliant',
  },
  {
    name: 'legacy EKS_RUNTIME_MONITORING with agent management',
    state: detector([feature('EKS_RUNTIME_MONITORING', 'ENABLED', 'ENABLED')]),
    expected: 'compliant',
  },
  {
    name: 'both listed, only the legacy one protecting',
    state: detector([
      feature('RUNTIME_MONITORING', 'DISABLED', 'DISABLED'),
      feature('EKS_RUNTIME_MONITORING', 'ENABLED', 'ENABLED'),
    ]),
    expected: 'compliant',
  },
  {
    name: 'both listed, both off: prefers RUNTIME_MONITORING',
    state: detector([
      feature('EKS_RUNTIME_MONITORING', 'DISABLED', 'DISABLED'),
      feature('RUNTIME_MONITORING', 'DISABLED', 'DISABLED'),
    ]),
    expected: 'remediate',
    generation: 'RUNTIME_MONITORING',
  },
  {
    name: 'neither listed',
    state: detector([feature('S3_DATA_EVENTS', 'ENABLED')]),
    expected: 'remediate',
    generation: 'RUNTIME_MONITORING',
  },
  {
    name: 'only the legacy one listed, off',
    state: detector([feature('EKS_RUNTIME_MONITORING', 'DISABLED')]),
    expected: 'remediate',
    generation: 'EKS_RUNTIME_MONITORING',
  },
  {
    name: 'agent management off (strict)',
    state: detector([feature('RUNTIME_MONITORING', 'ENABLED', 'DISABLED')]),
    expected: 'remediate',
    generation: 'RUNTIME_MONITORING',
  },
  {
    name: 'agent management off (lenient)',
    state: detector([feature('RUNTIME_MONITORING', 'ENABLED', 'DISABLED')]),
    requireAgent: false,
    expected: 'compliant',
  },
  {
    name: 'agent management not listed (strict)',
    state: detector([feature('RUNTIME_MONITORING', 'ENABLED')]),
    expected: 'remediate',
  },
  {
    name: 'suspended detector with runtime on',
    state: detector([feature('RUNTIME_MONITORING', 'ENABLED', 'ENABLED')], 'DISABLED'),
    expected: 'remediate',
  },
  {
    name: 'unknown feature names and statuses are tolerated',
    state: detector([
      feature('AI_PROTECTION', 'ENABLED'),
      feature('RUNTIME_MONITORING', 'ENABLED', 'ENABLED', { FUTURE_AGENT: 'PAUSED' }),
    ]),
    expected: 'compliant',
  },
  {
    name: 'an unknown runtime status is not ENABLED',
    state: detector([feature('RUNTIME_MONITORING', 'PARTIALLY_ENABLED', 'ENABLED')]),
    expected: 'remediate',
  },
  {
    name: 'notify mode',
    state: detector([feature('RUNTIME_MONITORING', 'DISABLED', 'ENABLED')]),
    mode: 'notify',
    expected: 'would-remediate',
  },
  {
    name: 'active exemption',
    state: detector([feature('RUNTIME_MONITORING', 'DISABLED', 'ENABLED')], 'ENABLED', ACTIVE_EXEMPTION),
    expected: 'exempt',
  },
  {
    name: 'active exemption wins over notify mode',
    state: detector([feature('RUNTIME_MONITORING', 'DISABLED')], 'ENABLED', ACTIVE_EXEMPTION),
    mode: 'notify',
    expected: 'exempt',
  },
  {
    name: 'expired exemption',
    state: detector([feature('RUNTIME_MONITORING', 'DISABLED', 'ENABLED')], 'ENABLED', EXPIRED_EXEMPTION),
    expected: 'remediate',
  },
  {
    name: 'malformed exemption',
    state: detector([feature('RUNTIME_MONITORING', 'DISABLED', 'ENABLED')], 'ENABLED', MALFORMED_EXEMPTION),
    expected: 'remediate',
  },
  {
    name: 'exemption on a compliant detector changes nothing',
    state: detector([feature('RUNTIME_MONITORING', 'ENABLED', 'ENABLED')], 'ENABLED', ACTIVE_EXEMPTION),
    expected: 'compliant',
  },
  { name: 'detector gone', state: undefined, expected: 'detector-deleted' },
  {
    name: 'drift turned the legacy feature off while both are listed: restores the legacy one',
    state: detector([
      feature('RUNTIME_MONITORING', 'DISABLED', 'DISABLED'),
      feature('EKS_RUNTIME_MONITORING', 'DISABLED', 'DISABLED'),
    ]),
    request: { features: [{ name: 'EKS_RUNTIME_MONITORING', status: 'DISABLED' }] },
    expected: 'remediate',
    generation: 'EKS_RUNTIME_MONITORING',
  },
];

describe('Function: decide', () => {
  it.each(ROWS)('$name → $expected', (row) => {
    // Prepare
    const requireAgent = row.requireAgent ?? true;
    const evaluation = row.state && evaluate(row.state, requireAgent);

    // Act
    const decision = decide({
      state: row.state,
      evaluation,
      exemption: row.state ? parseExemption(row.state.tags, NOW, 30) : { status: 'none' },
      mode: row.mode ?? 'remediate',
      requireAgentManagement: requireAgent,
      change: row.request ? describeChange('UpdateDetector', row.request) : undefined,
    });

    // Assess
    expect(decision.outcome).toBe(row.expected);
    if (row.generation && 'plan' in decision) expect(decision.plan.generation).toBe(row.generation);
  });
});

describe('Function: planRemediation', () => {
  it('sends the full additionalConfiguration list with agent management on and the others as they are', () => {
    const state = detector([
      feature('RUNTIME_MONITORING', 'DISABLED', 'DISABLED', {
        ECS_FARGATE_AGENT_MANAGEMENT: 'ENABLED',
        EC2_AGENT_MANAGEMENT: 'DISABLED',
      }),
    ]);

    const plan = planRemediation(state, evaluate(state, true), undefined, true);

    expect(plan).toEqual({
      detectorId: 'd-1',
      resumeDetector: false,
      generation: 'RUNTIME_MONITORING',
      feature: {
        name: 'RUNTIME_MONITORING',
        status: 'ENABLED',
        additionalConfiguration: [
          { name: 'EKS_ADDON_MANAGEMENT', status: 'ENABLED' },
          { name: 'ECS_FARGATE_AGENT_MANAGEMENT', status: 'ENABLED' },
          { name: 'EC2_AGENT_MANAGEMENT', status: 'DISABLED' },
        ],
      },
    });
  });

  it('adds agent management when GetDetector does not list it', () => {
    const state = detector([feature('EKS_RUNTIME_MONITORING', 'DISABLED')]);

    const plan = planRemediation(state, evaluate(state, true), undefined, true);

    expect(plan.feature?.additionalConfiguration).toEqual([
      { name: 'EKS_ADDON_MANAGEMENT', status: 'ENABLED' },
    ]);
  });

  it('keeps agent management off when the team runs the agent itself (lenient mode)', () => {
    const state = detector([feature('RUNTIME_MONITORING', 'DISABLED', 'DISABLED')]);

    const plan = planRemediation(state, evaluate(state, false), undefined, false);

    expect(plan.feature?.additionalConfiguration).toEqual([
      { name: 'EKS_ADDON_MANAGEMENT', status: 'DISABLED' },
    ]);
  });

  it('only resumes a suspended detector whose runtime feature is still on', () => {
    const state = detector([feature('RUNTIME_MONITORING', 'ENABLED', 'ENABLED')], 'DISABLED');

    const plan = planRemediation(state, evaluate(state, true), undefined, true);

    expect(plan).toMatchObject({ resumeDetector: true, feature: undefined });
  });

  it('resumes and re-enables together when both are off', () => {
    const state = detector([feature('RUNTIME_MONITORING', 'DISABLED', 'ENABLED')], 'DISABLED');

    const plan = planRemediation(state, evaluate(state, true), undefined, true);

    expect(plan).toMatchObject({
      resumeDetector: true,
      feature: { name: 'RUNTIME_MONITORING', status: 'ENABLED' },
    });
  });

  it('fixes agent management on the feature already enabled instead of switching generations', () => {
    const state = detector([
      feature('RUNTIME_MONITORING', 'DISABLED'),
      feature('EKS_RUNTIME_MONITORING', 'ENABLED', 'DISABLED'),
    ]);

    const plan = planRemediation(state, evaluate(state, true), undefined, true);

    expect(plan.generation).toBe('EKS_RUNTIME_MONITORING');
  });
});

describe('Function: applyCircuitBreaker', () => {
  const state = detector([feature('RUNTIME_MONITORING', 'DISABLED', 'ENABLED')]);
  const remediate = decide({
    state,
    evaluation: evaluate(state, true),
    exemption: { status: 'none' },
    mode: 'remediate',
    requireAgentManagement: true,
    change: undefined,
  });

  it.each([
    [0, 3, 'remediate'],
    [2, 3, 'remediate'],
    [3, 3, 'circuit-open'],
    [7, 3, 'circuit-open'],
    [0, 1, 'remediate'],
    [1, 1, 'circuit-open'],
  ])('with %i recent remediations and a limit of %i → %s', (recent, max, expected) => {
    expect(applyCircuitBreaker(remediate, recent, max).outcome).toBe(expected);
  });

  it('never turns another outcome into circuit-open', () => {
    expect(
      applyCircuitBreaker(
        {
          outcome: 'exempt',
          plan: {
            detectorId: 'd',
            resumeDetector: false,
            generation: 'RUNTIME_MONITORING',
            feature: undefined,
          },
        },
        99,
        3,
      ).outcome,
    ).toBe('exempt');
  });
});

const SELF: ResponderIdentity = {
  region: 'us-east-1',
  accountId: '123456789012',
  functionName: 'responder-fn',
  roleArn: 'arn:aws:iam::123456789012:role/ResponderRole',
};

function apiCall(
  overrides: Partial<ApiCallInput> & { request?: Parameters<typeof describeChange>[1] } = {},
): ApiCallInput {
  const { request, ...rest } = overrides;
  const eventName = rest.eventName ?? 'UpdateDetector';
  return {
    kind: 'api-call',
    eventId: 'e-1',
    eventTime: '2026-11-20T09:00:00Z',
    eventName,
    accountId: '123456789012',
    region: 'us-east-1',
    detectorId: 'd-1',
    actor: {
      type: 'AssumedRole',
      principalArn: 'arn:aws:sts::123456789012:assumed-role/Admin/alice',
      userAgent: 'aws-cli/2',
    },
    errorCode: undefined,
    errorMessage: undefined,
    change: describeChange(
      eventName,
      request ?? { features: [{ name: 'RUNTIME_MONITORING', status: 'DISABLED' }] },
    ),
    ...rest,
  };
}

const OWN_ACTOR = {
  type: 'AssumedRole',
  principalArn: 'arn:aws:sts::123456789012:assumed-role/ResponderRole/responder-fn',
  sessionIssuerArn: 'arn:aws:iam::123456789012:role/ResponderRole',
  userAgent: 'aws-sdk-js/3 guardduty-drift-responder/0.1.0',
};

describe('Function: triage', () => {
  it.each([
    ['a disable to evaluate', apiCall(), 'evaluate'],
    ['CreateDetector', apiCall({ eventName: 'CreateDetector', request: { enable: false } }), 'evaluate'],
    ['DeleteDetector', apiCall({ eventName: 'DeleteDetector', request: {} }), 'evaluate'],
    ['a denied disable', apiCall({ errorCode: 'AccessDenied' }), 'report-denied'],
    [
      'a denied delete',
      apiCall({ eventName: 'DeleteDetector', request: {}, errorCode: 'AccessDenied' }),
      'report-denied',
    ],
    ['a denied suspend', apiCall({ request: { enable: false }, errorCode: 'AccessDenied' }), 'report-denied'],
    [
      'a failed call that would not reduce protection',
      apiCall({ request: { enable: true }, errorCode: 'BadRequestException' }),
      'ignore',
    ],
    ['another Region', apiCall({ region: 'eu-west-1' }), 'ignore'],
    ['another account', apiCall({ accountId: '999999999999' }), 'ignore'],
    ['an organization-level call', apiCall({ eventName: 'UpdateMemberDetectors' }), 'ignore'],
    ['an unrelated GuardDuty call', apiCall({ eventName: 'CreateSampleFindings' }), 'ignore'],
    ['no detector id', apiCall({ detectorId: undefined }), 'ignore'],
    [
      "the responder's own enable",
      apiCall({
        actor: OWN_ACTOR,
        request: { features: [{ name: 'RUNTIME_MONITORING', status: 'ENABLED' }] },
      }),
      'ignore',
    ],
  ])('%s → %s', (_name, input, expected) => {
    expect(triage(input, SELF, true).action).toBe(expected);
  });

  it.each([
    ['UpdateMemberDetectors', apiCall({ eventName: 'UpdateMemberDetectors' }), 'organization'],
    [
      'a failed UpdateOrganizationConfiguration',
      apiCall({ eventName: 'UpdateOrganizationConfiguration', errorCode: 'AccessDenied' }),
      'organization',
    ],
    [
      "the responder's own UpdateMemberDetectors",
      apiCall({
        eventName: 'UpdateMemberDetectors',
        actor: OWN_ACTOR,
        request: { features: [{ name: 'RUNTIME_MONITORING', status: 'ENABLED' }] },
      }),
      'ignore',
    ],
    [
      'an organization call for another Region',
      apiCall({ eventName: 'UpdateMemberDetectors', region: 'eu-west-1' }),
      'ignore',
    ],
    ['a standalone disable', apiCall(), 'evaluate'],
  ])('in organization scope, %s → %s', (_name, input, expected) => {
    expect(triage(input, SELF, true, 'organization').action).toBe(expected);
  });

  it('tells why it ignores an event', () => {
    expect(triage(apiCall({ eventName: 'UpdateOrganizationConfiguration' }), SELF, true)).toEqual({
      action: 'ignore',
      reason:
        'UpdateOrganizationConfiguration is an organization-level call; deploy with RESPONDER_SCOPE=organization in the GuardDuty delegated administrator account to act on it',
    });
  });
});

describe('Function: isOwnChange', () => {
  const enable = { features: [{ name: 'RUNTIME_MONITORING', status: 'ENABLED' }] };

  it('needs the session name, the user agent and a request that only adds protection', () => {
    expect(isOwnChange(apiCall({ actor: OWN_ACTOR, request: enable }), SELF, true)).toBe(true);
    expect(
      isOwnChange(apiCall({ actor: { ...OWN_ACTOR, userAgent: 'aws-cli/2' }, request: enable }), SELF, true),
    ).toBe(false);
    expect(
      isOwnChange(
        apiCall({
          actor: {
            ...OWN_ACTOR,
            principalArn: 'arn:aws:sts::123456789012:assumed-role/ResponderRole/someone',
          },
          request: enable,
        }),
        SELF,
        true,
      ),
    ).toBe(false);
  });

  it('needs the execution role itself: a session of another role named after the function is not the responder', () => {
    const lookAlike = {
      ...OWN_ACTOR,
      principalArn: 'arn:aws:sts::123456789012:assumed-role/SomeOtherRole/responder-fn',
      sessionIssuerArn: 'arn:aws:iam::123456789012:role/SomeOtherRole',
    };

    expect(isOwnChange(apiCall({ actor: lookAlike, request: enable }), SELF, true)).toBe(false);
    expect(
      isOwnChange(apiCall({ actor: OWN_ACTOR, request: enable }), { ...SELF, roleArn: undefined }, true),
    ).toBe(false);
  });

  it("recognises its own organization restore at the configured target, whatever the other agents' settings", () => {
    const restoreToNew = apiCall({
      eventName: 'UpdateOrganizationConfiguration',
      actor: OWN_ACTOR,
      request: {},
      organizationFeatures: [
        {
          name: 'RUNTIME_MONITORING',
          autoEnable: 'NEW',
          additionalConfiguration: [
            { name: 'EKS_ADDON_MANAGEMENT', autoEnable: 'NEW' },
            { name: 'ECS_FARGATE_AGENT_MANAGEMENT', autoEnable: 'NONE' },
          ],
        },
      ],
    });

    expect(isOwnChange(restoreToNew, SELF, true, 'NEW')).toBe(true);
    expect(isOwnChange(restoreToNew, SELF, true, 'ALL')).toBe(false);
  });

  it('never hides an organization auto-enable lowered below ALL, even from the responder identity', () => {
    const lowering = apiCall({
      eventName: 'UpdateOrganizationConfiguration',
      actor: OWN_ACTOR,
      request: {},
      organizationFeatures: [
        {
          name: 'RUNTIME_MONITORING',
          autoEnable: 'ALL',
          additionalConfiguration: [{ name: 'EKS_ADDON_MANAGEMENT', autoEnable: 'NONE' }],
        },
      ],
    });
    const restoring = apiCall({
      eventName: 'UpdateOrganizationConfiguration',
      actor: OWN_ACTOR,
      request: {},
      organizationFeatures: [
        {
          name: 'RUNTIME_MONITORING',
          autoEnable: 'ALL',
          additionalConfiguration: [{ name: 'EKS_ADDON_MANAGEMENT', autoEnable: 'ALL' }],
        },
      ],
    });

    expect(isOwnChange(lowering, SELF, true)).toBe(false);
    expect(triage(lowering, SELF, true, 'organization').action).toBe('organization');
    expect(isOwnChange(restoring, SELF, true)).toBe(true);
  });

  it('never hides a disable, even one made with the responder identity', () => {
    expect(isOwnChange(apiCall({ actor: OWN_ACTOR }), SELF, true)).toBe(false);
  });

  it('is off when the function name is unknown', () => {
    expect(
      isOwnChange(apiCall({ actor: OWN_ACTOR, request: enable }), { ...SELF, functionName: undefined }, true),
    ).toBe(false);
  });
});

describe('Function: driftFingerprint', () => {
  it('differs between drifts and is stable for the same one', () => {
    const off = detector([feature('RUNTIME_MONITORING', 'DISABLED', 'ENABLED')]);
    const agentOff = detector([feature('RUNTIME_MONITORING', 'ENABLED', 'DISABLED')]);

    expect(driftFingerprint(off, evaluate(off, true))).toBe(driftFingerprint(off, evaluate(off, true)));
    expect(driftFingerprint(off, evaluate(off, true))).not.toBe(
      driftFingerprint(agentOff, evaluate(agentOff, true)),
    );
    expect(driftFingerprint(undefined, undefined)).toBe('missing');
  });
});
