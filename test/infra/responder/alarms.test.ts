// infra/responder/alarms.ts: the alarms and their wiring to the topic.
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, it } from 'vitest';
import { FULL_CONTEXT, onlyResource, synthFirst } from '../synth.js';

// The bundled CloudFormation validator costs ~1.8 s per synth; nag.test.ts keeps one synth with it on.
process.env.CDK_VALIDATION = 'false';

describe('Construct: GuardDutyDriftResponder (full configuration)', () => {
  let template: Template;

  beforeAll(() => {
    template = synthFirst({ ...FULL_CONTEXT }).template;
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
});

describe('Construct: GuardDutyDriftResponder (organization scope)', () => {
  let template: Template;

  beforeAll(() => {
    template = synthFirst({ ...FULL_CONTEXT, scope: 'organization' }).template;
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
});
