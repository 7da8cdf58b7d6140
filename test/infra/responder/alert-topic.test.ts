// infra/responder/alert-topic.ts: the key, the topic and its policies, the e-mail subscriptions, the dead-letter queue.
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { FULL_CONTEXT, onlyResource, synthFirst } from '../synth.js';
import { dlqArnValue } from './template.js';

// The bundled CloudFormation validator costs ~1.8 s per synth; nag.test.ts keeps one synth with it on.
process.env.CDK_VALIDATION = 'false';

describe('Construct: GuardDutyDriftResponder (full configuration)', () => {
  let template: Template;

  beforeAll(() => {
    template = synthFirst({ ...FULL_CONTEXT }).template;
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

    it('accepts messages from the five rules and the topic only, each by its source ARN', () => {
      const queuePolicy = onlyResource(template, 'AWS::SQS::QueuePolicy');
      const allows = (
        queuePolicy.properties.PolicyDocument as { Statement: Record<string, unknown>[] }
      ).Statement.filter((s) => s.Effect === 'Allow');
      expect(allows.map((s) => [s.Principal, s.Action])).toEqual([
        [{ Service: 'sns.amazonaws.com' }, 'sqs:SendMessage'],
        ...Array.from({ length: 5 }, () => [{ Service: 'events.amazonaws.com' }, 'sqs:SendMessage']),
      ]);
      for (const allow of allows) {
        expect(allow.Condition).toMatchObject({ ArnEquals: { 'aws:SourceArn': expect.anything() } });
      }
    });
  });
});
