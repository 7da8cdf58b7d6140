// -c securityHub=true: the function's environment and the Security Hub statements of its role (two Allow, and a Deny
// for every other field BatchUpdateFindings can set). nag.test.ts runs cdk-nag on the same configuration.
import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { LONGEST_DEPLOYMENT, resolveIntrinsics } from '../resolve.js';
import { FULL_CONTEXT, onlyResource, synthFirst, synthStacks } from '../synth.js';
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

const hub = {
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
};
/** [Sid, ASFF path]: one Deny each, so a request setting any one of them is refused. */
const DENIED_FIELDS: readonly [string, string][] = [
  ['NeverChangeConfidenceOfAFinding', 'Confidence'],
  ['NeverChangeCriticalityOfAFinding', 'Criticality'],
  ['NeverChangeRelatedFindingsOfAFinding', 'RelatedFindings'],
  ['NeverChangeSeverityLabelOfAFinding', 'Severity.Label'],
  ['NeverChangeSeverityNormalizedOfAFinding', 'Severity.Normalized'],
  ['NeverChangeSeverityProductOfAFinding', 'Severity.Product'],
  ['NeverChangeTypesOfAFinding', 'Types'],
  ['NeverChangeUserDefinedFieldskeyOfAFinding', 'UserDefinedFields.key'],
  ['NeverChangeUserDefinedFieldsvalueOfAFinding', 'UserDefinedFields.value'],
  ['NeverChangeVerificationStateOfAFinding', 'VerificationState'],
];

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
      ...DENIED_FIELDS.map(([sid, field]) => ({
        Sid: sid,
        Effect: 'Deny',
        Action: 'securityhub:BatchUpdateFindings',
        Resource: hub,
        Condition: { Null: { [`securityhub:ASFFSyntaxPath/${field}`]: 'false' } },
      })),
    ]);
  });

  it('denies every field BatchUpdateFindings can set except Workflow and the Note the resolve writes', () => {
    // The API reference's list of what customers may update: Confidence, Criticality, Note, RelatedFindings,
    // Severity (Label, Normalized, Product), Types, UserDefinedFields, VerificationState, Workflow.
    const updatable = [
      'Confidence',
      'Criticality',
      'Note.Text',
      'Note.UpdatedBy',
      'RelatedFindings',
      'Severity.Label',
      'Severity.Normalized',
      'Severity.Product',
      'Types',
      'UserDefinedFields.key',
      'UserDefinedFields.value',
      'VerificationState',
      'Workflow.Status',
    ];
    const denied = DENIED_FIELDS.map(([, field]) => field);
    expect(updatable.filter((field) => !denied.includes(field))).toEqual([
      'Note.Text',
      'Note.UpdatedBy',
      'Workflow.Status',
    ]);
    // What the adapter sends (handlers/adapters/security-hub.ts) is none of the denied fields.
    const { statements } = securityHubStatements({ ...FULL_CONTEXT, securityHub: true });
    const deniedKeys = statements
      .filter((statement) => (statement as { Effect?: string }).Effect === 'Deny')
      .flatMap((statement) => Object.keys((statement.Condition as { Null: Record<string, string> }).Null));
    expect(deniedKeys).not.toContain('securityhub:ASFFSyntaxPath/Workflow.Status');
    expect(deniedKeys.filter((key) => key.includes('Note'))).toEqual([]);
  });

  it("keeps the role's inline policy within IAM's 10,240 characters with every statement and name at its longest", () => {
    const stacks = synthStacks({
      ...FULL_CONTEXT,
      scope: 'organization',
      securityHub: true,
      lookupAccountAlias: true,
    });
    const template = Template.fromStack(stacks[0] as Stack);
    const statements = resolveIntrinsics(functionRoleStatements(template), template, LONGEST_DEPLOYMENT);
    // IAM counts the policy document without whitespace; the aggregate of a role's inline policies is limited.
    const size = JSON.stringify({ Version: '2012-10-17', Statement: statements }).length;
    expect(JSON.stringify(statements)).toContain('cloudtrail:StartLogging');
    expect(JSON.stringify(statements)).toContain('NeverChangeVerificationStateOfAFinding');
    expect(JSON.stringify(statements)).toContain('iam:ListAccountAliases');
    expect(size).toBeLessThanOrEqual(10_240);
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
      ...DENIED_FIELDS.map(([sid]) => sid),
    ]);
  });
});
