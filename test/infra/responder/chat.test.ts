// infra/responder/chat.ts: the Slack channel bound to the alert topic.
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { FULL_CONTEXT, onlyResource, synthFirst } from '../synth.js';
import { onlyRoleAssumedBy } from './template.js';

// The bundled CloudFormation validator costs ~1.8 s per synth; nag.test.ts keeps one synth with it on.
process.env.CDK_VALIDATION = 'false';

describe('Construct: GuardDutyDriftResponder (full configuration)', () => {
  let template: Template;

  beforeAll(() => {
    template = synthFirst({ ...FULL_CONTEXT }).template;
  });

  describe('the Slack channel', () => {
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
});
