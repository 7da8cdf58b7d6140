import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { GuardDutyDriftResponder } from '../../infra/drift-responder.js';
import { FULL_CONTEXT, onlyResource, synthFirst, synthStacks } from './synth.js';

// The bundled CloudFormation validator costs ~1.8 s per synth; nag.test.ts keeps one synth with it on.
process.env.CDK_VALIDATION = 'false';

const functionArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('^ResponderFunction'), 'Arn'] };
const dlqArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('^ResponderDeadLetterQueue'), 'Arn'] };
// The same, for vitest's own matchers (toMatchObject does not understand Match.*).
const dlqArnValue = { 'Fn::GetAtt': [expect.stringMatching(/^ResponderDeadLetterQueue/), 'Arn'] };

type Statement = { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

function actionsOf(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

/** Every IAM statement attached to the function's role, from every policy in the template. */
function functionRoleStatements(template: Template): Statement[] {
  const role = onlyRoleAssumedBy(template, 'lambda.amazonaws.com');
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
    JSON.stringify(policy.Properties.Roles).includes(role),
  );
  expect(template.findResources('AWS::IAM::Role')[role]?.Properties.ManagedPolicyArns).toBeUndefined();
  expect(template.findResources('AWS::IAM::Role')[role]?.Properties.Policies).toBeUndefined();
  return policies.flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
}

function onlyRoleAssumedBy(template: Template, service: string): string {
  const roles = Object.entries(template.findResources('AWS::IAM::Role')).filter(([, role]) =>
    JSON.stringify(role.Properties.AssumeRolePolicyDocument).includes(service),
  );
  expect(roles).toHaveLength(1);
  return (roles[0] as [string, unknown])[0];
}

describe('Construct: GuardDutyDriftResponder (full configuration)', () => {
  let template: Template;
  let statements: Statement[];

  beforeAll(() => {
    template = synthFirst({ ...FULL_CONTEXT }).template;
    statements = functionRoleStatements(template);
  });

  describe('the CloudTrail rule', () => {
    it('matches exactly the supported GuardDuty calls, with no errorCode filter', () => {
      const rule = Object.values(template.findResources('AWS::Events::Rule')).find(
        (r) => r.Properties.EventPattern !== undefined,
      );
      expect(rule?.Properties.EventPattern).toStrictEqual({
        source: ['aws.guardduty'],
        'detail-type': ['AWS API Call via CloudTrail'],
        detail: {
          eventSource: ['guardduty.amazonaws.com'],
          eventName: [
            'UpdateDetector',
            'CreateDetector',
            'DeleteDetector',
            'UpdateMemberDetectors',
            'UpdateOrganizationConfiguration',
          ],
        },
      });
    });

    it('targets the function with retries, a maximum event age and the dead-letter queue', () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: Match.anyValue(),
        Targets: [
          {
            Arn: functionArn,
            Id: Match.anyValue(),
            DeadLetterConfig: { Arn: dlqArn },
            RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
          },
        ],
      });
    });
  });

  describe('the sweep', () => {
    it('runs on the configured interval, targeting the function with the dead-letter queue', () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(20 minutes)',
        Targets: [
          {
            Arn: functionArn,
            Id: Match.anyValue(),
            DeadLetterConfig: { Arn: dlqArn },
            RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
          },
        ],
      });
    });

    it('sends the plain Scheduled Event (no Input override), which is what the handler recognises', () => {
      const sweep = Object.values(template.findResources('AWS::Events::Rule')).find(
        (r) => r.Properties.ScheduleExpression !== undefined,
      );
      const [target] = sweep?.Properties.Targets ?? [];
      expect(target).toBeDefined();
      expect(target.Input).toBeUndefined();
      expect(target.InputTransformer).toBeUndefined();
      expect(target.InputPath).toBeUndefined();
    });
  });

  describe('the function', () => {
    it('runs Node.js 24 on arm64 with explicit memory, timeout and a log group with retention', () => {
      const fn = onlyResource(template, 'AWS::Lambda::Function');
      expect(fn.properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        MemorySize: 256,
        Timeout: 60,
        Handler: 'index.handler',
        LoggingConfig: { LogGroup: { Ref: expect.stringMatching(/^ResponderFunctionLogs/) } },
      });
      template.hasResource('AWS::Logs::LogGroup', {
        Properties: { RetentionInDays: 365 },
        DeletionPolicy: 'Retain',
      });
    });

    it('gets the contract environment from the configuration', () => {
      const fn = onlyResource(template, 'AWS::Lambda::Function');
      expect((fn.properties.Environment as { Variables: unknown }).Variables).toStrictEqual({
        RESPONDER_MODE: 'notify',
        NOTIFICATION_TOPIC_ARN: { Ref: onlyResource(template, 'AWS::SNS::Topic').id },
        METRIC_NAMESPACE: 'GuardDutyDriftResponder',
        REQUIRE_AGENT_MANAGEMENT: 'false',
        MAX_REMEDIATIONS_PER_HOUR: '5',
        RESPONDER_SCOPE: 'account',
        STATE_TABLE_NAME: { Ref: onlyResource(template, 'AWS::DynamoDB::Table').id },
        RESPONDER_ROLE_ARN: { 'Fn::GetAtt': [onlyRoleAssumedBy(template, 'lambda.amazonaws.com'), 'Arn'] },
        LOG_LEVEL: 'INFO',
      });
    });

    it('retries failed async invocations twice, then parks them in the dead-letter queue', () => {
      const config = onlyResource(template, 'AWS::Lambda::EventInvokeConfig');
      expect(config.properties).toMatchObject({
        MaximumRetryAttempts: 2,
        MaximumEventAgeInSeconds: 3600,
        DestinationConfig: { OnFailure: { Destination: dlqArnValue } },
      });
      // Lambda checks the role may write to the destination when the config is created.
      const policy = onlyResource(template, 'AWS::IAM::Policy').id;
      expect(template.toJSON().Resources[config.id].DependsOn).toContain(policy);
    });

    it('has no reserved concurrency unless asked (new accounts cannot reserve any)', () => {
      const fn = onlyResource(template, 'AWS::Lambda::Function');
      expect(fn.properties.ReservedConcurrentExecutions).toBeUndefined();
    });
  });

  describe('the function role (least privilege)', () => {
    it('allows exactly the calls the handler makes, plus its own logs and dead letters', () => {
      expect(statements.flatMap(actionsOf).sort()).toEqual(
        [
          'cloudwatch:PutMetricData',
          'dynamodb:BatchWriteItem',
          'dynamodb:PutItem',
          'dynamodb:Query',
          'dynamodb:UpdateItem',
          'guardduty:GetDetector',
          'guardduty:ListDetectors',
          'guardduty:UpdateDetector',
          'kms:Decrypt',
          'kms:GenerateDataKey*',
          'logs:CreateLogStream',
          'logs:PutLogEvents',
          'sns:Publish',
          'sqs:SendMessage',
        ].sort(),
      );
      expect(statements.every((s) => (s as { Effect?: string }).Effect === 'Allow')).toBe(true);
    });

    it('limits GuardDuty reads and updates to detectors of this account and Region', () => {
      const detectorStatements = statements.filter((s) =>
        actionsOf(s).some((a) => a === 'guardduty:GetDetector' || a === 'guardduty:UpdateDetector'),
      );
      expect(detectorStatements).toHaveLength(1);
      expect(detectorStatements[0]?.Resource).toStrictEqual({
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
      });
    });

    it('grants "*" only where the action has no resource type, and then only with a condition or for listing', () => {
      const wildcard = statements.filter((s) => s.Resource === '*');
      expect(wildcard.flatMap(actionsOf).sort()).toEqual([
        'cloudwatch:PutMetricData',
        'guardduty:ListDetectors',
      ]);
      expect(
        wildcard.find((s) => actionsOf(s).includes('cloudwatch:PutMetricData'))?.Condition,
      ).toStrictEqual({
        StringEquals: { 'cloudwatch:namespace': 'GuardDutyDriftResponder' },
      });
    });

    it("scopes SNS, KMS, DynamoDB, logs and SQS to the stack's own resources", () => {
      const resourceOf = (action: string) => statements.find((s) => actionsOf(s).includes(action))?.Resource;
      expect(resourceOf('sns:Publish')).toStrictEqual({ Ref: onlyResource(template, 'AWS::SNS::Topic').id });
      const topicKey = Object.keys(template.findResources('AWS::KMS::Key')).find((id) =>
        id.startsWith('ResponderTopicKey'),
      );
      expect(resourceOf('kms:GenerateDataKey*')).toStrictEqual({ 'Fn::GetAtt': [topicKey, 'Arn'] });
      expect(resourceOf('kms:Decrypt')).toStrictEqual({ 'Fn::GetAtt': [topicKey, 'Arn'] });
      const table = onlyResource(template, 'AWS::DynamoDB::Table').id;
      for (const action of [
        'dynamodb:UpdateItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:BatchWriteItem',
      ]) {
        expect(resourceOf(action)).toStrictEqual({ 'Fn::GetAtt': [table, 'Arn'] });
      }
      expect(resourceOf('logs:PutLogEvents')).toStrictEqual({
        'Fn::GetAtt': [Object.keys(template.findResources('AWS::Logs::LogGroup'))[0], 'Arn'],
      });
      expect(resourceOf('sqs:SendMessage')).toStrictEqual({
        'Fn::GetAtt': [onlyResource(template, 'AWS::SQS::Queue').id, 'Arn'],
      });
    });
  });

  describe('the state table', () => {
    it('follows the contract key schema and TTL, on demand, with point-in-time recovery and encryption', () => {
      template.hasResource('AWS::DynamoDB::Table', {
        Properties: {
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          AttributeDefinitions: Match.arrayWith([
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'S' },
          ]),
          TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
          BillingMode: 'PAY_PER_REQUEST',
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          // SSEEnabled without a key: the AWS managed key aws/dynamodb (KMS), no key policy to maintain.
          SSESpecification: { SSEEnabled: true },
        },
        DeletionPolicy: 'Delete',
      });
    });
  });

  describe('the alert topic', () => {
    it('is encrypted with a rotated customer-managed key', () => {
      const key = Object.entries(template.findResources('AWS::KMS::Key')).find(([id]) =>
        id.startsWith('ResponderTopicKey'),
      );
      expect(key?.[1].Properties.EnableKeyRotation).toBe(true);
      template.hasResourceProperties('AWS::SNS::Topic', {
        KmsMasterKeyId: { 'Fn::GetAtt': [key?.[0], 'Arn'] },
      });
    });

    it('lets CloudWatch alarms of this account and Region use the key and publish, and nothing else', () => {
      const alarmConditions = {
        StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
        ArnLike: {
          'aws:SourceArn': {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':cloudwatch:',
                { Ref: 'AWS::Region' },
                ':',
                { Ref: 'AWS::AccountId' },
                ':alarm:*',
              ],
            ],
          },
        },
      };
      template.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
              Condition: alarmConditions,
            }),
          ]),
        },
      });
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: 'sns:Publish',
              Condition: alarmConditions,
            }),
          ]),
        },
      });
    });

    it('denies publishing without TLS', () => {
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 'sns:Publish',
              Principal: '*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    });

    it('subscribes each configured address, keeping failed deliveries in the dead-letter queue', () => {
      const subscriptions = Object.values(template.findResources('AWS::SNS::Subscription'));
      expect(subscriptions.map((s) => s.Properties.Endpoint).sort()).toEqual([
        'oncall@example.com',
        'secops@example.com',
      ]);
      for (const subscription of subscriptions) {
        expect(subscription.Properties).toMatchObject({
          Protocol: 'email',
          RedrivePolicy: { deadLetterTargetArn: dlqArnValue },
        });
      }
    });

    it('is bound to the Slack channel, whose role has no permission and a read-only guardrail', () => {
      template.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
        ConfigurationName: 'guardduty-drift-responder-eu-west-1',
        SlackWorkspaceId: 'T012AB3CD',
        SlackChannelId: 'C012AB3CD',
        SnsTopicArns: [{ Ref: onlyResource(template, 'AWS::SNS::Topic').id }],
        GuardrailPolicies: [
          { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/ReadOnlyAccess']] },
        ],
      });
      const chatbotRole = onlyRoleAssumedBy(template, 'chatbot.amazonaws.com');
      expect(
        template.findResources('AWS::IAM::Role')[chatbotRole]?.Properties.ManagedPolicyArns,
      ).toBeUndefined();
      expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).not.toContain(chatbotRole);
    });
  });

  describe('the dead-letter queue', () => {
    it('is encrypted, keeps messages 14 days and denies access without TLS', () => {
      template.hasResourceProperties('AWS::SQS::Queue', {
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 1_209_600,
      });
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 'sqs:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    });

    it('accepts messages from both rules and the topic only, each by its source ARN', () => {
      const queuePolicy = onlyResource(template, 'AWS::SQS::QueuePolicy');
      const allows = (
        queuePolicy.properties.PolicyDocument as { Statement: Record<string, unknown>[] }
      ).Statement.filter((s) => s.Effect === 'Allow');
      expect(allows.map((s) => [s.Principal, s.Action])).toEqual([
        [{ Service: 'sns.amazonaws.com' }, 'sqs:SendMessage'],
        [{ Service: 'events.amazonaws.com' }, 'sqs:SendMessage'],
        [{ Service: 'events.amazonaws.com' }, 'sqs:SendMessage'],
      ]);
      for (const allow of allows) {
        expect(allow.Condition).toMatchObject({ ArnEquals: { 'aws:SourceArn': expect.anything() } });
      }
    });
  });

  describe('the alarms', () => {
    const toTopic = () => [{ Ref: onlyResource(template, 'AWS::SNS::Topic').id }];

    it('alarm on a compliance evaluation below 1, keeping the state while no evaluation arrives', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'GuardDutyDriftResponder',
        MetricName: 'EksRuntimeMonitoringCompliant',
        Dimensions: [{ Name: 'Region', Value: 'eu-west-1' }],
        Statistic: 'Minimum',
        Period: 60,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'ignore',
        AlarmActions: toTopic(),
        OKActions: toTopic(),
      });
    });

    it('alarm when no compliance datapoint arrives for two sweep intervals (missing data breaches)', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'GuardDutyDriftResponder',
        MetricName: 'EksRuntimeMonitoringCompliant',
        Dimensions: [{ Name: 'Region', Value: 'eu-west-1' }],
        Statistic: 'SampleCount',
        Period: 20 * 60,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        EvaluationPeriods: 2,
        DatapointsToAlarm: 2,
        TreatMissingData: 'breaching',
        AlarmActions: toTopic(),
      });
    });

    it('alarm on any function error', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [
          { Name: 'FunctionName', Value: { Ref: onlyResource(template, 'AWS::Lambda::Function').id } },
        ],
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: toTopic(),
      });
    });

    it('alarm as soon as one message waits in the dead-letter queue', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [
          {
            Name: 'QueueName',
            Value: { 'Fn::GetAtt': [onlyResource(template, 'AWS::SQS::Queue').id, 'QueueName'] },
          },
        ],
        Statistic: 'Maximum',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: toTopic(),
      });
    });

    it('are exactly these four', () => {
      template.resourceCountIs('AWS::CloudWatch::Alarm', 4);
    });
  });

  describe('the dashboard', () => {
    it('shows compliance of every configured Region, drift counts, function errors and duration', () => {
      const dashboard = onlyResource(template, 'AWS::CloudWatch::Dashboard');
      expect(dashboard.properties.DashboardName).toBe('GuardDutyDriftResponder-eu-west-1');
      const body = JSON.stringify(dashboard.properties.DashboardBody);
      for (const expected of [
        '\\"EksRuntimeMonitoringCompliant\\",\\"Region\\",\\"eu-west-1\\"',
        '\\"EksRuntimeMonitoringCompliant\\",\\"Region\\",\\"us-east-1\\"',
        '\\"region\\":\\"us-east-1\\"',
        'DriftDetected',
        'RemediationSucceeded',
        'RemediationFailed',
        'DisableDenied',
        '\\"AWS/Lambda\\",\\"Errors\\"',
        '\\"AWS/Lambda\\",\\"Duration\\"',
      ]) {
        expect(body).toContain(expected);
      }
    });
  });

  describe('the trail', () => {
    it("is multi-Region, validated and KMS-encrypted, in the first Region's stack only", () => {
      template.hasResourceProperties('AWS::CloudTrail::Trail', {
        IsMultiRegionTrail: true,
        IncludeGlobalServiceEvents: true,
        EnableLogFileValidation: true,
        IsLogging: true,
        KMSKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TrailKey'), 'Arn'] },
      });
      const [, second] = synthStacks({ ...FULL_CONTEXT });
      expect(second).toBeDefined();
      Template.fromStack(second as Stack).resourceCountIs('AWS::CloudTrail::Trail', 0);
    });

    it('writes to a private, TLS-only bucket that logs its access and survives the stack', () => {
      const buckets = template.findResources('AWS::S3::Bucket', {
        Properties: { LoggingConfiguration: Match.anyValue() },
      });
      const entries = Object.values(buckets);
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({
        DeletionPolicy: 'Retain',
        Properties: {
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            BlockPublicPolicy: true,
            IgnorePublicAcls: true,
            RestrictPublicBuckets: true,
          },
          BucketEncryption: expect.anything(),
        },
      });
    });
  });
});

