// Template helpers shared by the construct's tests: ARN matchers, the function role's statements, expected actions.
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { expect } from 'vitest';

export const functionArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('^ResponderFunction'), 'Arn'] };
export const dlqArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('^ResponderDeadLetterQueue'), 'Arn'] };
// The same, for vitest's own matchers (toMatchObject does not understand Match.*).
export const dlqArnValue = { 'Fn::GetAtt': [expect.stringMatching(/^ResponderDeadLetterQueue/), 'Arn'] };

export type Statement = { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

export function actionsOf(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

/** Every IAM statement attached to the function's role, from every policy in the template. */
export function functionRoleStatements(template: Template): Statement[] {
  const role = onlyRoleAssumedBy(template, 'lambda.amazonaws.com');
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
    JSON.stringify(policy.Properties.Roles).includes(role),
  );
  expect(template.findResources('AWS::IAM::Role')[role]?.Properties.ManagedPolicyArns).toBeUndefined();
  expect(template.findResources('AWS::IAM::Role')[role]?.Properties.Policies).toBeUndefined();
  return policies.flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
}

export function onlyRoleAssumedBy(template: Template, service: string): string {
  const roles = Object.entries(template.findResources('AWS::IAM::Role')).filter(([, role]) =>
    JSON.stringify(role.Properties.AssumeRolePolicyDocument).includes(service),
  );
  expect(roles).toHaveLength(1);
  return (roles[0] as [string, unknown])[0];
}

export const ACCOUNT_SCOPE_ACTIONS = [
  'cloudwatch:PutMetricData',
  'dynamodb:BatchWriteItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:UpdateItem',
  'guardduty:GetCoverageStatistics',
  'guardduty:GetDetector',
  'guardduty:ListCoverage',
  'guardduty:ListDetectors',
  'guardduty:UpdateDetector',
  'kms:Decrypt',
  'kms:GenerateDataKey*',
  'logs:CreateLogStream',
  'logs:PutLogEvents',
  'sns:Publish',
  'sqs:SendMessage',
];

/** The tamper repairs and the sweep's wiring check, on the responder's own rules and topic (own-resources.ts). */
export const OWN_RESOURCE_ACTIONS = [
  'events:DescribeRule',
  'events:EnableRule',
  'events:ListTargetsByRule',
  'events:PutTargets',
  'sns:ListSubscriptionsByTopic',
];

/** With the trail the app created: restarting it and reading its status, on it alone. */
export const OWN_TRAIL_ACTIONS = ['cloudtrail:GetTrailStatus', 'cloudtrail:StartLogging'];

export const ORGANIZATION_ACTIONS = [
  'guardduty:DescribeOrganizationConfiguration',
  'guardduty:GetMemberDetectors',
  'guardduty:ListMembers',
  'guardduty:UpdateMemberDetectors',
  'guardduty:UpdateOrganizationConfiguration',
  // The loss paths: read members back, restart monitoring, associate again.
  'guardduty:CreateMembers',
  'guardduty:GetMembers',
  'guardduty:StartMonitoringMembers',
];

/** No detector in its request and no resource type (Service Authorization Reference): on `*`, in its own statement. */
export const ORGANIZATION_STATISTICS_ACTIONS = ['guardduty:GetOrganizationStatistics'];

export const ORGANIZATION_METRICS = [
  'OrganizationAccountsEvaluated',
  'OrganizationAccountsNonCompliant',
  'OrganizationAccountsRemediated',
  'OrganizationAccountsRemediationFailed',
  'OrganizationAutoEnableCompliant',
  'OrganizationMembersUnexplainedDrop',
  'OrganizationStatisticsMemberAccounts',
  'OrganizationStatisticsEnabledAccounts',
  'OrganizationStatisticsRuntimeMonitoringAccounts',
  'OrganizationStatisticsEksRuntimeMonitoringAccounts',
  'OrganizationStatisticsEksAgentManagementAccounts',
];

export const thisAccountsDetectors = {
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':guardduty:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      ':detector/*',
    ],
  ],
};
