// infra/responder/props.ts: props applied, validated and refused, used on the construct directly.
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { GuardDutyDriftResponder } from '../../../infra/responder/index.js';

// The bundled CloudFormation validator costs ~1.8 s per synth; nag.test.ts keeps one synth with it on.
process.env.CDK_VALIDATION = 'false';

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
      { coverageAlarmAfter: Duration.minutes(2) },
      /coverageAlarmAfter must be from 5 minutes to 24 hours, and fit one day once rounded up to whole sweep intervals of 30 minutes \(received 2 minutes, 30 rounded\)/,
    ],
    [
      { sweepInterval: Duration.hours(7), coverageAlarmAfter: Duration.hours(22) },
      /coverageAlarmAfter .* \(received 1320 minutes, 1680 rounded\)/,
    ],
    [
      { organizationAutoEnableTarget: 'NEW' as const },
      /organizationAutoEnableTarget applies only with scope "organization" \(received NEW with scope account\)/,
    ],
    [
      { maxRemediationsPerHour: 0 },
      /maxRemediationsPerHour must be a whole number from 1 to 60, the range the function accepts in MAX_REMEDIATIONS_PER_HOUR \(received 0\)/,
    ],
    // The function's configuration check takes 1 to 60 only (handlers/contract.ts): 61 would fail every cold start.
    [
      { maxRemediationsPerHour: 61 },
      /maxRemediationsPerHour must be a whole number from 1 to 60,.*\(received 61\)/,
    ],
    [
      { maxRemediationsPerHour: 2.5 },
      /maxRemediationsPerHour must be a whole number from 1 to 60,.*\(received 2.5\)/,
    ],
    // A JavaScript caller is not held by the type: the function would refuse the value at every cold start.
    [
      { runtimeTarget: 'legacy' as 'any' },
      /runtimeTarget must be one of "any", "unified", the values the function accepts in RUNTIME_TARGET \(received "legacy"\)/,
    ],
  ])('rejects %o', (props, message) => {
    expect(() => construct(props)).toThrow(message);
  });

  it.each(['any', 'unified'] as const)(
    'passes runtimeTarget %s to the function as RUNTIME_TARGET',
    (target) => {
      construct({ runtimeTarget: target }).hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ RUNTIME_TARGET: target }) },
      });
    },
  );

  it.each([1, 60])('accepts maxRemediationsPerHour %i, the bounds the function accepts', (limit) => {
    construct({ maxRemediationsPerHour: limit }).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ MAX_REMEDIATIONS_PER_HOUR: String(limit) }) },
    });
  });
});
