// infra/responder/triggers.ts: the CloudTrail rule and the sweep schedule.
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { FULL_CONTEXT, synthFirst } from '../synth.js';
import { dlqArn, functionArn } from './template.js';

// The bundled CloudFormation validator costs ~1.8 s per synth; nag.test.ts keeps one synth with it on.
process.env.CDK_VALIDATION = 'false';

describe('Construct: GuardDutyDriftResponder (full configuration)', () => {
  let template: Template;

  beforeAll(() => {
    template = synthFirst({ ...FULL_CONTEXT }).template;
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
            'TagResource',
            'UntagResource',
            // The organization loss paths and the member side (docs/organizations.md).
            'DisassociateMembers',
            'DeleteMembers',
            'StopMonitoringMembers',
            'DisableOrganizationAdminAccount',
            'DisassociateFromAdministratorAccount',
            'DisassociateFromMasterAccount',
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

  describe('the coverage rule', () => {
    const coverageRule = () =>
      Object.values(template.findResources('AWS::Events::Rule')).find((r) =>
        JSON.stringify(r.Properties.EventPattern ?? {}).includes('Runtime Protection'),
      );

    it("matches GuardDuty's own Runtime Protection Unhealthy and Healthy events of EKS clusters only", () => {
      expect(coverageRule()?.Properties.EventPattern).toStrictEqual({
        source: ['aws.guardduty'],
        'detail-type': ['GuardDuty Runtime Protection Unhealthy', 'GuardDuty Runtime Protection Healthy'],
        detail: { resourceDetails: { resourceType: ['EKS'] } },
      });
    });

    it('targets the function with retries, a maximum event age and the dead-letter queue', () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: Match.objectLike({
          'detail-type': Match.arrayWith(['GuardDuty Runtime Protection Healthy']),
        }),
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
});

describe('Construct: GuardDutyDriftResponder (defaults)', () => {
  let template: Template;

  beforeAll(() => {
    template = synthFirst().template;
  });

  it('sweeps every 30 minutes and uses the stack Region as the metric dimension', () => {
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(30 minutes)' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Statistic: 'SampleCount',
      Period: 1800,
      Dimensions: [{ Name: 'Region', Value: { Ref: 'AWS::Region' } }],
    });
  });
});
