/**
 * The state table, log group, role, its one policy (every statement with its reason and cdk-nag acknowledgement) and the function: over 300 lines because the least-privilege policy is kept in one place, next to what it grants access to.
 */
import { fileURLToPath } from 'node:url';
import { Aws, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { DEFAULTS, ENV, type EnvName, STATE_TABLE_LAYOUT } from '../../handlers/contract.js';
import type { AlertTopic } from './alert-topic.js';
import { ownResourceStatements, ownResources, ownResourcesVariable } from './own-resources.js';
import type { ResponderSettings } from './props.js';

/** The Lambda entry point (contract: `handlers/drift-responder.ts` exports `handler`). */
export const HANDLER_ENTRY = fileURLToPath(new URL('../../handlers/drift-responder.ts', import.meta.url));

/**
 * The GuardDuty calls of organization scope, all made by the delegated administrator with its own detector id
 * (so on its own `detector` resource, the only resource type these actions take).
 */
export const ORGANIZATION_ACTIONS = [
  'guardduty:ListMembers',
  'guardduty:GetMemberDetectors',
  'guardduty:UpdateMemberDetectors',
  'guardduty:DescribeOrganizationConfiguration',
  'guardduty:UpdateOrganizationConfiguration',
  // The loss paths (flow/organization/loss.ts): read members back, restart monitoring, associate again.
  'guardduty:GetMembers',
  'guardduty:StartMonitoringMembers',
  'guardduty:CreateMembers',
] as const;

/**
 * GetOrganizationStatistics names no detector (`GET /organization/statistics`) and has no resource type in the
 * Service Authorization Reference: `*` is its only scope. Only the delegated administrator may call it.
 */
export const ORGANIZATION_STATISTICS_ACTIONS = ['guardduty:GetOrganizationStatistics'] as const;

/**
 * The sweep's coverage reads: both take the detector resource (Service Authorization Reference for GuardDuty), the
 * account's own detector, or the delegated administrator's, which covers every member's clusters.
 */
export const COVERAGE_ACTIONS = ['guardduty:ListCoverage', 'guardduty:GetCoverageStatistics'] as const;

/** Makes the ESM bundle able to `require()` Node built-ins from CommonJS dependencies (the SDK's). */
const ESM_REQUIRE_BANNER =
  "import { createRequire as __driftResponderCreateRequire } from 'node:module'; " +
  'const require = __driftResponderCreateRequire(import.meta.url);';

/** The function, what it runs as, and what it keeps. */
export interface ResponderFunction {
  readonly stateTable: dynamodb.Table;
  readonly role: iam.Role;
  readonly function: nodejs.NodejsFunction;
  /** The function's log group: the audit trail (decision lines), kept after the stack. */
  readonly logGroup: logs.LogGroup;
}

/**
 * Adds the state table, the log group, the role with its one policy and the function, with ids `StateTable`,
 * `FunctionLogs`, `FunctionRole`, `FunctionPolicy` and `Function` directly on `responder` (the logical ids of the
 * first release: the table and the log group must never be replaced).
 */
export function addResponderFunction(
  responder: Construct,
  settings: ResponderSettings,
  alerts: AlertTopic,
): ResponderFunction {
  const stateTable = new dynamodb.Table(responder, 'StateTable', {
    partitionKey: { name: STATE_TABLE_LAYOUT.partitionKey, type: dynamodb.AttributeType.STRING },
    sortKey: { name: STATE_TABLE_LAYOUT.sortKey, type: dynamodb.AttributeType.STRING },
    timeToLiveAttribute: STATE_TABLE_LAYOUT.timeToLive,
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    // Holds the evidence the report reads (restores and denied attempts, EVIDENCE_RETENTION_DAYS) beside the
    // idempotency records: like the log group, it outlives the stack. Every item has a TTL, so a kept table empties
    // itself; delete it by hand when the evidence is no longer needed.
    removalPolicy: RemovalPolicy.RETAIN,
  });

  const logGroup = new logs.LogGroup(responder, 'FunctionLogs', {
    retention: settings.logRetention,
    // The logs are the audit trail of every remediation: they outlive the stack.
    removalPolicy: RemovalPolicy.RETAIN,
  });

  const role = new iam.Role(responder, 'FunctionRole', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description:
      'GuardDuty drift responder: reads and re-enables detectors, alerts, records metrics and state',
  });
  // Only the function writes the state: whoever else could write it could fake the remediation history a fight
  // is counted on, or completed claims that silence pages. (Reads stay open to operators; control-plane calls
  // such as DeleteTable or PutResourcePolicy are not data writes and are watched, not blocked.)
  stateTable.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'OnlyTheResponderWritesState',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: [
        'dynamodb:BatchWriteItem',
        'dynamodb:DeleteItem',
        'dynamodb:PartiQLDelete',
        'dynamodb:PartiQLInsert',
        'dynamodb:PartiQLUpdate',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
      ],
      // A table's own policy cannot name its ARN (a circular reference): `*` means this table.
      resources: ['*'],
      conditions: { ArnNotEquals: { 'aws:PrincipalArn': role.roleArn } },
    }),
  );
  const policy = addFunctionPolicy(responder, { settings, alerts, stateTable, logGroup, role });

  const fn = new nodejs.NodejsFunction(responder, 'Function', {
    entry: HANDLER_ENTRY,
    handler: 'handler',
    description: 'Keeps GuardDuty EKS Runtime Monitoring on and reports every change to it',
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: settings.memorySize,
    timeout: settings.timeout,
    role,
    logGroup,
    reservedConcurrentExecutions: settings.reservedConcurrentExecutions,
    retryAttempts: settings.retryAttempts,
    maxEventAge: settings.maxEventAge,
    onFailure: sendMessageDestination(alerts.deadLetterQueue),
    environment: contractEnvironment({
      [ENV.mode]: settings.mode,
      [ENV.notificationTopicArn]: alerts.topic.topicArn,
      [ENV.metricNamespace]: settings.metricNamespace,
      [ENV.requireAgentManagement]: String(settings.requireAgentManagement),
      [ENV.maxRemediationsPerHour]: String(settings.maxRemediationsPerHour),
      [ENV.maxExemptionDays]: String(settings.maxExemptionDays),
      [ENV.scope]: settings.scope,
      [ENV.organizationAutoEnableTarget]: settings.organizationAutoEnableTarget,
      [ENV.runtimeTarget]: settings.runtimeTarget,
      [ENV.stateTableName]: stateTable.tableName,
      // The handler treats a CloudTrail record as its own re-enable only when the session issuer is this role.
      // The role exists before the function, so the reference is not circular.
      [ENV.roleArn]: role.roleArn,
      [ENV.logLevel]: DEFAULTS.logLevel,
      [ENV.accountName]: settings.accountName,
      [ENV.runbookUrl]: settings.runbookUrl,
      [ENV.accountAliasLookup]: settings.lookupAccountAlias ? 'true' : undefined,
      [ENV.coverageClusterMetrics]: String(settings.coverageClusterMetrics),
      // Names and ARNs only, no reference to a rule (each rule depends on the function): own-resources.ts.
      [ENV.ownResources]: ownResourcesVariable(
        responder,
        ownResources(responder, {
          scope: settings.scope,
          alerts,
          maxEventAge: settings.maxEventAge,
          trailArn: settings.ownTrailArn,
        }),
      ),
      [ENV.securityHub]: settings.securityHub ? 'true' : undefined,
    }),
    bundling: {
      format: nodejs.OutputFormat.ESM,
      mainFields: ['module', 'main'],
      banner: ESM_REQUIRE_BANNER,
      target: 'node24',
      minify: true,
      keepNames: true,
      sourceMap: false,
      // The function ships its own, pinned SDK instead of the runtime's: same code in tests and in Lambda.
      externalModules: [],
    },
  });
  // Lambda checks the role can write to the on-failure destination when the invoke config is created.
  fn.node.addDependency(policy);
  Validations.of(fn).acknowledge({
    id: 'Serverless-LambdaDLQ',
    reason:
      'Failed asynchronous invocations go to the on-failure destination (the same dead-letter queue), the ' +
      'successor of a DeadLetterConfig: it receives the same events plus the error and the invocation context.',
  });
  Validations.of(fn).acknowledge({
    id: 'Serverless-LambdaTracing',
    reason:
      'X-Ray would need xray:PutTraceSegments on "*" in a role that is otherwise scoped to one topic, one ' +
      "table and this Region's detectors; a handful of AWS calls per event (an organization sweep: batches " +
      'of the same few), and its structured logs (one line per decision) and metrics already show each outcome.',
  });
  return { stateTable, role, function: fn, logGroup };
}

