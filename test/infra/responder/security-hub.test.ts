// -c securityHub=true: the function's environment and the two Security Hub statements of its role (nag.test.ts runs
// cdk-nag on the same configuration).
import { describe, expect, it } from 'vitest';
import { FULL_CONTEXT, onlyResource, synthFirst } from '../synth.js';
import { actionsOf, functionRoleStatements } from './template.js';

process.env.CDK_VALIDATION = 'false';

const pseudo = (name: string) => ({ Ref: `AWS::${name}` });

function securityHubStatements(context: Record<string, unknown>) {
  const { template } = synthFirst(context);
  const statements = functionRoleStatements(template).filter((statement) =>
    actionsOf(statement).some((action) => action.startsWith('securityhub:')),
  );
  const fn = onlyResource(template, 'AWS::Lambda::Function');
  const variables = (fn.properties.Environment as { Variables: Record<string, unknown> }).Variables;
  return { statements, variables };
}

describe('Construct: GuardDutyDriftResponder with securityHub', () => {
  it('grants exactly BatchImportFindings on its own default product and BatchUpdateFindings for RESOLVED only', () => {
    const { statements, variables } = securityHubStatements({ ...FULL_CONTEXT, securityHub: true });

    expect(variables.SECURITY_HUB).toBe('true');
    expect(statements).toEqual([
      {
        Sid: 'ImportDriftFindingsIntoOwnProduct',
        Effect: 'Allow',
        Action: 'securityhub:BatchImportFindings',
        Resource: {
          'Fn::Join': [
            '',
            [
              'arn:',
              pseudo('Partition'),
              ':securityhub:',
              pseudo('Region'),
              ':',
              pseudo('AccountId'),
              ':product/',
              pseudo('AccountId'),
              '/default',
            ],
          ],
        },
        Condition: { StringEquals: { 'securityhub:TargetAccount': pseudo('AccountId') } },
      },
      {
        Sid: 'ResolveDriftFindings',
        Effect: 'Allow',
        Action: 'securityhub:BatchUpdateFindings',
        Resource: {
          'Fn::Join': [
            '',
            [
              'arn:',
              pseudo('Partition'),
              ':securityhub:',
              pseudo('Region'),
              ':',
              pseudo('AccountId'),
              ':hub/default',
            ],
          ],
        },
        Condition: { StringEquals: { 'securityhub:ASFFSyntaxPath/Workflow.Status': 'RESOLVED' } },
      },
    ]);
  });

  it('grants no Security Hub action and sets no SECURITY_HUB by default', () => {
    const { statements, variables } = securityHubStatements({ ...FULL_CONTEXT });
    expect(statements).toEqual([]);
    expect(variables.SECURITY_HUB).toBeUndefined();
  });

  it('grants the same in organization scope (findings stay in the administrator account`s own product)', () => {
    const { statements } = securityHubStatements({
      ...FULL_CONTEXT,
      scope: 'organization',
      securityHub: true,
    });
    expect(statements.map((statement) => statement.Sid)).toEqual([
      'ImportDriftFindingsIntoOwnProduct',
      'ResolveDriftFindings',
    ]);
  });
});
