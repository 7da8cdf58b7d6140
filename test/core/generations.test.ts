/*
 * The two generations under the two targets (issue 14, "Both controls, one migration"): every state of
 * RUNTIME_MONITORING and EKS_RUNTIME_MONITORING (not listed, DISABLED, ENABLED with add-on management on, ENABLED with
 * it off) × RUNTIME_TARGET any|unified, through evaluate → decide → planRemediation, and the Security Hub verdicts of
 * each state (GuardDuty.7: either generation with EKS_ADDON_MANAGEMENT; GuardDuty.11: RUNTIME_MONITORING).
 */
import { describe, expect, it } from 'vitest';
import { describeChange } from '../../handlers/core/change.js';
import {
  type Decision,
  decide,
  isOwnChange,
  planRemediation,
  type RemediationPlan,
  type ResponderIdentity,
} from '../../handlers/core/decide.js';
import { evaluate } from '../../handlers/core/evaluate.js';
import { parseExemption } from '../../handlers/core/exemption.js';
import { controlVerdicts, disableLegacyCommand, type RuntimeTarget } from '../../handlers/core/target.js';
import type {
  ApiCallInput,
  DetectorFeature,
  DetectorState,
  ResponderMode,
} from '../../handlers/core/types.js';

const NOW = new Date('2026-11-20T10:00:00Z');

/** `-` not listed, `off` DISABLED, `on` ENABLED with EKS add-on management ENABLED, `on!` ENABLED with it DISABLED. */
type Cell = '-' | 'off' | 'on' | 'on!';

function feature(name: string, cell: Cell, extra: Record<string, string> = {}): DetectorFeature[] {
  if (cell === '-') return [];
  return [
    {
      name,
      status: cell === 'off' ? 'DISABLED' : 'ENABLED',
      additionalConfiguration: [
        { name: 'EKS_ADDON_MANAGEMENT', status: cell === 'on' ? 'ENABLED' : 'DISABLED' },
        ...Object.entries(extra).map(([configName, status]) => ({ name: configName, status })),
      ],
    },
  ];
}

function detector(unified: Cell, legacy: Cell, status = 'ENABLED', tags: Record<string, string> = {}) {
  const state: DetectorState = {
    detectorId: 'd-1',
    status,
    tags,
    features: [
      { name: 'CLOUD_TRAIL', status: 'ENABLED', additionalConfiguration: [] },
      ...feature('RUNTIME_MONITORING', unified, { ECS_FARGATE_AGENT_MANAGEMENT: 'ENABLED' }),
      ...feature('EKS_RUNTIME_MONITORING', legacy),
    ],
  };
  return state;
}

function decideFor(
  state: DetectorState,
  target: RuntimeTarget,
  options: { mode?: ResponderMode; requireAgentManagement?: boolean } = {},
): Decision {
  const requireAgentManagement = options.requireAgentManagement ?? true;
  return decide({
    state,
    evaluation: evaluate(state, requireAgentManagement, target),
    exemption: parseExemption(state.tags, NOW, 30),
    mode: options.mode ?? 'remediate',
    requireAgentManagement,
    change: undefined,
  });
}

/** A plan in one line: `RUNTIME_MONITORING→ENABLED(EKS_ADDON_MANAGEMENT=ENABLED)` `then EKS_RUNTIME_MONITORING→DISABLED`. */
function planLine(plan: RemediationPlan | undefined): string {
  if (plan === undefined) return '-';
  const request = (step: RemediationPlan) =>
    [
      ...(step.resumeDetector ? ['resume'] : []),
      ...(step.feature
        ? [
            `${step.feature.name}→${step.feature.status}(${
              step.feature.additionalConfiguration.find((config) => config.name === 'EKS_ADDON_MANAGEMENT')
                ?.status
            })`,
          ]
        : []),
    ].join('+') || 'nothing';
  return plan.retire ? `${request(plan)} then ${request(plan.retire)}` : request(plan);
}

function summary(decision: Decision): string {
  switch (decision.outcome) {
    case 'remediate':
    case 'would-remediate':
    case 'exempt':
    case 'circuit-open':
      return `${decision.outcome}: ${planLine(decision.plan)}`;
    case 'cost-warning':
      return `cost-warning: ${planLine(decision.retire)}`;
    default:
      return decision.outcome;
  }
}