describe('Construct: GuardDutyDriftResponder (defaults)', () => {
  let template: Template;

  beforeAll(() => {
    template = synthFirst().template;
  });

  it('synthesizes one environment-agnostic stack when no Region is configured', () => {
    const stacks = synthStacks();
    expect(stacks.map((s) => s.stackName)).toEqual(['GuardDutyDriftResponder']);
    expect(stacks[0]?.environment).toBe('aws://unknown-account/unknown-region');
  });

  it('remediates, requires agent management and allows three remediations an hour', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          RESPONDER_MODE: 'remediate',
          REQUIRE_AGENT_MANAGEMENT: 'true',
          MAX_REMEDIATIONS_PER_HOUR: '3',
        }),
      },
    });
  });

  it('sweeps every 30 minutes and uses the stack Region as the metric dimension', () => {
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(30 minutes)' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Statistic: 'SampleCount',
      Period: 1800,
      Dimensions: [{ Name: 'Region', Value: { Ref: 'AWS::Region' } }],
    });
  });

  it('creates no subscription, Slack channel or trail', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    template.resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 0);
    template.resourceCountIs('AWS::CloudTrail::Trail', 0);
    template.resourceCountIs('AWS::S3::Bucket', 0);
  });

  it('names one stack per configured Region, each deployed to its Region', () => {
    const stacks = synthStacks({ regions: 'eu-west-1,ap-southeast-2' });
    expect(stacks.map((s) => [s.stackName, s.region])).toEqual([
      ['GuardDutyDriftResponder-eu-west-1', 'eu-west-1'],
      ['GuardDutyDriftResponder-ap-southeast-2', 'ap-southeast-2'],
    ]);
  });
});

