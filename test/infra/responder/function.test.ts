// infra/responder/function.ts: the function, its environment, its role and policy, its log group and state table.
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { FULL_CONTEXT, onlyResource, synthFirst } from '../synth.js';
import {
  ACCOUNT_SCOPE_ACTIONS,
  actionsOf,
  dlqArnValue,
  functionRoleStatements,
  ORGANIZATION_ACTIONS,
  ORGANIZATION_METRICS,
  ORGANIZATION_STATISTICS_ACTIONS,
  OWN_RESOURCE_ACTIONS,
  OWN_TRAIL_ACTIONS,
  onlyRoleAssumedBy,
  type Statement,
  thisAccountsDetectors,
} from './template.js';

// The bundled CloudFormation validator costs ~1.8 s per synth; nag.test.ts keeps one synth with it on.
process.env.CDK_VALIDATION = 'false';

describe('Construct: GuardDutyDriftResponder (full configuration)', () => {
  let template: Template;
  let statements: Statement[];

  beforeAll(() => {
    template = synthFirst({ ...FULL_CONTEXT }).template;
    statements = functionRoleStatements(template);
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
        MAX_EXEMPTION_DAYS: '14',
        RESPONDER_SCOPE: 'account',
        RUNTIME_TARGET: 'unified',
        STATE_TABLE_NAME: { Ref: onlyResource(template, 'AWS::DynamoDB::Table').id },
        RESPONDER_ROLE_ARN: { 'Fn::GetAtt': [onlyRoleAssumedBy(template, 'lambda.amazonaws.com'), 'Arn'] },
        LOG_LEVEL: 'INFO',
        COVERAGE_CLUSTER_METRICS: 'true',
        // Its content: test/infra/tamper-rules.test.ts.
        OWN_RESOURCES: { 'Fn::Join': ['', expect.any(Array)] },
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
          // The tamper repairs and the wiring check (the full configuration creates the trail).
          ...OWN_RESOURCE_ACTIONS,
          ...OWN_TRAIL_ACTIONS,
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

    it('reads runtime coverage (ListCoverage, GetCoverageStatistics) on the detector resource only', () => {
      const coverage = statements.filter((s) => actionsOf(s).some((a) => a.includes('Coverage')));
      expect(coverage).toHaveLength(1);
      const [statement] = coverage as [Statement];
      expect(statement.Sid).toBe('ReadRuntimeCoverageOfEksClusters');
      expect(actionsOf(statement).sort()).toEqual([
        'guardduty:GetCoverageStatistics',
        'guardduty:ListCoverage',
      ]);
      expect(statement.Resource).toStrictEqual(thisAccountsDetectors);
      expect(JSON.stringify(statements)).not.toMatch(/"eks:/);
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
        // It holds the evidence of a year of drifts: kept when the stack goes, like the log group.
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    });

    it('lets only the function write to it: a resource policy denies every other principal the writes', () => {
      // Whoever could write the table could fake the history the fight is counted on, or claims that silence pages.
      const table = onlyResource(template, 'AWS::DynamoDB::Table');
      const policy = (table.properties.ResourcePolicy as { PolicyDocument: { Statement: unknown[] } })
        .PolicyDocument;
      expect(policy.Statement).toEqual([
        {
          Sid: 'OnlyTheResponderWritesState',
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: [
            'dynamodb:BatchWriteItem',
            'dynamodb:DeleteItem',
            'dynamodb:PartiQLDelete',
            'dynamodb:PartiQLInsert',
            'dynamodb:PartiQLUpdate',
            'dynamodb:PutItem',
            'dynamodb:UpdateItem',
          ],
          Resource: '*',
          Condition: {
            ArnNotEquals: {
              'aws:PrincipalArn': {
                'Fn::GetAtt': [onlyRoleAssumedBy(template, 'lambda.amazonaws.com'), 'Arn'],
              },
            },
          },
        },
      ]);
    });
  });
});

describe('Construct: GuardDutyDriftResponder (defaults)', () => {
  let template: Template;

  beforeAll(() => {
    template = synthFirst().template;
  });

  it('remediates, requires agent management, accepts either generation and allows three remediations an hour', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          RESPONDER_MODE: 'remediate',
          REQUIRE_AGENT_MANAGEMENT: 'true',
          RUNTIME_TARGET: 'any',
          MAX_REMEDIATIONS_PER_HOUR: '3',
        }),
      },
    });
  });
});