const RM_ON = 'RUNTIME_MONITORING→ENABLED(ENABLED)';
const EKS_ON = 'EKS_RUNTIME_MONITORING→ENABLED(ENABLED)';
const THEN_RETIRE = 'then EKS_RUNTIME_MONITORING→DISABLED';

// [RUNTIME_MONITORING, EKS_RUNTIME_MONITORING, any, unified, GuardDuty.7, GuardDuty.11]
const TABLE: readonly (readonly [Cell, Cell, string, string, string, string])[] = [
  ['-', '-', `remediate: ${RM_ON}`, `remediate: ${RM_ON}`, 'FAILED', 'FAILED'],
  ['-', 'off', `remediate: ${EKS_ON}`, `remediate: ${RM_ON}`, 'FAILED', 'FAILED'],
  ['-', 'on', 'compliant', `remediate: ${RM_ON} ${THEN_RETIRE}(ENABLED)`, 'PASSED', 'FAILED'],
  ['-', 'on!', `remediate: ${EKS_ON}`, `remediate: ${RM_ON} ${THEN_RETIRE}(DISABLED)`, 'FAILED', 'FAILED'],
  ['off', '-', `remediate: ${RM_ON}`, `remediate: ${RM_ON}`, 'FAILED', 'FAILED'],
  ['off', 'off', `remediate: ${RM_ON}`, `remediate: ${RM_ON}`, 'FAILED', 'FAILED'],
  ['off', 'on', 'compliant', `remediate: ${RM_ON} ${THEN_RETIRE}(ENABLED)`, 'PASSED', 'FAILED'],
  ['off', 'on!', `remediate: ${EKS_ON}`, `remediate: ${RM_ON} ${THEN_RETIRE}(DISABLED)`, 'FAILED', 'FAILED'],
  ['on', '-', 'compliant', 'compliant', 'PASSED', 'PASSED'],
  ['on', 'off', 'compliant', 'compliant', 'PASSED', 'PASSED'],
  [
    'on',
    'on',
    'cost-warning: -',
    'cost-warning: EKS_RUNTIME_MONITORING→DISABLED(ENABLED)',
    'PASSED',
    'PASSED',
  ],
  [
    'on',
    'on!',
    'cost-warning: -',
    'cost-warning: EKS_RUNTIME_MONITORING→DISABLED(DISABLED)',
    'PASSED',
    'PASSED',
  ],
  ['on!', '-', `remediate: ${RM_ON}`, `remediate: ${RM_ON}`, 'FAILED', 'PASSED'],
  ['on!', 'off', `remediate: ${RM_ON}`, `remediate: ${RM_ON}`, 'FAILED', 'PASSED'],
  ['on!', 'on', 'cost-warning: -', `remediate: ${RM_ON} ${THEN_RETIRE}(ENABLED)`, 'PASSED', 'PASSED'],
  ['on!', 'on!', `remediate: ${RM_ON}`, `remediate: ${RM_ON} ${THEN_RETIRE}(DISABLED)`, 'FAILED', 'PASSED'],
];

