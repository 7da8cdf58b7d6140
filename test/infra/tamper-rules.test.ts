// infra/responder/tamper.ts and own-resources.ts: the two tamper rules, what they may publish, the function's
// repair permissions and OWN_RESOURCES. The patterns' behaviour on real events: tamper-pattern.moto.test.ts. Over 300
// lines because each expectation is written out in full (exact patterns, statements and policies), not summarised.
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLOUDTRAIL_DETAIL_TYPE, DEAD_FUNCTION_CALLS, TAMPER_CALLS } from '../../handlers/contract.js';
import { GuardDutyDriftResponder } from '../../infra/responder/index.js';
import { OWN_RULE_IDS, ownResourceName } from '../../infra/responder/own-resources.js';
import { FIXTURE_OWN } from '../support/tamper-fixtures.js';
import { FIXTURE_DEPLOYMENT, LONGEST_DEPLOYMENT, resolvedEnvironment, resolveIntrinsics } from './resolve.js';
import { actionsOf, functionRoleStatements, type Statement } from './responder/template.js';
import { FULL_CONTEXT, synthFirst, synthStacks } from './synth.js';

process.env.CDK_VALIDATION = 'false';

type Json = Record<string, unknown>;
type Branch = { eventSource: string[]; eventName: string[]; requestParameters?: Json };

/** The resources of a type, resolved as the fixtures' deploy would see them, by logical id. */
function resolved(template: Template, type: string): [string, Json][] {
  return Object.entries(template.findResources(type)).map(([id, resource]) => [
    id,
    resolveIntrinsics(resource.Properties, template, FIXTURE_DEPLOYMENT) as Json,
  ]);
}

function ruleProperties(template: Template, idPrefix: string): Json {
  const rules = resolved(template, 'AWS::Events::Rule').filter(([id]) => id.startsWith(idPrefix));
  expect(rules).toHaveLength(1);
  return (rules[0] as [string, Json])[1];
}

const branchesOf = (rule: Json) => ((rule.EventPattern as Json).detail as { $or: Branch[] }).$or;
const ownRuleNames = OWN_RULE_IDS.map((id) => FIXTURE_OWN.ruleName(id));
const deadFunctionRuleArn = `arn:aws:events:us-east-1:123456789012:rule/${FIXTURE_OWN.ruleName('DeadFunctionRule')}`;
const dlqArn = 'arn:aws:sqs:us-east-1:123456789012:responderdeadletterqueue443a68a7';