describe('Construct: GuardDutyDriftResponder (organization scope)', () => {
  let template: Template;
  let statements: Statement[];

  beforeAll(() => {
    template = synthFirst({ ...FULL_CONTEXT, scope: 'organization' }).template;
    statements = functionRoleStatements(template);
  });

  it('gives organization scope the memory (and the CPU that comes with it) of a 50,000-member sweep', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { MemorySize: 1769, Timeout: 300 });
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
      MAX_EXEMPTION_DAYS: '14',
      RESPONDER_SCOPE: 'organization',
      ORGANIZATION_AUTO_ENABLE_TARGET: 'ALL',
      RUNTIME_TARGET: 'unified',
      STATE_TABLE_NAME: { Ref: onlyResource(template, 'AWS::DynamoDB::Table').id },
      RESPONDER_ROLE_ARN: { 'Fn::GetAtt': [onlyRoleAssumedBy(template, 'lambda.amazonaws.com'), 'Arn'] },
      LOG_LEVEL: 'INFO',
      COVERAGE_CLUSTER_METRICS: 'true',
      OWN_RESOURCES: { 'Fn::Join': ['', expect.any(Array)] },
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

  it('allows exactly the account-scope calls plus the member, organization configuration and statistics calls', () => {
    expect(statements.flatMap(actionsOf).sort()).toEqual(
      [
        ...ACCOUNT_SCOPE_ACTIONS,
        ...OWN_RESOURCE_ACTIONS,
        ...OWN_TRAIL_ACTIONS,
        ...ORGANIZATION_ACTIONS,
        ...ORGANIZATION_STATISTICS_ACTIONS,
      ].sort(),
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

  it('keeps every account-scope statement as it is, and "*" for the three actions without a resource type only', () => {
    const accountScope = functionRoleStatements(synthFirst({ ...FULL_CONTEXT }).template);
    const organizationSids = [
      'ManageMemberDetectorsAsDelegatedAdministrator',
      'ReadOrganizationStatisticsAsDelegatedAdministrator',
    ];
    expect(statements.filter((s) => !organizationSids.includes(s.Sid ?? ''))).toStrictEqual(accountScope);
    expect(
      statements
        .filter((s) => s.Resource === '*')
        .flatMap(actionsOf)
        .sort(),
    ).toEqual(['cloudwatch:PutMetricData', 'guardduty:GetOrganizationStatistics', 'guardduty:ListDetectors']);
  });

  it('grants GetOrganizationStatistics alone, on "*" (it names no detector), without conditions', () => {
    const statistics = statements.filter(
      (s) => s.Sid === 'ReadOrganizationStatisticsAsDelegatedAdministrator',
    );
    expect(statistics).toHaveLength(1);
    const [statement] = statistics as [Statement];
    expect(actionsOf(statement)).toEqual(['guardduty:GetOrganizationStatistics']);
    expect(statement.Resource).toBe('*');
    expect(statement.Condition).toBeUndefined();
  });

  it('grants no organization loss call itself: the responder never disassociates, deletes or stops a member', () => {
    for (const action of [
      'guardduty:DisassociateMembers',
      'guardduty:DeleteMembers',
      'guardduty:StopMonitoringMembers',
      'guardduty:DisableOrganizationAdminAccount',
      'guardduty:InviteMembers',
    ]) {
      expect(statements.flatMap(actionsOf)).not.toContain(action);
    }
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
    for (const name of [...ORGANIZATION_ACTIONS, ...ORGANIZATION_STATISTICS_ACTIONS, ...ORGANIZATION_METRICS])
      expect(everything).not.toContain(name);
  });
});