describe('Decision table: RUNTIME_TARGET × the two generations (remediate mode, agent management required)', () => {
  it.each(TABLE)(
    'RUNTIME_MONITORING %s, EKS_RUNTIME_MONITORING %s → any: %s; unified: %s',
    (rm, eks, any, unified) => {
      const state = detector(rm, eks);
      expect(summary(decideFor(state, 'any'))).toBe(any);
      expect(summary(decideFor(state, 'unified'))).toBe(unified);
    },
  );

  it.each(TABLE)(
    'RUNTIME_MONITORING %s, EKS_RUNTIME_MONITORING %s → Security Hub GuardDuty.7 %s, GuardDuty.11 %s',
    (rm, eks, _any, _unified, seven, eleven) => {
      const state = detector(rm, eks);
      const expected = { 'GuardDuty.7': seven, 'GuardDuty.11': eleven };
      expect(controlVerdicts(state)).toEqual(expected);
      // The controls are Security Hub's, not the responder's: neither the target nor the strictness changes them.
      expect(evaluate(state, false, 'unified').controls).toEqual(expected);
      expect(evaluate(state, true, 'any').controls).toEqual(expected);
    },
  );

  it('fails both controls on a suspended detector whatever its features say', () => {
    expect(controlVerdicts(detector('on', 'on', 'DISABLED'))).toEqual({
      'GuardDuty.7': 'FAILED',
      'GuardDuty.11': 'FAILED',
    });
  });

  it('plans the legacy disable only under `unified`, only for an enabled legacy feature, and as a second request', () => {
    for (const [rm, eks] of TABLE) {
      for (const target of ['any', 'unified'] as const) {
        const decision = decideFor(detector(rm, eks), target);
        const plan =
          decision.outcome === 'remediate'
            ? decision.plan
            : decision.outcome === 'cost-warning'
              ? decision.retire && { ...decision.retire, feature: undefined, retire: decision.retire }
              : undefined;
        const retire = plan?.retire;
        if (target === 'any' || !eks.startsWith('on')) {
          expect(retire, `${rm}/${eks} under ${target}`).toBeUndefined();
          continue;
        }
        expect(retire, `${rm}/${eks} under ${target}`).toMatchObject({
          resumeDetector: false,
          feature: { name: 'EKS_RUNTIME_MONITORING', status: 'DISABLED' },
        });
        expect(retire?.retire).toBeUndefined();
        // The first request names RUNTIME_MONITORING or nothing: never the legacy feature next to it.
        expect(plan?.feature?.name ?? 'RUNTIME_MONITORING').toBe('RUNTIME_MONITORING');
      }
    }
  });
});

describe('Function: evaluate under RUNTIME_TARGET=unified', () => {
  it('calls a legacy-only detector a migration: protected by either generation, not compliant, failing GuardDuty.11', () => {
    const evaluation = evaluate(detector('-', 'on'), true, 'unified');
    expect(evaluation).toMatchObject({
      compliant: false,
      protectedByEither: true,
      generationInUse: 'EKS_RUNTIME_MONITORING',
      target: 'unified',
      controls: { 'GuardDuty.7': 'PASSED', 'GuardDuty.11': 'FAILED' },
    });
    expect(evaluation.problems).toEqual([
      'RUNTIME_TARGET=unified: only EKS_RUNTIME_MONITORING is enabled, and RUNTIME_MONITORING is not listed (fails Security Hub GuardDuty.11)',
    ]);
  });

  it('names the unified feature, not the legacy one that protects, when RUNTIME_MONITORING lacks agent management', () => {
    expect(evaluate(detector('on!', 'on'), true, 'unified').problems).toEqual([
      'RUNTIME_MONITORING is enabled but EKS_ADDON_MANAGEMENT is DISABLED',
    ]);
  });

  it('reports both generations enabled, whatever the target', () => {
    expect(evaluate(detector('on', 'on'), true, 'any')).toMatchObject({ compliant: true, bothEnabled: true });
    expect(evaluate(detector('on', 'off'), true, 'any').bothEnabled).toBe(false);
  });
});

describe('Function: decide, the cost warning', () => {
  it('only reports both generations in notify mode, under either target', () => {
    expect(summary(decideFor(detector('on', 'on'), 'unified', { mode: 'notify' }))).toBe('cost-warning: -');
    expect(summary(decideFor(detector('on', 'on'), 'any', { mode: 'notify' }))).toBe('cost-warning: -');
  });

  it('leaves the legacy generation of an exempt detector alone', () => {
    const exempt = detector('on', 'on', 'ENABLED', {
      'drift-responder:exempt-until': '2026-12-01',
      'drift-responder:exempt-reason': 'CHG-1',
    });
    expect(summary(decideFor(exempt, 'unified'))).toBe('cost-warning: -');
  });

  it('keeps a legacy-only migration a would-remediate in notify mode, with both steps planned', () => {
    expect(summary(decideFor(detector('-', 'on'), 'unified', { mode: 'notify' }))).toBe(
      `would-remediate: ${RM_ON} ${THEN_RETIRE}(ENABLED)`,
    );
  });
});