/**
 * The function's environment: only names of the contract (`handlers/contract.ts`) compile here, and a variable
 * without a value is left out (the function applies its default).
 */
function contractEnvironment(values: { readonly [Name in EnvName]?: string }): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

/**
 * SECURITY_HUB=true: the two Security Hub calls of a drift's finding. BatchImportFindings creates it and updates the
 * provider's fields (Compliance, UpdatedAt); after creation it cannot change Workflow, which only BatchUpdateFindings
 * can (Security Hub user guide, "BatchImportFindings for finding providers"), hence the second action, for
 * Workflow.Status RESOLVED alone.
 */
function addSecurityHubStatements(policy: iam.Policy): void {
  const hub = `arn:${Aws.PARTITION}:securityhub:${Aws.REGION}:${Aws.ACCOUNT_ID}:hub/default`;
  policy.addStatements(
    new iam.PolicyStatement({
      sid: 'ImportDriftFindingsIntoOwnProduct',
      actions: ['securityhub:BatchImportFindings'],
      // The product resource type: this account's own `default` product, in this Region only.
      resources: [
        `arn:${Aws.PARTITION}:securityhub:${Aws.REGION}:${Aws.ACCOUNT_ID}:product/${Aws.ACCOUNT_ID}/default`,
      ],
      // The findings' AwsAccountId: this account's (the default product takes no other).
      conditions: { StringEquals: { 'securityhub:TargetAccount': Aws.ACCOUNT_ID } },
    }),
    new iam.PolicyStatement({
      sid: 'ResolveDriftFindings',
      actions: ['securityhub:BatchUpdateFindings'],
      // The hub resource type: this account's hub in this Region. No condition can name the findings' product, so
      // the ASFF path condition keeps the call to setting Workflow.Status to RESOLVED (and its note) on any finding
      // of the hub, and the Deny statements below to those two fields.
      resources: [hub],
      conditions: { StringEquals: { 'securityhub:ASFFSyntaxPath/Workflow.Status': 'RESOLVED' } },
    }),
    // The Allow names what Workflow.Status must be, not which other fields the same request may carry: without
    // these, one call could also lower the Severity or set the VerificationState of any finding in the hub.
    ...FIELDS_THE_RESOLVE_LEAVES_ALONE.map(
      (field) =>
        new iam.PolicyStatement({
          sid: `NeverChange${field.replace(/\./g, '')}OfAFinding`,
          effect: iam.Effect.DENY,
          actions: ['securityhub:BatchUpdateFindings'],
          resources: [hub],
          conditions: { Null: { [`securityhub:ASFFSyntaxPath/${field}`]: 'false' } },
        }),
    ),
  );
}