describe('Construct: the tamper watch (default configuration)', () => {
  let template: Template;
  let tamper: Json;
  let deadFunction: Json;

  beforeAll(() => {
    template = synthFirst().template;
    tamper = ruleProperties(template, 'ResponderTamperEventRule');
    deadFunction = ruleProperties(template, 'ResponderDeadFunctionRule');
  });

  describe('the tamper rule', () => {
    it('matches every call of TAMPER_CALLS under its own eventSource, CloudTrail records only', () => {
      const pattern = tamper.EventPattern as Json;
      expect(pattern.source).toEqual(Object.keys(TAMPER_CALLS));
      expect(pattern['detail-type']).toEqual([CLOUDTRAIL_DETAIL_TYPE]);
      for (const call of Object.values(TAMPER_CALLS)) {
        const names = branchesOf(tamper)
          .filter((branch) => branch.eventSource.includes(call.eventSource))
          .flatMap((branch) => branch.eventName);
        expect(names.sort(), call.eventSource).toEqual([...call.eventNames].sort());
      }
      expect(branchesOf(tamper).every((branch) => branch.eventSource.length === 1)).toBe(true);
    });

    it('keeps denied calls (no errorCode filter) and takes trail calls on any trail', () => {
      expect(JSON.stringify(tamper.EventPattern)).not.toContain('errorCode');
      const trail = branchesOf(tamper).filter((b) => b.eventSource[0] === 'cloudtrail.amazonaws.com');
      expect(trail).toEqual([
        {
          eventSource: ['cloudtrail.amazonaws.com'],
          eventName: ['StopLogging', 'DeleteTrail', 'UpdateTrail', 'PutEventSelectors'],
        },
      ]);
    });

    it('narrows every other call to our own resources, as each call names them', () => {
      const narrowing = Object.fromEntries(
        branchesOf(tamper)
          .filter((b) => b.requestParameters !== undefined)
          .map((b) => [`${b.eventSource[0]} ${b.eventName.join(',')}`, b.requestParameters]),
      );
      const functionName = [
        FIXTURE_OWN.functionName,
        { prefix: `${FIXTURE_OWN.functionName}:` },
        { suffix: `:function:${FIXTURE_OWN.functionName}` },
        { wildcard: `*:function:${FIXTURE_OWN.functionName}:*` },
      ];
      expect(narrowing).toStrictEqual({
        'events.amazonaws.com DisableRule,DeleteRule,PutRule': { name: ownRuleNames },
        'events.amazonaws.com RemoveTargets,PutTargets': { rule: ownRuleNames },
        'lambda.amazonaws.com UpdateFunctionConfiguration20150331v2,UpdateFunctionCode20150331v2,PutFunctionConcurrency20171031,DeleteFunction20150331,RemovePermission20150331v2,RemovePermission20150331':
          { functionName },
        'sns.amazonaws.com DeleteTopic,SetTopicAttributes,RemovePermission': {
          topicArn: [FIXTURE_OWN.topicArn],
        },
        'sns.amazonaws.com Unsubscribe,SetSubscriptionAttributes': {
          subscriptionArn: [{ prefix: `${FIXTURE_OWN.topicArn}:` }],
        },
        'kms.amazonaws.com DisableKey,ScheduleKeyDeletion': {
          keyId: [FIXTURE_OWN.keyId, FIXTURE_OWN.keyArn],
        },
        'monitoring.amazonaws.com DisableAlarmActions,DeleteAlarms': {
          alarmNames: [
            'NonComplianceAlarm',
            'HeartbeatAlarm',
            'FunctionErrorsAlarm',
            'DeadLettersAlarm',
            'CoverageUnhealthyAlarm',
          ].map(FIXTURE_OWN.alarmName),
        },
        'dynamodb.amazonaws.com DeleteTable': { tableName: [FIXTURE_OWN.tableName, FIXTURE_OWN.tableArn] },
      });
    });

    it('delivers to the function with the dead-letter queue and retries of the other rules', () => {
      expect(tamper.Name).toBe(FIXTURE_OWN.ruleName('TamperEventRule'));
      expect(tamper.Targets).toEqual([
        {
          Id: 'Target0',
          Arn: FIXTURE_OWN.functionArn,
          DeadLetterConfig: { Arn: dlqArn },
          RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
        },
      ]);
    });
  });

  describe('the dead-function rule', () => {
    it('matches DEAD_FUNCTION_CALLS on our rules, function and table, PutFunctionConcurrency only when 0', () => {
      const pattern = deadFunction.EventPattern as Json;
      expect(pattern.source).toEqual(Object.keys(DEAD_FUNCTION_CALLS));
      expect(pattern['detail-type']).toEqual([CLOUDTRAIL_DETAIL_TYPE]);
      const functionName = (tamper.EventPattern as { detail: { $or: Branch[] } }).detail.$or.find(
        (b) => b.eventSource[0] === 'lambda.amazonaws.com',
      )?.requestParameters?.functionName;
      expect(branchesOf(deadFunction)).toStrictEqual([
        {
          eventSource: ['events.amazonaws.com'],
          eventName: ['DisableRule', 'DeleteRule'],
          requestParameters: { name: ownRuleNames },
        },
        {
          eventSource: ['events.amazonaws.com'],
          eventName: ['RemoveTargets'],
          requestParameters: { rule: ownRuleNames },
        },
        {
          eventSource: ['events.amazonaws.com'],
          eventName: ['PutRule'],
          requestParameters: { name: ownRuleNames },
          sourceIPAddress: [{ 'anything-but': ['cloudformation.amazonaws.com'] }],
        },
        {
          eventSource: ['events.amazonaws.com'],
          eventName: ['PutTargets'],
          requestParameters: { rule: ownRuleNames },
          sourceIPAddress: [{ 'anything-but': ['cloudformation.amazonaws.com'] }],
        },
        {
          eventSource: ['lambda.amazonaws.com'],
          eventName: [
            'DeleteFunction20150331',
            'UpdateFunctionCode20150331v2',
            'UpdateFunctionConfiguration20150331v2',
            'RemovePermission20150331v2',
            'RemovePermission20150331',
          ],
          requestParameters: { functionName },
        },
        {
          eventSource: ['lambda.amazonaws.com'],
          eventName: ['PutFunctionConcurrency20171031'],
          requestParameters: { functionName, reservedConcurrentExecutions: [0] },
        },
        {
          eventSource: ['dynamodb.amazonaws.com'],
          eventName: ['DeleteTable'],
          requestParameters: { tableName: [FIXTURE_OWN.tableName, FIXTURE_OWN.tableArn] },
        },
      ]);
      expect(functionName).toHaveLength(4);
      expect(JSON.stringify(pattern)).not.toContain('errorCode');
    });

    it('publishes the raw event straight to the topic (no input transformer), with the dead-letter queue', () => {
      expect(deadFunction.Name).toBe(FIXTURE_OWN.ruleName('DeadFunctionRule'));
      expect(deadFunction.Targets).toEqual([
        {
          Id: 'Target0',
          Arn: FIXTURE_OWN.topicArn,
          DeadLetterConfig: { Arn: dlqArn },
          RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
        },
      ]);
    });

    it('and the tamper rule watch each other: each pattern names both rules', () => {
      for (const rule of [tamper, deadFunction]) {
        const names = JSON.stringify(rule.EventPattern);
        expect(names).toContain(`"${FIXTURE_OWN.ruleName('TamperEventRule')}"`);
        expect(names).toContain(`"${FIXTURE_OWN.ruleName('DeadFunctionRule')}"`);
      }
    });
  });

  describe('what EventBridge may do with the topic and its key', () => {
    const fromEventBridge = (statement: Json) =>
      JSON.stringify(statement.Principal).includes('events.amazonaws.com');
    const conditions = {
      StringEquals: { 'aws:SourceAccount': '123456789012' },
      ArnEquals: { 'aws:SourceArn': deadFunctionRuleArn },
    };

    it('lets the dead-function rule alone publish to the topic', () => {
      const statements = resolved(template, 'AWS::SNS::TopicPolicy').flatMap(
        ([, policy]) => (policy.PolicyDocument as { Statement: Json[] }).Statement,
      );
      expect(statements.filter(fromEventBridge)).toEqual([
        {
          Sid: 'AllowTheDeadFunctionRuleToPublish',
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sns:Publish',
          Resource: FIXTURE_OWN.topicArn,
          Condition: conditions,
        },
      ]);
    });

    it('lets it alone encrypt for the topic with its key (no unconditioned grant to EventBridge)', () => {
      const [[, key]] = resolved(template, 'AWS::KMS::Key') as [[string, Json]];
      const statements = (key.KeyPolicy as { Statement: Json[] }).Statement;
      expect(statements.filter(fromEventBridge)).toEqual([
        {
          Sid: 'AllowTheDeadFunctionRuleToPublish',
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          Resource: '*',
          // Bound to this account's topics by the encryption context SNS always sends, whatever else the request carries.
          Condition: {
            StringLike: {
              'kms:EncryptionContext:aws:sns:topicArn': FIXTURE_OWN.topicArn.replace(/[^:]+$/, '*'),
            },
          },
        },
      ]);
    });
  });

  describe('the function role', () => {
    it('repairs and checks exactly its own rules and topic, and no trail when the app created none', () => {
      const statements = resolveIntrinsics(
        functionRoleStatements(template),
        template,
        FIXTURE_DEPLOYMENT,
      ) as Statement[];
      const own = statements.filter((s) =>
        [
          'ReEnableAndCheckOwnRules',
          'RewireOwnRulesToOwnTargetsOnly',
          'CheckTheTopicStillHasSubscribers',
        ].includes(s.Sid ?? ''),
      );
      const ruleArns = ownRuleNames.map((name) => `arn:aws:events:us-east-1:123456789012:rule/${name}`);
      expect(own).toEqual([
        {
          Sid: 'ReEnableAndCheckOwnRules',
          Effect: 'Allow',
          Action: ['events:DescribeRule', 'events:EnableRule', 'events:ListTargetsByRule'],
          Resource: ruleArns,
        },
        {
          Sid: 'RewireOwnRulesToOwnTargetsOnly',
          Effect: 'Allow',
          Action: 'events:PutTargets',
          Resource: ruleArns,
          // Every target of the request a function of this account and Region or the topic; none is no grant.
          Condition: {
            'ForAllValues:ArnLike': {
              'events:TargetArn': ['arn:aws:lambda:us-east-1:123456789012:function:*', FIXTURE_OWN.topicArn],
            },
            Null: { 'events:TargetArn': 'false' },
          },
        },
        {
          Sid: 'CheckTheTopicStillHasSubscribers',
          Effect: 'Allow',
          Action: 'sns:ListSubscriptionsByTopic',
          Resource: FIXTURE_OWN.topicArn,
        },
      ]);
      expect(JSON.stringify(statements)).not.toContain('cloudtrail:');
    });
  });

  describe('what the function may set as a target', () => {
    /** IAM's ArnLike for these values: `*` any run of characters, everything else literal. */
    const arnLike = (pattern: string, arn: string) =>
      new RegExp(
        `^${pattern
          .split('*')
          .map((part) => part.replace(/[.?+^$()[\]{}|\\/]/g, '\\$&'))
          .join('.*')}$`,
      ).test(arn);
    const allowed = (arns: string[]) => {
      const statements = resolveIntrinsics(
        functionRoleStatements(template),
        template,
        FIXTURE_DEPLOYMENT,
      ) as Statement[];
      const putTargets = statements.filter((s) => actionsOf(s).includes('events:PutTargets'));
      expect(putTargets).toHaveLength(1);
      const condition = (putTargets[0] as { Condition: Record<string, Record<string, unknown>> }).Condition;
      const patterns = (condition['ForAllValues:ArnLike']?.['events:TargetArn'] ?? []) as string[];
      // Null false: the key must be in the request (ForAllValues alone is true for a request without it).
      const keyRequired = condition.Null?.['events:TargetArn'] === 'false';
      return (
        (arns.length > 0 || !keyRequired) &&
        arns.every((arn) => patterns.some((pattern) => arnLike(pattern, arn)))
      );
    };

    it('allows every target the template gives an own rule (the function and the topic)', () => {
      const targets = resolved(template, 'AWS::Events::Rule').flatMap(([, rule]) =>
        (rule.Targets as Json[]).map((target) => String(target.Arn)),
      );
      expect(new Set(targets)).toEqual(new Set([FIXTURE_OWN.functionArn, FIXTURE_OWN.topicArn]));
      expect(allowed(targets)).toBe(true);
    });

    it('refuses another topic, a queue, another Region or account, or ours beside a foreign one', () => {
      for (const foreign of [
        `${FIXTURE_OWN.topicArn}-old`,
        'arn:aws:sqs:us-east-1:123456789012:exfiltrate',
        `arn:aws:lambda:eu-west-1:123456789012:function:${FIXTURE_OWN.functionName}`,
        `arn:aws:lambda:us-east-1:210987654321:function:${FIXTURE_OWN.functionName}`,
        'arn:aws:events:us-east-1:210987654321:event-bus/default',
      ]) {
        expect(allowed([foreign]), foreign).toBe(false);
        expect(allowed([FIXTURE_OWN.functionArn, foreign]), foreign).toBe(false);
      }
      expect(allowed([])).toBe(false);
    });
  });

  describe('OWN_RESOURCES', () => {
    it('lists every own rule with the target, dead-letter queue and retries it has, the alarms and the key', () => {
      const ownResources = JSON.parse(
        resolvedEnvironment(template, FIXTURE_DEPLOYMENT).OWN_RESOURCES ?? '{}',
      );
      const rules = resolved(template, 'AWS::Events::Rule').map(([, rule]) => rule);
      const alarms = resolved(template, 'AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.AlarmName);
      expect(ownResources).toStrictEqual({
        rules: rules.map((rule): Json => {
          const [target] = rule.Targets as [Json];
          const retry = target.RetryPolicy as Json;
          return {
            name: rule.Name,
            target: target.Arn === FIXTURE_OWN.topicArn ? 'topic' : 'function',
            targetId: target.Id,
            deadLetterQueueArn: (target.DeadLetterConfig as Json).Arn,
            retryAttempts: retry.MaximumRetryAttempts,
            maxEventAgeSeconds: retry.MaximumEventAgeInSeconds,
          };
        }),
        alarmNames: alarms,
        topicKeyArn: FIXTURE_OWN.keyArn,
      });
      expect(ownResources.rules.map((rule: { target: string }) => rule.target)).toEqual([
        'function',
        'function',
        'function',
        'function',
        'topic',
      ]);
    });
  });
});

describe('Construct: the tamper watch with the trail the app created', () => {
  const stacks = synthStacks({ ...FULL_CONTEXT, scope: 'organization' });
  const [first, second] = stacks.map((stack) => Template.fromStack(stack)) as [Template, Template];

  it('restarts and checks that trail alone, in the stack that created it', () => {
    const statements = resolveIntrinsics(
      functionRoleStatements(first),
      first,
      FIXTURE_DEPLOYMENT,
    ) as Statement[];
    const trailArn = resolveIntrinsics({ 'Fn::GetAtt': [trailId(first), 'Arn'] }, first, FIXTURE_DEPLOYMENT);
    expect(statements.filter((s) => JSON.stringify(s.Action).includes('cloudtrail:'))).toEqual([
      {
        Sid: 'RestartLoggingOfTheTrailTheAppCreated',
        Effect: 'Allow',
        Action: ['cloudtrail:GetTrailStatus', 'cloudtrail:StartLogging'],
        Resource: trailArn,
      },
    ]);
    const ownResources = JSON.parse(resolvedEnvironment(first, FIXTURE_DEPLOYMENT).OWN_RESOURCES ?? '{}');
    expect(ownResources.trailArn).toBe(trailArn);
    expect(ownResources.alarmNames).toHaveLength(6);
  });

  it('leaves trails to the report in the other Regions (a multi-Region trail stops in its home Region)', () => {
    expect(JSON.stringify(functionRoleStatements(second))).not.toContain('cloudtrail:');
    expect(
      JSON.parse(resolvedEnvironment(second, FIXTURE_DEPLOYMENT).OWN_RESOURCES ?? '{}').trailArn,
    ).toBeUndefined();
  });

  it('keeps the whole environment under the 4 KB Lambda limit with every name at its longest', () => {
    // Lambda measures the variables as the JSON object it names in its error ("String measured: {...}").
    const largest = synthFirst({
      ...FULL_CONTEXT,
      scope: 'organization',
      accountName: 'a'.repeat(64),
      runbookUrl: `https://${'w'.repeat(392)}`,
    }).template;
    const environment = resolvedEnvironment(largest, LONGEST_DEPLOYMENT);
    const size = Buffer.byteLength(JSON.stringify(environment));
    expect(size).toBeLessThanOrEqual(4096);
    expect(Buffer.byteLength(environment.OWN_RESOURCES ?? '')).toBeGreaterThan(1500);
  });
});

describe('Own resource names', () => {
  it('are at most 64 characters, the same at every synth, and differ between two responders of one stack', () => {
    const names = () => {
      const stack = new Stack(
        new App({ context: { 'aws:cdk:bundling-stacks': [] } }),
        'A-Stack-Name-Long-Enough-To-Be-Cut-Down',
      );
      const one = new GuardDutyDriftResponder(stack, 'Responder');
      const two = new GuardDutyDriftResponder(stack, 'SecondResponder', { dashboardName: 'second' });
      return [one, two].map((responder) =>
        [...OWN_RULE_IDS, 'OrganizationAutoEnableAlarm' as const].map((id) => ownResourceName(responder, id)),
      );
    };
    const [first, second] = names() as [string[], string[]];
    expect(names()).toEqual([first, second]);
    for (const name of [...first, ...second]) expect(name.length).toBeLessThanOrEqual(64);
    expect(first.filter((name) => second.includes(name))).toEqual([]);
  });

  it('name the rules and alarms the template holds', () => {
    const { template } = synthFirst();
    const names = resolved(template, 'AWS::Events::Rule').map(([, rule]) => rule.Name);
    expect(names).toEqual(ownRuleNames);
    const alarms = resolved(template, 'AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.AlarmName);
    expect(alarms.every((name) => String(name).startsWith('GuardDutyDriftResponder6E49FD0B-'))).toBe(true);
  });
});

function trailId(template: Template): string {
  const [id] = Object.keys(template.findResources('AWS::CloudTrail::Trail'));
  if (id === undefined) throw new Error('no trail');
  return id;
}
