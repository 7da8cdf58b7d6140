import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadAppConfig } from '../../infra/config.js';
import { addResponderStacks } from '../../infra/stack.js';
import { FULL_CONTEXT, synthStacks } from './synth.js';

process.env.CDK_VALIDATION = 'false';

/** Unacknowledged findings of both packs, as "RuleId path" lines (readable when the assertion fails). */
function findings(scope: IConstruct): string[] {
  return [new AwsSolutionsChecks(), new ServerlessChecks()].flatMap((pack) =>
    pack
      .validateScope(scope)
      .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.constructPath}`)),
  );
}

describe('cdk-nag AwsSolutions and Serverless packs', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it.each([
    ['the full configuration (e-mails, Slack, trail), first Region', FULL_CONTEXT, 0],
    ['the full configuration, second Region (no trail)', FULL_CONTEXT, 1],
    ['the defaults', {}, 0],
    ['organization scope with the full configuration', { ...FULL_CONTEXT, scope: 'organization' }, 0],
    [
      'the full configuration with the account alias lookup',
      { ...FULL_CONTEXT, lookupAccountAlias: true },
      0,
    ],
    ['the full configuration with Security Hub findings', { ...FULL_CONTEXT, securityHub: true }, 0],
    [
      'organization scope with Security Hub findings',
      { ...FULL_CONTEXT, scope: 'organization', securityHub: true },
      0,
    ],
  ])('find nothing unacknowledged in %s', (_name, context, index) => {
    const stack = synthStacks({ ...context })[index];
    expect(stack).toBeDefined();
    expect(findings(stack as IConstruct)).toEqual([]);
  });

  it.each([
    ['account', {}],
    ['organization', { scope: 'organization' }],
  ])(
    'need every acknowledgement in %s scope: without them, exactly the acknowledged findings come back',
    (_scope, extra) => {
      // Prepare: record the acknowledgements instead of applying them.
      const acknowledged: string[] = [];
      vi.spyOn(Validations.prototype, 'acknowledge').mockImplementation(({ id }) => {
        acknowledged.push(id);
      });

      // Act
      const [stack] = synthStacks({ ...FULL_CONTEXT, ...extra });
      const found = findings(stack as IConstruct).map((line) => line.split(' ')[0]);

      // Assess: the CDK itself acknowledges a CloudFormation-Validate warning of its own; only ours count here.
      const ours = acknowledged.filter(
        (id) => id.startsWith('AwsSolutions-') || id.startsWith('Serverless-'),
      );
      expect([...new Set(found)].sort()).toEqual([...new Set(ours)].sort());
    },
  );
});

describe('Synthesis with the CloudFormation template validation on', () => {
  it('passes for the full configuration, with the cdk-nag packs registered as in infra/app.ts', () => {
    // Prepare
    const previous = process.env.CDK_VALIDATION;
    delete process.env.CDK_VALIDATION;
    try {
      // One Region keeps it to one stack (~1.8 s of validation per stack); it still has every optional part.
      const app = new App({
        context: { 'aws:cdk:bundling-stacks': [], ...FULL_CONTEXT, regions: ['eu-west-1'] },
      });
      addResponderStacks(app, loadAppConfig(app.node.getAllContext()), undefined);
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
      const exitCode = process.exitCode;

      // Act
      const assembly = app.synth();

      // Assess
      expect(assembly.stacks.map((s) => s.stackName)).toEqual(['GuardDutyDriftResponder-eu-west-1']);
      // A failed validation report sets the exit code instead of throwing.
      expect(process.exitCode).toBe(exitCode);
    } finally {
      process.env.CDK_VALIDATION = previous;
    }
  });
});