describe('Function: planRemediation under RUNTIME_TARGET=unified', () => {
  it('keeps the other agents of RUNTIME_MONITORING and the legacy configuration as they are', () => {
    const state = detector('on!', 'on');
    const plan = planRemediation(state, evaluate(state, true, 'unified'), undefined, true);
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
        ],
      },
      retire: {
        detectorId: 'd-1',
        resumeDetector: false,
        generation: 'EKS_RUNTIME_MONITORING',
        // The legacy feature's add-on management goes back as it is: the add-on is the one RUNTIME_MONITORING manages.
        feature: {
          name: 'EKS_RUNTIME_MONITORING',
          status: 'DISABLED',
          additionalConfiguration: [{ name: 'EKS_ADDON_MANAGEMENT', status: 'ENABLED' }],
        },
      },
    });
  });

  it("carries a team's own agent (add-on management off) over from the legacy feature when agent management is not required", () => {
    const state = detector('-', 'on!');
    const decision = decideFor(state, 'unified', { requireAgentManagement: false });
    expect(summary(decision)).toBe(
      `remediate: RUNTIME_MONITORING→ENABLED(DISABLED) ${THEN_RETIRE}(DISABLED)`,
    );
    // Under `any` the same detector is compliant: the team runs the agent itself.
    expect(summary(decideFor(state, 'any', { requireAgentManagement: false }))).toBe('compliant');
  });

  it('resumes a suspended detector whose RUNTIME_MONITORING protects, and still retires the legacy one after', () => {
    expect(summary(decideFor(detector('on', 'on', 'DISABLED'), 'unified'))).toBe(
      'remediate: resume then EKS_RUNTIME_MONITORING→DISABLED(ENABLED)',
    );
    expect(summary(decideFor(detector('-', 'on', 'DISABLED'), 'any'))).toBe('remediate: resume');
  });

  it('ignores a preferred legacy generation: the target decides', () => {
    const state = detector('-', 'off');
    const plan = planRemediation(
      state,
      evaluate(state, true, 'unified'),
      undefined,
      true,
      'EKS_RUNTIME_MONITORING',
    );
    expect(plan.generation).toBe('RUNTIME_MONITORING');
  });
});

describe('Function: isOwnChange, the second step', () => {
  const self: ResponderIdentity = {
    region: 'us-east-1',
    accountId: '123456789012',
    functionName: 'guardduty-drift-responder',
    roleArn: 'arn:aws:iam::123456789012:role/GuardDutyDriftResponderRole',
  };
  function ownRequest(features: { name: string; status: string }[]): ApiCallInput {
    return {
      kind: 'api-call',
      eventId: 'e-1',
      eventTime: NOW.toISOString(),
      eventName: 'UpdateDetector',
      accountId: self.accountId ?? '',
      region: self.region,
      detectorId: 'd-1',
      actor: {
        principalArn:
          'arn:aws:sts::123456789012:assumed-role/GuardDutyDriftResponderRole/guardduty-drift-responder',
        sessionIssuerArn: self.roleArn,
        userAgent: 'aws-sdk-js/3 guardduty-drift-responder/0.1.0',
      },
      errorCode: undefined,
      errorMessage: undefined,
      change: describeChange('UpdateDetector', { features }),
    };
  }
  const retire = [
    {
      name: 'EKS_RUNTIME_MONITORING',
      status: 'DISABLED',
      additionalConfiguration: [{ name: 'EKS_ADDON_MANAGEMENT', status: 'ENABLED' }],
    },
  ];

  it('recognises its own legacy disable under `unified` only', () => {
    expect(isOwnChange(ownRequest(retire), self, true, 'ALL', 'unified')).toBe(true);
    expect(isOwnChange(ownRequest(retire), self, true, 'ALL', 'any')).toBe(false);
  });

  it('never takes a disable of RUNTIME_MONITORING for its own, whatever the target', () => {
    const disable = [{ name: 'RUNTIME_MONITORING', status: 'DISABLED' }];
    expect(isOwnChange(ownRequest(disable), self, true, 'ALL', 'unified')).toBe(false);
  });
});

describe('Function: disableLegacyCommand', () => {
  it('prints the real AWS CLI call, shell-quoted, with the legacy configuration unchanged', () => {
    expect(
      disableLegacyCommand('d-1', 'eu-west-1', [{ name: 'EKS_ADDON_MANAGEMENT', status: 'ENABLED' }]),
    ).toBe(
      `aws guardduty update-detector --detector-id d-1 --features '[{"Name":"EKS_RUNTIME_MONITORING","Status":"DISABLED","AdditionalConfiguration":[{"Name":"EKS_ADDON_MANAGEMENT","Status":"ENABLED"}]}]' --region eu-west-1`,
    );
  });
});