const ACCOUNT_SCOPE_ACTIONS = [
  'cloudwatch:PutMetricData',
  'dynamodb:BatchWriteItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:UpdateItem',
  'guardduty:GetDetector',
  'guardduty:ListDetectors',
  'guardduty:UpdateDetector',
  'kms:Decrypt',
  'kms:GenerateDataKey*',
  'logs:CreateLogStream',
  'logs:PutLogEvents',
  'sns:Publish',
  'sqs:SendMessage',
];

const ORGANIZATION_ACTIONS = [
  'guardduty:DescribeOrganizationConfiguration',
  'guardduty:GetMemberDetectors',
  'guardduty:ListMembers',
  'guardduty:UpdateMemberDetectors',
  'guardduty:UpdateOrganizationConfiguration',
];

const ORGANIZATION_METRICS = [
  'OrganizationAccountsEvaluated',
  'OrganizationAccountsNonCompliant',
  'OrganizationAccountsRemediated',
  'OrganizationAccountsRemediationFailed',
  'OrganizationAutoEnableCompliant',
];

const thisAccountsDetectors = {
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

describe('Construct: GuardDutyDriftResponder (organization scope)', () => {
  let template: Template;
  let statements: Statement[];

  beforeAll(() => {
    template = synthFirst({ ...FULL_CONTEXT, scope: 'organization' }).template;
    statements = functionRoleStatements(template);
  });

  it('tells the function its scope and the default auto-enable target', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          RESPONDER_SCOPE: 'organization',
          ORGANIZATION_AUTO_ENABLE_TARGET: 'ALL',
        }),
      },
    });
  });

  it('gets the contract environment from the configuration, with its own role to recognise its own changes', () => {
    const fn = onlyResource(template, 'AWS::Lambda::Function');
    expect((fn.properties.Environment as { Variables: unknown }).Variables).toStrictEqual({
      RESPONDER_MODE: 'notify',
      NOTIFICATION_TOPIC_ARN: { Ref: onlyResource(template, 'AWS::SNS::Topic').id },
      METRIC_NAMESPACE: 'GuardDutyDriftResponder',
      REQUIRE_AGENT_MANAGEMENT: 'false',
      MAX_REMEDIATIONS_PER_HOUR: '5',
      RESPONDER_SCOPE: 'organization',
      ORGANIZATION_AUTO_ENABLE_TARGET: 'ALL',
      STATE_TABLE_NAME: { Ref: onlyResource(template, 'AWS::DynamoDB::Table').id },
      RESPONDER_ROLE_ARN: { 'Fn::GetAtt': [onlyRoleAssumedBy(template, 'lambda.amazonaws.com'), 'Arn'] },
      LOG_LEVEL: 'INFO',
    });
  });

  it('gives an organization sweep five minutes (200 ListMembers pages come one after another)', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 300 });
  });

  it('passes the configured auto-enable target', () => {
    synthFirst({ scope: 'organization', organizationAutoEnableTarget: 'NEW' }).template.hasResourceProperties(
      'AWS::Lambda::Function',
      { Environment: { Variables: Match.objectLike({ ORGANIZATION_AUTO_ENABLE_TARGET: 'NEW' }) } },
    );
  });

  it('allows exactly the account-scope calls plus the five member and organization configuration calls', () => {
    expect(statements.flatMap(actionsOf).sort()).toEqual(
      [...ACCOUNT_SCOPE_ACTIONS, ...ORGANIZATION_ACTIONS].sort(),
    );
    expect(statements.every((s) => (s as { Effect?: string }).Effect === 'Allow')).toBe(true);
  });

  it("grants them in one statement, on this account's and Region's detectors only, without conditions", () => {
    const organization = statements.filter((s) => actionsOf(s).some((a) => ORGANIZATION_ACTIONS.includes(a)));
    expect(organization).toHaveLength(1);
    const [statement] = organization as [Statement];
    expect(statement.Sid).toBe('ManageMemberDetectorsAsDelegatedAdministrator');
    expect(actionsOf(statement).sort()).toEqual([...ORGANIZATION_ACTIONS].sort());
    expect(statement.Resource).toStrictEqual(thisAccountsDetectors);
    expect(statement.Condition).toBeUndefined();
  });

  it('keeps every account-scope statement as it is, and "*" for the two actions without a resource type only', () => {
    const accountScope = functionRoleStatements(synthFirst({ ...FULL_CONTEXT }).template);
    expect(statements.filter((s) => s.Sid !== 'ManageMemberDetectorsAsDelegatedAdministrator')).toStrictEqual(
      accountScope,
    );
    expect(
      statements
        .filter((s) => s.Resource === '*')
        .flatMap(actionsOf)
        .sort(),
    ).toEqual(['cloudwatch:PutMetricData', 'guardduty:ListDetectors']);
  });

  it('alarms when the auto-enable setting is found below the target, keeping the state while no data arrives', () => {
    const toTopic = [{ Ref: onlyResource(template, 'AWS::SNS::Topic').id }];
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'GuardDutyDriftResponder',
      MetricName: 'OrganizationAutoEnableCompliant',
      Dimensions: [{ Name: 'Region', Value: 'eu-west-1' }],
      Statistic: 'Minimum',
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'ignore',
      AlarmActions: toTopic,
      OKActions: toTopic,
    });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 5);
  });

  it('shows the organization metrics and the new alarm on the dashboard', () => {
    const body = JSON.stringify(
      onlyResource(template, 'AWS::CloudWatch::Dashboard').properties.DashboardBody,
    );
    for (const name of ORGANIZATION_METRICS) {
      expect(body).toContain(`\\"${name}\\",\\"Region\\",\\"eu-west-1\\"`);
    }
    expect(body).toContain('OrganizationAutoEnableAlarm');
  });

  it('adds nothing of this to account scope', () => {
    const accountScope = synthFirst({ ...FULL_CONTEXT }).template;
    const variables = (
      onlyResource(accountScope, 'AWS::Lambda::Function').properties.Environment as {
        Variables: Record<string, unknown>;
      }
    ).Variables;
    expect(variables.ORGANIZATION_AUTO_ENABLE_TARGET).toBeUndefined();
    const everything = JSON.stringify(accountScope.toJSON());
    for (const name of [...ORGANIZATION_ACTIONS, ...ORGANIZATION_METRICS])
      expect(everything).not.toContain(name);
  });
});

