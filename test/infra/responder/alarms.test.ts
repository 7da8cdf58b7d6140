// infra/responder/alarms.ts: the alarms and their wiring to the topic.
import { Match, type Template } from 'aws-cdk-lib/assertions';
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

    it('alarm when an EKS cluster stays unhealthy for the configured time, in whole sweep intervals', () => {
      // coverageAlarmMinutes 90 with a 20-minute sweep: five sweeps in a row (100 minutes) with one unhealthy.
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'GuardDutyDriftResponder',
        MetricName: 'EksClustersUnhealthy',
        Dimensions: [{ Name: 'Region', Value: 'eu-west-1' }],
        Statistic: 'Minimum',
        Period: 20 * 60,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: 5,
        DatapointsToAlarm: 5,
        TreatMissingData: 'ignore',
        AlarmDescription: Match.stringLikeRegexp('UNHEALTHY at every sweep for 100 minutes'),
        AlarmActions: toTopic(),
        OKActions: toTopic(),
      });
    });

    it('are exactly these five', () => {
      template.resourceCountIs('AWS::CloudWatch::Alarm', 5);
    });
  });
});

describe('Construct: GuardDutyDriftResponder (coverage alarm defaults)', () => {
  it('alarms after an hour of unhealthy clusters: two 30-minute sweeps', () => {
    synthFirst({ regions: ['eu-west-1'] }).template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'EksClustersUnhealthy',
      Period: 30 * 60,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
    });
  });

  it('waits at least one sweep however short the configured time', () => {
    synthFirst({
      regions: ['eu-west-1'],
      sweepIntervalMinutes: 60,
      coverageAlarmMinutes: 5,
    }).template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'EksClustersUnhealthy',
      Period: 60 * 60,
      EvaluationPeriods: 1,
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
    template.resourceCountIs('AWS::CloudWatch::Alarm', 6);
  });
});
