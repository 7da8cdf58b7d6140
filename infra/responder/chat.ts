import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { SlackChannelProps } from './props.js';

/**
 * Binds a Slack channel to the alert topic through AWS Chatbot, ids `SlackChannelRole` and `SlackChannel` directly
 * on `responder`. A further chat channel (Microsoft Teams: `CfnMicrosoftTeamsChannelConfiguration`) goes here too:
 * it subscribes to the same topic, whose Chatbot rendering is the contract.
 */
export function addSlackChannel(
  responder: Construct,
  slack: SlackChannelProps,
  topic: sns.ITopic,
  region: string,
): chatbot.SlackChannelConfiguration {
  // Notifications only: the channel role has no permission, and the guardrail caps it at read-only even if
  // someone attaches policies to it later, so nobody can change AWS resources from Slack.
  const role = new iam.Role(responder, 'SlackChannelRole', {
    assumedBy: new iam.ServicePrincipal('chatbot.amazonaws.com'),
    description: 'AWS Chatbot channel of the GuardDuty drift responder (notifications only)',
  });
  return new chatbot.SlackChannelConfiguration(responder, 'SlackChannel', {
    slackChannelConfigurationName: `guardduty-drift-responder-${region}`,
    slackWorkspaceId: slack.workspaceId,
    slackChannelId: slack.channelId,
    notificationTopics: [topic],
    role,
    guardrailPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('ReadOnlyAccess')],
    userRoleRequired: false,
    loggingLevel: chatbot.LoggingLevel.ERROR,
  });
}