describe('Construct: GuardDutyDriftResponder (props)', () => {
  function construct(props: ConstructorParameters<typeof GuardDutyDriftResponder>[2]): Template {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'PropsStack', { env: { region: 'eu-north-1' } });
    new GuardDutyDriftResponder(stack, 'Responder', props);
    return Template.fromStack(stack);
  }

  it('applies memory, timeout, namespace and reserved concurrency props, and scopes metrics to the namespace', () => {
    const template = construct({
      memorySize: 512,
      timeout: Duration.seconds(30),
      metricNamespace: 'Security/Drift',
      reservedConcurrentExecutions: 2,
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 512,
      Timeout: 30,
      ReservedConcurrentExecutions: 2,
      Environment: { Variables: Match.objectLike({ METRIC_NAMESPACE: 'Security/Drift' }) },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'cloudwatch:PutMetricData',
            Condition: { StringEquals: { 'cloudwatch:namespace': 'Security/Drift' } },
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Security/Drift',
      Statistic: 'Minimum',
    });
  });

  it.each([
    [
      { sweepInterval: Duration.minutes(2) },
      /sweepInterval must be a whole number of minutes from 5 to 720 \(received 2 minutes\)/,
    ],
    [{ sweepInterval: Duration.hours(13) }, /received 780 minutes/],
    [{ retryAttempts: 3 }, /retryAttempts must be 0, 1 or 2 \(received 3\)/],
    [
      { organizationAutoEnableTarget: 'NEW' as const },
      /organizationAutoEnableTarget applies only with scope "organization" \(received NEW with scope account\)/,
    ],
    [
      { maxRemediationsPerHour: 0 },
      /maxRemediationsPerHour must be a whole number from 1 to 999, the range the function accepts in MAX_REMEDIATIONS_PER_HOUR \(received 0\)/,
    ],
    // The function's configuration check takes 1 to 999 only: 1000 would fail every cold start.
    [
      { maxRemediationsPerHour: 1000 },
      /maxRemediationsPerHour must be a whole number from 1 to 999,.*\(received 1000\)/,
    ],
    [
      { maxRemediationsPerHour: 2.5 },
      /maxRemediationsPerHour must be a whole number from 1 to 999,.*\(received 2.5\)/,
    ],
  ])('rejects %o', (props, message) => {
    expect(() => construct(props)).toThrow(message);
  });

  it.each([1, 999])('accepts maxRemediationsPerHour %i, the bounds the function accepts', (limit) => {
    construct({ maxRemediationsPerHour: limit }).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ MAX_REMEDIATIONS_PER_HOUR: String(limit) }) },
    });
  });
});