/**
 * The fields BatchUpdateFindings can change other than Workflow.Status and the Note the resolve writes (API
 * reference), each as its `securityhub:ASFFSyntaxPath/<fieldName>` condition key; a Null condition on the key denies
 * any request that sets the field (Security Hub user guide, "Configuring access to BatchUpdateFindings"; the AWS
 * managed AWSSystemsManagerOpsDataSyncServiceRolePolicy denies these paths the same way). One Deny each: several
 * Null keys in one statement would deny only a request that sets all of them.
 */
const FIELDS_THE_RESOLVE_LEAVES_ALONE = [
  'Confidence',
  'Criticality',
  'RelatedFindings',
  'Severity.Label',
  'Severity.Normalized',
  'Severity.Product',
  'Types',
  'UserDefinedFields.key',
  'UserDefinedFields.value',
  'VerificationState',
] as const;

/**
 * A Lambda on-failure destination that only grants `sqs:SendMessage` (the CDK's SqsDestination also grants
 * GetQueueAttributes and GetQueueUrl, which Lambda does not need); the grant is in the function policy.
 */
function sendMessageDestination(queue: sqs.IQueue): lambda.IDestination {
  return { bind: () => ({ destination: queue.queueArn }) };
}

/** The function's whole policy: each statement names exactly what the handler calls, on its own resources. */
function addFunctionPolicy(
  responder: Construct,
  parts: {
    readonly settings: ResponderSettings;
    readonly alerts: AlertTopic;
    readonly stateTable: dynamodb.Table;
    readonly logGroup: logs.LogGroup;
    readonly role: iam.Role;
  },
): iam.Policy {
  const { settings, alerts, stateTable, logGroup, role } = parts;
  const thisRegionsDetectors = `arn:${Aws.PARTITION}:guardduty:${Aws.REGION}:${Aws.ACCOUNT_ID}:detector/*`;
  const policy = new iam.Policy(responder, 'FunctionPolicy', {
    statements: [
      new iam.PolicyStatement({
        sid: 'ReadAndRepairDetectorsOfThisAccountAndRegion',
        actions: ['guardduty:GetDetector', 'guardduty:UpdateDetector'],
        // Pseudo parameters rather than the stack's env, so the policy reads the same in every stack.
        resources: [thisRegionsDetectors],
      }),
      new iam.PolicyStatement({
        sid: 'ReadRuntimeCoverageOfEksClusters',
        actions: [...COVERAGE_ACTIONS],
        resources: [thisRegionsDetectors],
      }),
      new iam.PolicyStatement({
        sid: 'FindDetectorsForTheSweep',
        actions: ['guardduty:ListDetectors'],
        resources: ['*'],
      }),
      new iam.PolicyStatement({
        sid: 'PublishAlerts',
        actions: ['sns:Publish'],
        resources: [alerts.topic.topicArn],
      }),
      new iam.PolicyStatement({
        sid: 'EncryptAlertsForTheTopic',
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: [alerts.topicKey.keyArn],
      }),
      new iam.PolicyStatement({
        sid: 'PutMetricsInOwnNamespace',
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': settings.metricNamespace } },
      }),
      new iam.PolicyStatement({
        sid: 'KeepIdempotencyAndRemediationHistory',
        actions: ['dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:BatchWriteItem'],
        resources: [stateTable.tableArn],
      }),
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
      new iam.PolicyStatement({
        sid: 'ParkFailedEventsInDeadLetterQueue',
        actions: ['sqs:SendMessage'],
        resources: [alerts.deadLetterQueue.queueArn],
      }),
    ],
  });
  // The tamper repairs and the wiring check, on the responder's own rules, topic and trail (own-resources.ts).
  policy.addStatements(...ownResourceStatements(responder, { alerts, trailArn: settings.ownTrailArn }));
  policy.attachToRole(role);
  const acknowledge = (finding: string, reason: string) =>
    Validations.of(policy).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
  const detectorFinding =
    'Resource::arn:<AWS::Partition>:guardduty:<AWS::Region>:<AWS::AccountId>:detector/*';
  acknowledge(
    detectorFinding,
    'Detector ids are created outside this stack and change when a detector is deleted and re-created; ' +
      'the pattern is limited to detectors of this account and Region (there is at most one). The coverage reads ' +
      '(ListCoverage, GetCoverageStatistics) take the same detector resource.',
  );
  if (settings.lookupAccountAlias) {
    policy.addStatements(
      new iam.PolicyStatement({
        sid: 'ReadTheAccountAliasForAlerts',
        actions: ['iam:ListAccountAliases'],
        // ListAccountAliases has no resource type (Service Authorization Reference for IAM): `*` is its only scope.
        resources: ['*'],
      }),
    );
  }
  if (settings.securityHub) addSecurityHubStatements(policy);
  if (settings.scope === 'organization') {
    // Member detectors are reached through the administrator's own detector: every member and organization call
    // names the administrator's detector id, so this account's detector/* is the whole resource scope.
    policy.addStatements(
      new iam.PolicyStatement({
        sid: 'ManageMemberDetectorsAsDelegatedAdministrator',
        actions: [...ORGANIZATION_ACTIONS],
        resources: [thisRegionsDetectors],
      }),
      new iam.PolicyStatement({
        sid: 'ReadOrganizationStatisticsAsDelegatedAdministrator',
        actions: [...ORGANIZATION_STATISTICS_ACTIONS],
        resources: ['*'],
      }),
    );
    acknowledge(
      detectorFinding,
      'Organization scope: the member and organization configuration calls take only the delegated ' +
        "administrator's own detector (the detector resource type, Service Authorization Reference); its id is " +
        'created outside this stack, and the pattern is limited to this account and Region, where there is at most one.',
    );
  }
  acknowledge(
    'Resource::*',
    'guardduty:ListDetectors, guardduty:GetOrganizationStatistics (organization scope, a read) and ' +
      'cloudwatch:PutMetricData support no resource-level permissions (Service Authorization Reference); ' +
      "PutMetricData is limited to this responder's namespace by the cloudwatch:namespace condition.",
  );
  acknowledge(
    'Action::kms:GenerateDataKey*',
    'Publishing to a KMS-encrypted topic needs kms:GenerateDataKey* and kms:Decrypt (SNS developer guide); ' +
      "the statement is limited to the topic's own key.",
  );
  return policy;
}
