import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { AlertTopicPort } from '../ports.js';

export function snsAdapter(client: SNSClient, topicArn: string): AlertTopicPort {
  return {
    async publish(notification) {
      const output = await client.send(
        new PublishCommand({
          TopicArn: topicArn,
          Subject: notification.subject,
          Message: notification.message,
          MessageStructure: 'json',
          MessageAttributes: Object.fromEntries(
            Object.entries(notification.attributes).map(([name, value]) => [
              name,
              { DataType: 'String', StringValue: value },
            ]),
          ),
        }),
      );
      return output.MessageId ?? '';
    },
  };
}
