import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { RenderedNotification } from '../core/notification.js';

export interface NotifierPort {
  /** Publishes one alert; resolves with the SNS message id. */
  publish(notification: RenderedNotification): Promise<string>;
}

export function snsAdapter(client: SNSClient, topicArn: string): NotifierPort {
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
