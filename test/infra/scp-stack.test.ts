import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { buildScp } from '../../handlers/core/scp.js';
import { AppConfigError, loadAppConfig } from '../../infra/config.js';
import { addScpStack, type DriftScpStack } from '../../infra/scp-stack.js';
import { addResponderStacks } from '../../infra/stack.js';
import { onlyResource } from './synth.js';

process.env.CDK_VALIDATION = 'false';

const RESPONDER = 'arn:aws:iam::123456789012:role/guardduty-drift-responder-Role-ABC';
const BREAK_GLASS =
  'arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_BreakGlass_*';

/** The app as infra/app.ts builds it (bundling skipped): the responder stacks, then the SCP stack if asked for. */
function synthApp(context: Record<string, unknown>): { app: App; scp: DriftScpStack | undefined } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  const config = loadAppConfig(app.node.getAllContext());
  addResponderStacks(app, config, undefined);
  return { app, scp: addScpStack(app, config, undefined) };
}

function scpTemplate(context: Record<string, unknown>): { stack: DriftScpStack; template: Template } {
  const { scp } = synthApp({ createScp: true, ...context });
  if (scp === undefined) throw new Error('expected the SCP stack');
  return { stack: scp, template: Template.fromStack(scp) };
}

function problemsOf(context: Record<string, unknown>): readonly string[] {
  try {
    synthApp(context);
  } catch (error) {
    if (error instanceof AppConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the synth to throw an AppConfigError');
}

describe('Stack: GuardDutyDriftScp (createScp)', () => {
  it('is not added without createScp, nor with createScp false: the app keeps exactly the responder stacks', () => {
    for (const context of [{}, { createScp: false }, { createScp: 'false' }]) {
      const { app, scp } = synthApp(context);
      expect(scp).toBeUndefined();
      expect(app.node.children.map((child) => child.node.id)).toEqual(['GuardDutyDriftResponder']);
    }
  });

  it('creates the policy of guardduty-drift scp, in us-east-1, attached to the configured targets', () => {
    // Act
    const { stack, template } = scpTemplate({
      scpResponderRoleArn: RESPONDER,
      scpBreakGlassRoleArn: BREAK_GLASS,
      scpTargetIds: 'ou-ab12-cdef3456, r-ab12,111122223333',
    });

    // Assess
    expect(stack.stackName).toBe('GuardDutyDriftScp');
    expect(stack.region).toBe('us-east-1');
    const policy = onlyResource(template, 'AWS::Organizations::Policy');
    // The logical id is part of the contract: a new one would replace (detach and re-create) the policy.
    expect(policy.id).toBe('Policy');
    expect(policy.properties).toEqual({
      Name: 'guardduty-drift-protection',
      Type: 'SERVICE_CONTROL_POLICY',
      Description: expect.any(String),
      Content: buildScp({ responderRoleArn: RESPONDER, breakGlassRoleArn: BREAK_GLASS }).policy,
      TargetIds: ['ou-ab12-cdef3456', 'r-ab12', '111122223333'],
    });
  });

  it('accepts one role alone and no targets (created, attached to nothing)', () => {
    // Act
    const { template } = scpTemplate({ scpBreakGlassRoleArn: BREAK_GLASS });

    // Assess
    const { properties } = onlyResource(template, 'AWS::Organizations::Policy');
    expect(properties.Content).toEqual(buildScp({ breakGlassRoleArn: BREAK_GLASS }).policy);
    expect(properties).not.toHaveProperty('TargetIds');
  });

  it('stops the synth when no role is exempt, saying the policy would deny the responder itself', () => {
    expect(problemsOf({ createScp: 'true' })).toEqual([
      expect.stringMatching(
        /^createScp needs scpResponderRoleArn or scpBreakGlassRoleArn .*deny the responder/,
      ),
    ]);
  });

  it('rejects a role ARN that is not an IAM role ARN', () => {
    expect(
      problemsOf({ createScp: true, scpResponderRoleArn: 'arn:aws:iam::123456789012:user/alice' }),
    ).toEqual([
      expect.stringMatching(
        /^scpResponderRoleArn must be an IAM role ARN .*received "arn:aws:iam::123456789012:user\/alice"/,
      ),
    ]);
    expect(problemsOf({ createScp: true, scpBreakGlassRoleArn: 'arn:aws:iam::123456789012:role/*' })).toEqual(
      [expect.stringMatching(/^scpBreakGlassRoleArn must be an IAM role ARN/)],
    );
  });

  it.each([['ou-ab12'], ['r-AB12'], ['12345678901'], ['p-ab12cdef'], ['r-ab12,r-ab12']])(
    'rejects the target list %s',
    (targets) => {
      const [problem] = problemsOf({
        createScp: true,
        scpResponderRoleArn: RESPONDER,
        scpTargetIds: targets,
      });
      expect(problem).toMatch(/^scpTargetIds(\[\d\])? must /);
    },
  );

  it('rejects the SCP keys without createScp true, instead of silently creating nothing', () => {
    expect(problemsOf({ scpResponderRoleArn: RESPONDER, scpTargetIds: 'r-ab12' })).toEqual([
      `scpResponderRoleArn applies only with createScp true (received "${RESPONDER}")`,
      'scpTargetIds applies only with createScp true (received "r-ab12")',
    ]);
  });

  it('has no unacknowledged cdk-nag AwsSolutions or Serverless finding', () => {
    const { stack } = scpTemplate({ scpResponderRoleArn: RESPONDER, scpTargetIds: 'r-ab12' });
    const found = [new AwsSolutionsChecks(), new ServerlessChecks()].flatMap((pack) =>
      pack
        .validateScope(stack)
        .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.constructPath}`)),
    );
    expect(found).toEqual([]);
  });
});
